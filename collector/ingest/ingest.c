/* ingest.c: a trace stream from one fd into the store (see ingest.h). */
#include "ingest/ingest.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"

/* How long a commit that fails (a full disk) is tried again before the run is given up: the
 * program waits meanwhile, its records in the socket. */
#define GIVE_UP_AFTER_NS 30000000000LL

int ltc_ingest_fd(ltc_store *store, int fd, const char *label, ltc_ingest_result *res,
                  ltc_err *err) {
  ltc_stream *s = ltc_stream_new(store, label);
  if (!s) return ltc_fail(err, -ENOMEM, "out of memory");
  uint8_t buf[1 << 16];
  int64_t last_commit = ltc_now_ns(), failing_since = 0;
  int rc = 0;
  for (;;) {
    struct pollfd p = {.fd = fd, .events = failing_since ? 0 : POLLIN};
    int ready = poll(&p, 1, 100);
    if (ready < 0 && errno != EINTR) break;
    if (ready > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if ((rc = ltc_stream_feed(s, buf, (size_t)n, err)) < 0) break;
    }
    int64_t now = ltc_now_ns();
    if (now - last_commit < (failing_since ? 5 : 1) * LTC_COMMIT_EVERY_NS) continue;
    last_commit = now;
    if ((rc = ltc_store_commit(store, err)) == 0) {
      if (failing_since)
        fprintf(stderr, "looptrace: storing again, after %.1f s\n",
                (double)(now - failing_since) / 1e9);
      failing_since = 0;
      continue;
    }
    if (!failing_since) {
      failing_since = now;
      fprintf(stderr, "looptrace: cannot store: %s; the program waits, and storing is tried "
                      "again for %lld s\n",
              err ? err->msg : "", GIVE_UP_AFTER_NS / 1000000000);
    }
    if (now - failing_since > GIVE_UP_AFTER_NS) break;
  }
  int frc = ltc_stream_finish(s, false, res, rc < 0 ? NULL : err);
  return rc < 0 ? rc : frc;
}

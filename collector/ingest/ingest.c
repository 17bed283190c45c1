/* ingest.c: a trace stream from one fd into the store (see ingest.h). */
#include "ingest/ingest.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"

int ltc_ingest_fd(ltc_store *store, int fd, const char *label, ltc_ingest_result *res,
                  ltc_err *err) {
  ltc_stream *s = ltc_stream_new(store, label);
  if (!s) return ltc_fail(err, -ENOMEM, "out of memory");
  uint8_t buf[1 << 16];
  int64_t last_commit = ltc_now_ns();
  int rc = 0;
  for (;;) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int ready = poll(&p, 1, 100);
    if (ready < 0 && errno != EINTR) break;
    if (ready > 0) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if ((rc = ltc_stream_feed(s, buf, (size_t)n, err)) < 0) break;
    }
    if (ltc_now_ns() - last_commit >= LTC_COMMIT_EVERY_NS) {
      if ((rc = ltc_store_commit(store, err)) < 0) break;
      last_commit = ltc_now_ns();
    }
  }
  int frc = ltc_stream_finish(s, false, res, rc < 0 ? NULL : err);
  return rc < 0 ? rc : frc;
}

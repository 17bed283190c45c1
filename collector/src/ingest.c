/* ingest.c: a trace stream from one fd into the store (see ingest.h). */
#include "ingest.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stream.h"

#define COMMIT_EVERY_NS 100000000 /* what a browser was shown is on disk moments later */

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int ltc_ingest_fd(ltc_store *store, int fd, const char *label, ltc_ingest_result *res) {
  ltc_stream *s = ltc_stream_new(store, label);
  if (!s) return -ENOMEM;
  uint8_t buf[1 << 16];
  int64_t last_commit = now_ns();
  int rc = 0;
  for (;;) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int ready = poll(&p, 1, 100);
    if (ready < 0 && errno != EINTR) break;
    if (ready > 0) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if ((rc = ltc_stream_feed(s, buf, (size_t)n)) < 0) break;
    }
    if (now_ns() - last_commit >= COMMIT_EVERY_NS) {
      if ((rc = ltc_store_commit(store)) < 0) break;
      last_commit = now_ns();
    }
  }
  int frc = ltc_stream_finish(s, false, res);
  return rc < 0 ? rc : frc;
}

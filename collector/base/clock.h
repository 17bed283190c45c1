/* clock.h: the collector's clock (CLOCK_MONOTONIC ns), for commit intervals, timeouts and
 * latencies; and the one commit interval of every SQLite writer. */
#ifndef LTC_CLOCK_H
#define LTC_CLOCK_H

#include <stdint.h>
#include <time.h>

/* A writer commits at least this often: what a browser was shown is on disk moments later. */
#define LTC_COMMIT_EVERY_NS 100000000

static inline int64_t ltc_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif

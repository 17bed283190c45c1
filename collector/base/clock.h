/* clock.h: the collector's clock (CLOCK_MONOTONIC ns), for commit intervals, timeouts and
 * latencies; the one commit interval of every SQLite writer; and the difference of two
 * timestamps of a trace, which may be anything a stream said. */
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

/* b - a, saturated at INT64_MIN / INT64_MAX: a trace's timestamps may lie further apart than
 * an int64 holds (a damaged or hostile stream), and a duration must not overflow. */
static inline int64_t ltc_ns_sub(int64_t b, int64_t a) {
  int64_t d;
  if (__builtin_sub_overflow(b, a, &d)) return b > a ? INT64_MAX : INT64_MIN;
  return d;
}

/* a + b, saturated likewise: sums of durations. */
static inline int64_t ltc_ns_add(int64_t a, int64_t b) {
  int64_t s;
  if (__builtin_add_overflow(a, b, &s)) return a > 0 ? INT64_MAX : INT64_MIN;
  return s;
}

#endif

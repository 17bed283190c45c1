/* bench_util.h: what every benchmark here shares: the clock, and "best of N runs of a loop
 * whose main task times itself" (the least disturbed run is the one that measures the code). */
#ifndef LT_BENCH_UTIL_H
#define LT_BENCH_UTIL_H

#include <stdint.h>
#include <time.h>

#include <looptrace.h>

#define BENCH_REPS 5

static inline int64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Runs main on a fresh loop BENCH_REPS times; main stores the ns it measured in *(int64_t *)arg.
 * Returns the best run's ns divided by ops. */
static inline double bench_best_ns(lt_task_fn main, double ops, const lt_run_opts *opts) {
  double best = 1e300;
  for (int r = 0; r < BENCH_REPS; r++) {
    int64_t ns = 0;
    lt_run(main, &ns, NULL, opts);
    if ((double)ns / ops < best) best = (double)ns / ops;
  }
  return best;
}

#endif

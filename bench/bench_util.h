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

/* The switch workload both benches measure: two tasks yielding to each other, bench_switches
 * switches in all; the main task stores the ns it took. */
static long bench_switches = 2000000;

static inline int bench_yielder(void *arg, void **result) {
  for (long i = 0; i < bench_switches / 2; i++) lt_yield();
  return 0;
}

static inline int bench_switch_main(void *arg, void **result) {
  int64_t t0 = bench_now_ns();
  lt_task *a = lt_spawn(bench_yielder, NULL), *b = lt_spawn(bench_yielder, NULL);
  lt_await(a, NULL);
  lt_await(b, NULL);
  *(int64_t *)arg = bench_now_ns() - t0;
  lt_task_release(a);
  lt_task_release(b);
  return 0;
}

/* ns per switch, best of BENCH_REPS */
static inline double bench_switch_ns(void) {
  return bench_best_ns(bench_switch_main, (double)bench_switches, NULL);
}

#endif

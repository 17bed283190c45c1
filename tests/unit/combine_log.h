/* combine_log.h: an event log the combine tests (gather, as_completed, wait_for, task groups)
 * record into, so that each test asserts an exact ordering; and a virtual-clock runner. */
#ifndef COMBINE_LOG_H
#define COMBINE_LOG_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <looptrace.h>

#define LOG_MAX 128
static char log_ev[LOG_MAX][64];
static int log_n;

__attribute__((unused, format(printf, 1, 2))) static void logf_(const char *fmt, ...) {
  if (log_n >= LOG_MAX) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(log_ev[log_n++], sizeof log_ev[0], fmt, ap);
  va_end(ap);
}

__attribute__((unused)) static void log_reset(void) { log_n = 0; }

/* Fails the test (printing both logs) unless the log is exactly want[0..n). */
__attribute__((unused)) static void log_expect(const char *const *want, int n) {
  int ok = log_n == n;
  for (int i = 0; ok && i < n; i++) ok = strcmp(log_ev[i], want[i]) == 0;
  if (!ok) {
    print_error("event log mismatch\n  got: ");
    for (int i = 0; i < log_n; i++) print_error("%s'%s'", i ? ", " : "", log_ev[i]);
    print_error("\n want: ");
    for (int i = 0; i < n; i++) print_error("%s'%s'", i ? ", " : "", want[i]);
    print_error("\n");
    fail();
  }
}
#define LOG_EXPECT(...)                                   \
  do {                                                    \
    const char *const want_[] = {__VA_ARGS__};            \
    log_expect(want_, (int)(sizeof want_ / sizeof *want_)); \
  } while (0)

/* Runs fn as the main task under the virtual clock; returns its status. */
__attribute__((unused)) static int run_virtual(lt_task_fn fn, void *arg) {
  log_reset();
  return lt_run(fn, arg, NULL, &(lt_run_opts){.clock = LT_CLOCK_VIRTUAL});
}

/* Runs fn(arg) as the body of the main task with a watchdog, so that a broken primitive fails
 * the test instead of hanging it: under the virtual clock (run_watched) a run that deadlocks
 * (every task waiting, no timer left) jumps the clock to the watchdog's hour; under the real
 * clock (run_real: a worker thread or a child process takes real time, which the virtual clock
 * would jump past) it waits 20 s. Either way it logs "deadlock" and cancels the body. */
typedef struct guarded {
  lt_task_fn fn;
  void *arg;
  int64_t patience;
  lt_task *body;
} guarded;

__attribute__((unused)) static int watchdog_(void *arg, void **result) {
  guarded *g = arg;
  while (lt_sleep(g->patience) == 0) {
    logf_("deadlock");
    lt_task_cancel(g->body);
  }
  return 0;
}

__attribute__((unused)) static int guarded_main_(void *arg, void **result) {
  guarded *g = arg;
  g->body = lt_spawn(g->fn, g->arg);
  lt_task *dog = lt_spawn(watchdog_, g);
  int rc = lt_await(g->body, NULL);
  lt_task_cancel(dog);
  lt_await(dog, NULL);
  lt_task_release(dog);
  lt_task_release(g->body);
  return rc;
}

__attribute__((unused)) static int run_watched(lt_task_fn fn, void *arg) {
  guarded g = {fn, arg, LT_SEC(3600), NULL};
  return run_virtual(guarded_main_, &g);
}

__attribute__((unused)) static int run_real(lt_task_fn fn) {
  log_reset();
  guarded g = {fn, NULL, LT_SEC(20), NULL};
  return lt_run(guarded_main_, &g, NULL, &(lt_run_opts){.clock = LT_CLOCK_REAL});
}

/* Logs "t0".."t<n-1>", yielding between them: a yardstick for counting loop hops. */
__attribute__((unused)) static int ticker(void *arg, void **result) {
  int n = (int)(intptr_t)arg;
  for (int i = 0; i < n; i++) {
    logf_("t%d", i);
    int rc = lt_yield();
    if (rc < 0) return rc;
  }
  return 0;
}

/* Sleeps (int)arg ms, logs "slept <ms>", and returns the ms as its value. */
__attribute__((unused)) static int sleeper(void *arg, void **result) {
  int ms = (int)(intptr_t)arg;
  int rc = lt_sleep(LT_MSEC(ms));
  if (rc < 0) {
    logf_("cancelled %d", ms);
    return rc;
  }
  logf_("slept %d", ms);
  *result = arg;
  return 0;
}

#define MS_NOW() ((int)(lt_now() / 1000000))

#endif

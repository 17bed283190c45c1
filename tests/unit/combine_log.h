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

/* run_virtual with a watchdog: a run that deadlocks (every task waiting, no timer left) jumps
 * the virtual clock to the watchdog's hour, which logs "deadlock" and cancels the body, so a
 * broken primitive fails the test instead of hanging it. */
typedef struct watched {
  lt_task_fn fn;
  void *arg;
  lt_task *body;
} watched;

__attribute__((unused)) static int watchdog_(void *arg, void **result) {
  watched *w = arg;
  while (lt_sleep(LT_SEC(3600)) == 0) {
    logf_("deadlock");
    lt_task_cancel(w->body);
  }
  return 0;
}

__attribute__((unused)) static int watched_main_(void *arg, void **result) {
  watched *w = arg;
  w->body = lt_spawn(w->fn, w->arg);
  lt_task *dog = lt_spawn(watchdog_, w);
  int rc = lt_await(w->body, NULL);
  lt_task_cancel(dog);
  lt_await(dog, NULL);
  lt_task_release(dog);
  lt_task_release(w->body);
  return rc;
}

__attribute__((unused)) static int run_watched(lt_task_fn fn, void *arg) {
  watched w = {fn, arg, NULL};
  return run_virtual(watched_main_, &w);
}

/* Runs fn under the real clock (a worker thread or a child process takes real time: the
 * virtual clock would jump past it), with a watchdog that cancels it after 20 s. */
typedef struct real_run {
  lt_task_fn fn;
  lt_task *body;
} real_run;

__attribute__((unused)) static int real_dog(void *arg, void **result) {
  real_run *r = arg;
  if (lt_sleep(LT_SEC(20)) == 0) {
    logf_("watchdog");
    lt_task_cancel(r->body);
  }
  return 0;
}

__attribute__((unused)) static int real_main(void *arg, void **result) {
  real_run *r = arg;
  r->body = lt_spawn(r->fn, NULL);
  lt_task *dog = lt_spawn(real_dog, r);
  int rc = lt_await(r->body, NULL);
  lt_task_cancel(dog);
  lt_await(dog, NULL);
  lt_task_release(dog);
  lt_task_release(r->body);
  return rc;
}

__attribute__((unused)) static int run_real(lt_task_fn fn) {
  log_reset();
  real_run r = {fn, NULL};
  return lt_run(real_main, &r, NULL, &(lt_run_opts){.clock = LT_CLOCK_REAL});
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

/* task_harness.h: running a test body as a task and checking from inside it. Tasks only record
 * (CHECK keeps the first failing line; rec collects values in order); cmocka asserts once
 * lt_run has returned, never from a task's stack. A watchdog turns a deadlock into a failure. */
#ifndef LT_TEST_TASK_HARNESS_H
#define LT_TEST_TASK_HARNESS_H

#include <looptrace.h>

static int fail_line;
static const char *fail_expr;
#define CHECK(c)                                  \
  do {                                            \
    if (!(c) && !fail_line) {                     \
      fail_line = __LINE__;                       \
      fail_expr = #c;                             \
    }                                             \
  } while (0)

typedef struct rec {
  int v[64];
  int n;
} rec;
static inline void rec_add(rec *r, int x) {
  if (r->n < 64) r->v[r->n++] = x;
}
static inline void assert_rec(const rec *r, const int *want, int n) {
  assert_int_equal(r->n, n);
  for (int i = 0; i < n; i++) assert_int_equal(r->v[i], want[i]);
}

/* Runs fn(arg) as the body of a task under the virtual clock, with a watchdog: a run that
 * deadlocks (every task waiting, no timer left) jumps the clock to the watchdog's hour, which
 * reports it and cancels the body, so a broken primitive fails the test instead of hanging. */
typedef struct harness {
  lt_task_fn fn;
  void *arg;
  lt_task *body;
  int deadlocks;
} harness;

static int watchdog(void *arg, void **res) {
  harness *h = arg;
  while (lt_sleep(LT_SEC(3600)) == 0) {
    h->deadlocks++;
    lt_task_cancel(h->body);
  }
  return 0;
}

static int harness_main(void *arg, void **res) {
  harness *h = arg;
  h->body = lt_spawn(h->fn, h->arg);
  lt_task *w = lt_spawn(watchdog, h);
  int rc = lt_await(h->body, NULL);
  lt_task_cancel(w);
  lt_await(w, NULL);
  lt_task_release(w);
  lt_task_release(h->body);
  return rc;
}

static void run_main(lt_task_fn fn, void *arg) {
  fail_line = 0;
  harness h = {fn, arg, NULL, 0};
  lt_run_opts o = {.clock = LT_CLOCK_VIRTUAL};
  int rc = lt_run(harness_main, &h, NULL, &o);
  if (h.deadlocks) fail_msg("deadlock: every task waited and nothing could wake them");
  if (fail_line) fail_msg("%s:%d: check failed: %s", __FILE__, fail_line, fail_expr);
  assert_int_equal(rc, 0);
}

/* Awaits and releases every task of ts. */
static inline void join_all(lt_task **ts, int n) {
  for (int i = 0; i < n; i++) {
    lt_await(ts[i], NULL);
    lt_task_release(ts[i]);
  }
}

/* A worker's view: which shared context, which id. */

#define ITEM(x) ((void *)(intptr_t)(x))
#define INT(p) ((int)(intptr_t)(p))

#endif

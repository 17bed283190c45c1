/* test_wait.c: lt_wait as asyncio.wait of CPython 3.11 behaves: it suspends even when every
 * future is done, its hops (child done -> _on_completion -> the caller), FIRST_COMPLETED,
 * ALL_COMPLETED with a timeout that fails nothing, a zero timeout, FIRST_EXCEPTION (a
 * cancelled future is no exception), duplicates counted once, and the caller's cancellation
 * leaving the futures running. Each expected log is what the same program printed under
 * CPython 3.11.7 (the sets printed sorted by name; virtual-clock times where 3.11 ran late). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "combine_log.h"

static int quick(void *arg, void **result) {
  logf_("quick");
  return 0;
}

/* Sleeps (int)arg ms; fails with -EIO when arg is negative (sleeping -arg ms). */
static int maybe_fail(void *arg, void **result) {
  int ms = (int)(intptr_t)arg;
  int rc = lt_sleep(LT_MSEC(ms < 0 ? -ms : ms));
  if (rc < 0) return rc;
  logf_("slept %d", ms < 0 ? -ms : ms);
  return ms < 0 ? -EIO : 0;
}

static int cmp_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "a,b|c": the names of the tasks done and pending, each sorted (Python sets print so here). */
static const char *sets(lt_future **done, size_t nd, lt_future **pending, size_t np) {
  static char buf[128];
  const char *names[16];
  buf[0] = 0;
  for (int side = 0; side < 2; side++) {
    lt_future **fs = side ? pending : done;
    size_t n = side ? np : nd;
    for (size_t i = 0; i < n; i++) names[i] = lt_task_name((lt_task *)fs[i]);
    qsort(names, n, sizeof *names, cmp_name);
    for (size_t i = 0; i < n; i++)
      snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? "," : "", names[i]);
    if (!side) snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "|");
  }
  return buf;
}

#define F(t) lt_task_future(t)

static int hops_main(void *arg, void **result) {
  lt_future *done[4], *pending[4];
  size_t nd, np;
  lt_task *a = lt_spawn_named(quick, NULL, "a");
  lt_yield();
  lt_task *tk = lt_spawn(ticker, (void *)4);
  logf_("wait");
  lt_future *fa = F(a);
  int rc = lt_wait(&fa, 1, LT_ALL_COMPLETED, -1, done, &nd, pending, &np);
  logf_("woke %s rc=%d", sets(done, nd, pending, np), rc);
  lt_await(tk, NULL);
  lt_task_release(tk);
  logf_("---");
  lt_task *b = lt_spawn_named(quick, NULL, "b");
  tk = lt_spawn(ticker, (void *)5);
  lt_future *fb = F(b);
  rc = lt_wait(&fb, 1, LT_FIRST_COMPLETED, -1, done, &nd, pending, &np);
  logf_("woke %s rc=%d", sets(done, nd, pending, np), rc);
  lt_await(tk, NULL);
  lt_task_release(tk);
  lt_task_release(a);
  lt_task_release(b);
  return 0;
}

static void test_wait_suspends_and_takes_two_hops(void **state) {
  assert_int_equal(run_watched(hops_main, NULL), 0);
  LOG_EXPECT("quick", "wait", "t0", "t1", "woke a| rc=0", "t2", "t3", "---", "quick", "t0",
             "t1", "woke b| rc=0", "t2", "t3", "t4");
}

static int when_main(void *arg, void **result) {
  lt_future *done[4], *pending[4], *fs[4];
  size_t nd, np;
  int64_t t0 = lt_now();
  int ms[] = {30, 10, 20};
  char name[8];
  lt_task *ts[3];
  for (int i = 0; i < 3; i++) {
    snprintf(name, sizeof name, "s%d", ms[i]);
    ts[i] = lt_spawn_named(maybe_fail, (void *)(intptr_t)ms[i], name);
    fs[i] = F(ts[i]);
  }
  lt_wait(fs, 3, LT_FIRST_COMPLETED, -1, done, &nd, pending, &np);
  logf_("first %d %s", (int)((lt_now() - t0) / 1000000), sets(done, nd, pending, np));
  lt_future *rest[4];
  memcpy(rest, pending, np * sizeof *rest);
  int rc = lt_wait(rest, np, LT_ALL_COMPLETED, LT_MSEC(15), done, &nd, pending, &np);
  logf_("timeout %d %s rc=%d", (int)((lt_now() - t0) / 1000000), sets(done, nd, pending, np),
        rc);
  memcpy(rest, pending, np * sizeof *rest);
  lt_wait(rest, np, LT_ALL_COMPLETED, 0, done, &nd, pending, &np);
  logf_("zero %s", sets(done, nd, pending, np));
  memcpy(rest, pending, np * sizeof *rest);
  lt_wait(rest, np, LT_ALL_COMPLETED, -1, done, &nd, pending, &np);
  logf_("all %d %s", (int)((lt_now() - t0) / 1000000), sets(done, nd, pending, np));
  for (int i = 0; i < 3; i++) lt_task_release(ts[i]);
  return 0;
}

static void test_first_completed_then_timeout_then_all(void **state) {
  assert_int_equal(run_watched(when_main, NULL), 0);
  LOG_EXPECT("slept 10", "first 10 s10|s20,s30", "slept 20", "timeout 25 s20|s30 rc=0",
             "zero |s30", "slept 30", "all 30 s30|");
}

static int exception_main(void *arg, void **result) {
  lt_future *done[5], *pending[5], *fs[5];
  size_t nd, np;
  int64_t t0 = lt_now();
  lt_task *c = lt_spawn_named(maybe_fail, (void *)3, "c");
  lt_task *x5 = lt_spawn_named(maybe_fail, (void *)5, "x5");
  lt_task *x10 = lt_spawn_named(maybe_fail, (void *)-10, "x10");
  lt_task *x20 = lt_spawn_named(maybe_fail, (void *)20, "x20");
  lt_task_cancel(c);
  fs[0] = F(x5), fs[1] = F(x10), fs[2] = F(x20), fs[3] = F(c);
  lt_wait(fs, 4, LT_FIRST_EXCEPTION, -1, done, &nd, pending, &np);
  logf_("exc %d %s", (int)((lt_now() - t0) / 1000000), sets(done, nd, pending, np));
  lt_wait(pending, np, LT_ALL_COMPLETED, -1, NULL, NULL, NULL, NULL);
  lt_task_release(c);
  lt_task_release(x5);
  lt_task_release(x10);
  lt_task_release(x20);
  return 0;
}

/* A cancelled future is not an exception: only x10's failure ends the wait. */
static void test_first_exception_ignores_cancelled(void **state) {
  assert_int_equal(run_watched(exception_main, NULL), 0);
  LOG_EXPECT("slept 5", "slept 10", "exc 10 c,x10,x5|x20", "slept 20");
}

static int cancelled_waiter(void *arg, void **result) {
  lt_future *e = arg;
  lt_future *fs[2] = {e, e};
  size_t nd = 9, np = 9;
  int rc = lt_wait(fs, 2, LT_ALL_COMPLETED, -1, NULL, &nd, NULL, &np);
  if (rc == -ECANCELED) logf_("waiter cancelled nd=%zu np=%zu", nd, np);
  return rc;
}

static int cancel_main(void *arg, void **result) {
  lt_task *e = lt_spawn_named(maybe_fail, (void *)10, "e");
  lt_task *w = lt_spawn(cancelled_waiter, F(e));
  lt_sleep(LT_MSEC(5));
  lt_task_cancel(w);
  int rc = lt_await(w, NULL);
  logf_("rc=%d e done %d", rc, lt_task_done(e));
  lt_await(e, NULL);
  logf_("e done %d", lt_task_done(e));
  /* duplicates count once: ALL_COMPLETED over {e, e} needs e alone */
  lt_future *fs[2] = {F(e), F(e)};
  size_t nd, np;
  rc = lt_wait(fs, 2, LT_ALL_COMPLETED, -1, NULL, &nd, NULL, &np);
  logf_("dup rc=%d nd=%zu np=%zu", rc, nd, np);
  lt_task_release(w);
  lt_task_release(e);
  return 0;
}

static void test_cancelled_caller_leaves_futures_running(void **state) {
  assert_int_equal(run_watched(cancel_main, NULL), 0);
  LOG_EXPECT("waiter cancelled nd=0 np=0", "rc=-125 e done 0", "slept 10", "e done 1",
             "dup rc=0 nd=1 np=0");
}

static int misuse_main(void *arg, void **result) {
  lt_future *f = lt_future_new();
  int *rcs = arg;
  rcs[0] = lt_wait(&f, 0, LT_ALL_COMPLETED, -1, NULL, NULL, NULL, NULL);
  rcs[1] = lt_wait(&f, 1, (lt_wait_when)7, -1, NULL, NULL, NULL, NULL);
  lt_future *self = F(lt_current_task());
  rcs[2] = lt_wait(&self, 1, LT_ALL_COMPLETED, -1, NULL, NULL, NULL, NULL);
  lt_future_release(f);
  return 0;
}

static void test_misuse_is_an_error(void **state) {
  int rcs[3];
  assert_int_equal(run_watched(misuse_main, rcs), 0);
  assert_int_equal(rcs[0], -EINVAL);
  assert_int_equal(rcs[1], -EINVAL);
  assert_int_equal(rcs[2], -EDEADLK);
  assert_int_equal(lt_wait(NULL, 0, LT_ALL_COMPLETED, -1, NULL, NULL, NULL, NULL), -EPERM);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wait_suspends_and_takes_two_hops),
      cmocka_unit_test(test_first_completed_then_timeout_then_all),
      cmocka_unit_test(test_first_exception_ignores_cancelled),
      cmocka_unit_test(test_cancelled_caller_leaves_futures_running),
      cmocka_unit_test(test_misuse_is_an_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_timeout.c: lt_timeout scopes as asyncio.timeout / timeout_at of CPython 3.11 behave:
 * expiry turning the cancellation into -ETIMEDOUT, a scope left in time, rescheduling (later,
 * and to never), a deadline already past (a call_soon: the exact step the cancel lands in),
 * nested scopes (outer expiring through an inner one, inner expiring inside an outer one), a
 * body that swallows the cancellation, rescheduling refused once expired, a cancellation from
 * outside racing the expiry, and a task that returns with a scope open. The expected log is
 * what CPython 3.11.7 printed for the same program on a virtual-clock loop. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "combine_log.h"

#define MS(t0) ((int)((lt_now() - (t0)) / 1000000))

static int victim(void *arg, void **result) {
  lt_timeout *tm = lt_timeout_new(LT_MSEC(10));
  int rc = lt_timeout_end(tm, lt_sleep(LT_MSEC(50)));
  lt_timeout_free(tm);
  if (rc == -ETIMEDOUT) logf_("9 timeout");
  if (rc == -ECANCELED) logf_("9 cancelled");
  return rc == -ETIMEDOUT ? 0 : rc;
}

static int scopes_main(void *arg, void **result) {
  lt_task *me = lt_current_task();
  int64_t t0 = lt_now();
  lt_timeout *cm = lt_timeout_new(LT_MSEC(10));
  int rc = lt_timeout_end(cm, lt_sleep(LT_MSEC(50)));
  if (rc == -ETIMEDOUT)
    logf_("1 timeout at %d expired=%d cancelling=%d", MS(t0), lt_timeout_expired(cm),
          lt_task_cancelling(me));
  lt_timeout_free(cm);

  t0 = lt_now();
  cm = lt_timeout_new(LT_MSEC(10));
  rc = lt_timeout_end(cm, lt_sleep(LT_MSEC(5)));
  lt_sleep(LT_MSEC(10));
  logf_("2 ok at %d expired=%d rc=%d", MS(t0), lt_timeout_expired(cm), rc);
  lt_timeout_free(cm);

  t0 = lt_now();
  cm = lt_timeout_new(LT_MSEC(10));
  rc = lt_sleep(LT_MSEC(5));
  if (rc == 0) rc = lt_timeout_reschedule(cm, lt_now() + LT_MSEC(20));
  if (rc == 0) rc = lt_sleep(LT_MSEC(50));
  if (lt_timeout_end(cm, rc) == -ETIMEDOUT) logf_("3 timeout at %d", MS(t0));
  lt_timeout_free(cm);

  t0 = lt_now();
  cm = lt_timeout_new(LT_MSEC(10));
  lt_timeout_reschedule(cm, LT_NEVER);
  rc = lt_timeout_end(cm, lt_sleep(LT_MSEC(20)));
  logf_("4 never at %d never=%d rc=%d", MS(t0), lt_timeout_when(cm) == LT_NEVER, rc);
  lt_timeout_free(cm);

  lt_task *tk = lt_spawn(ticker, (void *)3);
  lt_yield();
  cm = lt_timeout_new(0);
  logf_("5 in");
  rc = lt_yield();
  if (rc == 0) logf_("5 not reached");
  if (lt_timeout_end(cm, rc) == -ETIMEDOUT) logf_("5 timeout");
  lt_timeout_free(cm);
  lt_await(tk, NULL);
  lt_task_release(tk);

  t0 = lt_now();
  lt_timeout *outer = lt_timeout_new(LT_MSEC(10));
  lt_timeout *inner = lt_timeout_new(LT_MSEC(20));
  rc = lt_timeout_end(inner, lt_sleep(LT_MSEC(50)));
  if (rc == -ECANCELED) logf_("6 inner saw cancel expired=%d", lt_timeout_expired(inner));
  if (lt_timeout_end(outer, rc) == -ETIMEDOUT)
    logf_("6 outer timeout at %d expired=%d", MS(t0), lt_timeout_expired(outer));
  lt_timeout_free(inner);
  lt_timeout_free(outer);

  t0 = lt_now();
  outer = lt_timeout_new(LT_MSEC(20));
  inner = lt_timeout_new(LT_MSEC(10));
  rc = lt_timeout_end(inner, lt_sleep(LT_MSEC(50)));
  if (rc == -ETIMEDOUT) logf_("7 inner timeout at %d", MS(t0));
  rc = lt_timeout_end(outer, lt_sleep(LT_MSEC(1)));
  logf_(rc == 0 ? "7 outer ok expired=%d" : "7 outer timeout %d", lt_timeout_expired(outer));
  lt_timeout_free(inner);
  lt_timeout_free(outer);

  cm = lt_timeout_new(LT_MSEC(10));
  if (lt_sleep(LT_MSEC(50)) == -ECANCELED)
    logf_("8 swallowed cancelling=%d", lt_task_cancelling(me));
  rc = lt_timeout_end(cm, 0);
  logf_("8 after expired=%d cancelling=%d rc=%d", lt_timeout_expired(cm),
        lt_task_cancelling(me), rc);
  if (lt_timeout_reschedule(cm, LT_NEVER) == -EINVAL) logf_("8 reschedule refused");
  lt_timeout_free(cm);

  lt_task *v = lt_spawn(victim, NULL);
  lt_sleep(LT_MSEC(10)); /* armed before the victim's: fires first, in the same iteration */
  lt_task_cancel(v);
  if (lt_await(v, NULL) == -ECANCELED) logf_("9 victim cancelled");
  lt_task_release(v);
  return 0;
}

static void test_scopes_as_cpython(void **state) {
  assert_int_equal(run_watched(scopes_main, NULL), 0);
  LOG_EXPECT("1 timeout at 10 expired=1 cancelling=0", "2 ok at 15 expired=0 rc=0",
             "3 timeout at 25", "4 never at 20 never=1 rc=0", "t0", "5 in", "t1", "5 timeout",
             "t2", "6 inner saw cancel expired=0", "6 outer timeout at 10 expired=1",
             "7 inner timeout at 10", "7 outer ok expired=0", "8 swallowed cancelling=1",
             "8 after expired=1 cancelling=0 rc=0", "8 reschedule refused", "9 cancelled",
             "9 victim cancelled");
}

static int at_main(void *arg, void **result) {
  int64_t t0 = lt_now();
  lt_timeout *cm = lt_timeout_at_new(lt_now() + LT_MSEC(7));
  int rc = lt_timeout_end(cm, lt_sleep(LT_MSEC(50)));
  logf_("at rc=%d at %d when=%d", rc, MS(t0), (int)((lt_timeout_when(cm) - t0) / 1000000));
  lt_timeout_free(cm);
  /* a deadline in the past, and none at all */
  cm = lt_timeout_at_new(lt_now() - LT_MSEC(1));
  rc = lt_timeout_end(cm, lt_sleep(LT_MSEC(1)));
  logf_("past rc=%d", rc);
  lt_timeout_free(cm);
  cm = lt_timeout_new(-1);
  rc = lt_timeout_end(cm, lt_sleep(LT_MSEC(1)));
  logf_("none rc=%d", rc);
  lt_timeout_free(cm);
  return 0;
}

static void test_timeout_at_past_and_none(void **state) {
  assert_int_equal(run_watched(at_main, NULL), 0);
  LOG_EXPECT("at rc=-110 at 7 when=7", "past rc=-110", "none rc=0");
}

static int forgetful(void *arg, void **result) {
  lt_timeout *cm = lt_timeout_new(LT_MSEC(10));
  (void)cm; /* never ended */
  return 0;
}

static int forget_main(void *arg, void **result) {
  lt_task *t = lt_spawn(forgetful, NULL);
  int rc = lt_await(t, NULL);
  lt_task_release(t);
  lt_sleep(LT_MSEC(20)); /* the scope's timer must not fire at anything */
  return rc;
}

/* A task that returns with a scope open ends with -EBUSY and the scope is closed for it. */
static void test_open_scope_at_return_is_misuse(void **state) {
  assert_int_equal(run_watched(forget_main, NULL), -EBUSY);
  assert_null(lt_timeout_new(LT_MSEC(1)));
  assert_int_equal(errno, EPERM);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scopes_as_cpython),
      cmocka_unit_test(test_timeout_at_past_and_none),
      cmocka_unit_test(test_open_scope_at_return_is_misuse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

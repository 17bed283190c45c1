/* test_wait_for.c: lt_wait_for with CPython 3.11 semantics: a result in time, the timeout that
 * cancels the inner future and waits for it, an inner task that swallows the cancellation and
 * returns a result anyway, the zero timeout, the caller's cancellation (racing a result, and
 * reaching the inner task), errors, and the hop count. Orderings checked against 3.11. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "combine_log.h"

static int stubborn(void *arg, void **result) {
  if (lt_sleep(LT_SEC(1)) == -ECANCELED) logf_("stubborn caught");
  lt_sleep(LT_MSEC(5));
  *result = (void *)42;
  return 0;
}

static int failer(void *arg, void **result) {
  lt_sleep(LT_MSEC(5));
  return -EPIPE;
}

static int basics_main(void *arg, void **result) {
  void *v = NULL;
  lt_task *t = lt_spawn(sleeper, (void *)10);
  int rc = lt_wait_for(t, LT_MSEC(50), &v);
  logf_("ok %d rc=%d at %d", (int)(intptr_t)v, rc, MS_NOW());
  lt_task_release(t);

  int64_t t0 = lt_now();
  t = lt_spawn(sleeper, (void *)100);
  rc = lt_wait_for(t, LT_MSEC(30), NULL);
  logf_("rc=%d at %d, inner done=%d cancelled=%d", rc, (int)((lt_now() - t0) / 1000000),
        lt_task_done(t), lt_task_cancelled(t));
  lt_task_release(t);

  t0 = lt_now();
  t = lt_spawn(stubborn, NULL);
  rc = lt_wait_for(t, LT_MSEC(30), &v);
  logf_("stubborn %d rc=%d at %d", (int)(intptr_t)v, rc, (int)((lt_now() - t0) / 1000000));
  lt_task_release(t);

  t = lt_spawn(failer, NULL);
  logf_("failer rc=%d", lt_wait_for(t, LT_MSEC(30), NULL));
  lt_task_release(t);

  t = lt_spawn(sleeper, (void *)10);
  logf_("forever rc=%d", lt_wait_for(t, -1, &v));
  lt_task_release(t);
  return 0;
}

static void test_result_timeout_stubborn_error_forever(void **state) {
  assert_int_equal(run_virtual(basics_main, NULL), 0);
  LOG_EXPECT("slept 10", "ok 10 rc=0 at 10", "cancelled 100",
             "rc=-110 at 30, inner done=1 cancelled=1", "stubborn caught",
             "stubborn 42 rc=0 at 35", "failer rc=-32", "slept 10", "forever rc=0");
}

static int zero_main(void *arg, void **result) {
  lt_task *t = lt_spawn(sleeper, (void *)10);
  int rc = lt_wait_for(t, 0, NULL);
  logf_("zero rc=%d cancelled=%d at %d", rc, lt_task_cancelled(t), MS_NOW());
  lt_task_release(t);
  lt_future *f = lt_future_new();
  lt_future_set_result(f, (void *)5);
  lt_task *tk = lt_spawn(ticker, (void *)2);
  void *v = NULL;
  rc = lt_wait_for(f, 0, &v); /* done: no suspension at all */
  logf_("done %d rc=%d", (int)(intptr_t)v, rc);
  lt_await(tk, NULL);
  lt_task_release(tk);
  lt_future_release(f);
  return 0;
}

/* The task never started, so cancelling it means it never runs (asyncio logs nothing for it). */
static void test_zero_timeout(void **state) {
  assert_int_equal(run_virtual(zero_main, NULL), 0);
  LOG_EXPECT("zero rc=-110 cancelled=1 at 0", "done 5 rc=0", "t0", "t1");
}

static int quick(void *arg, void **result) {
  logf_("quick");
  *result = (void *)7;
  return 0;
}

static int hops_main(void *arg, void **result) {
  lt_future *f = lt_future_new();
  lt_future_set_result(f, (void *)5);
  lt_task *tk = lt_spawn(ticker, (void *)5);
  lt_yield();
  logf_("wf start");
  void *v = NULL;
  lt_wait_for(f, LT_SEC(1), &v);
  logf_("wf %d", (int)(intptr_t)v);
  lt_await(tk, NULL);
  lt_task_release(tk);
  lt_future_release(f);

  lt_task *t = lt_spawn(quick, NULL);
  tk = lt_spawn(ticker, (void *)4);
  lt_wait_for(t, LT_SEC(1), &v);
  logf_("wf %d", (int)(intptr_t)v);
  lt_await(tk, NULL);
  lt_task_release(tk);
  lt_task_release(t);
  return 0;
}

/* asyncio 3.11: even a done future costs two hops (_release_waiter, then the wakeup). */
static void test_hops_match_asyncio(void **state) {
  assert_int_equal(run_virtual(hops_main, NULL), 0);
  LOG_EXPECT("t0", "wf start", "t1", "t2", "wf 5", "t3", "t4", "quick", "t0", "t1", "wf 7",
             "t2", "t3");
}

static lt_future *shared_f;
static lt_task *shared_inner;

static int waiter(void *arg, void **result) {
  void *v = NULL;
  int rc = lt_wait_for(shared_f, LT_SEC(1), &v);
  if (rc == 0)
    logf_("waiter got %d", (int)(intptr_t)v);
  else
    logf_("waiter rc=%d", rc);
  *result = v;
  return rc;
}

static int waiter2(void *arg, void **result) {
  int rc = lt_wait_for(shared_inner, LT_SEC(1), NULL);
  logf_("waiter2 rc=%d, inner done=%d", rc, lt_task_done(shared_inner));
  return rc;
}

static int cancel_main(void *arg, void **result) {
  shared_f = lt_future_new();
  lt_task *w = lt_spawn(waiter, NULL);
  lt_yield();
  lt_future_set_result(shared_f, (void *)9);
  lt_task_cancel(w); /* the result is already there: 3.11 returns it anyway */
  void *v = NULL;
  int rc = lt_await(w, &v);
  logf_("w=%d rc=%d cancelling=%d", (int)(intptr_t)v, rc, lt_task_cancelling(w));
  lt_task_release(w);
  lt_future_release(shared_f);

  int64_t t0 = lt_now();
  shared_inner = lt_spawn(sleeper, (void *)100);
  w = lt_spawn(waiter2, NULL);
  lt_sleep(LT_MSEC(10));
  lt_task_cancel(w);
  rc = lt_await(w, NULL);
  logf_("w2 rc=%d at %d", rc, (int)((lt_now() - t0) / 1000000));
  lt_task_release(w);
  lt_task_release(shared_inner);
  return 0;
}

static void test_caller_cancellation(void **state) {
  assert_int_equal(run_virtual(cancel_main, NULL), 0);
  LOG_EXPECT("waiter got 9", "w=9 rc=0 cancelling=1", "cancelled 100",
             "waiter2 rc=-125, inner done=1", "w2 rc=-125 at 10");
}

static int misuse_main(void *arg, void **result) {
  logf_("null %d", lt_wait_for_at(NULL, 5, NULL, LT_HERE));
  logf_("self %d", lt_wait_for(lt_current_task(), 5, NULL));
  return 0;
}

static void test_misuse(void **state) {
  assert_int_equal(run_virtual(misuse_main, NULL), 0);
  LOG_EXPECT("null -22", "self -35");
  assert_int_equal(lt_wait_for_at(NULL, 5, NULL, LT_HERE), -EPERM); /* outside a loop */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_result_timeout_stubborn_error_forever),
      cmocka_unit_test(test_zero_timeout),
      cmocka_unit_test(test_hops_match_asyncio),
      cmocka_unit_test(test_caller_cancellation),
      cmocka_unit_test(test_misuse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

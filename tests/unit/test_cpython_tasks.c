/* test_cpython_tasks.c: ports of the cancellation cases of CPython 3.11's
 * Lib/test/test_asyncio/test_tasks.py (BaseTaskTests) and of test_waitfor.py (the wait_for
 * cases of 3.11, which lived in test_tasks before) onto lt_task and lt_wait_for. Each test is
 * named after the CPython test it mirrors. Under the virtual clock, as CPython's own tests run
 * on their test loop. wait_for's negative timeouts mean "now" in Python and "forever" here
 * (lt_wait_for), so only the 0 case of the <= 0 tests is ported. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "looptrace.h"
#include "task_harness.h"

#define EPSILON LT_USEC(100) /* test_waitfor's _EPSILON */

static lt_future *f1, *f2, *f3;
static lt_task *self_task, *nested_task;
static bool flag;

static int sleep10(void *arg, void **res) { return lt_sleep(LT_SEC(10)); }

/* ---- BaseTaskTests ---- */

static int cancelling_main(void *arg, void **res) {
  lt_task *t = lt_spawn(sleep10, NULL);
  CHECK(lt_task_cancelling(t) == 0);
  CHECK(lt_task_cancel(t) == 1);
  CHECK(lt_task_cancelling(t) == 1);
  CHECK(lt_task_cancel(t) == 1); /* still True: 3.11 counts every request */
  CHECK(lt_await(t, NULL) == -ECANCELED);
  lt_task_release(t);
  return 0;
}

/* BaseTaskTests.test_cancelling */
static void BaseTaskTests_test_cancelling(void **state) { run_main(cancelling_main, NULL); }

static int uncancel_task(void *arg, void **res) {
  int rc = lt_sleep(LT_SEC(10));
  if (rc == -ECANCELED) {
    lt_task_uncancel(lt_current_task());
    rc = lt_sleep(LT_SEC(10));
  }
  return rc;
}

static int uncancel_basic_main(void *arg, void **res) {
  lt_task *t = lt_spawn(uncancel_task, NULL);
  lt_sleep(LT_MSEC(10));
  CHECK(lt_task_cancel(t) == 1); /* cancel the first sleep */
  CHECK(lt_task_cancelling(t) == 1);
  CHECK(!lt_task_cancelled(t));
  lt_sleep(LT_MSEC(10));
  CHECK(lt_task_cancelling(t) == 0); /* after uncancel() */
  CHECK(!lt_task_cancelled(t));
  CHECK(lt_task_cancel(t) == 1); /* cancel the second sleep */
  CHECK(lt_task_cancelling(t) == 1);
  CHECK(lt_await(t, NULL) == -ECANCELED);
  CHECK(lt_task_cancelled(t) && lt_task_done(t));
  lt_task_uncancel(t); /* no longer effective once the task is done */
  CHECK(lt_task_cancelled(t) && lt_task_done(t));
  lt_task_release(t);
  return 0;
}

/* BaseTaskTests.test_uncancel_basic */
static void BaseTaskTests_test_uncancel_basic(void **state) {
  run_main(uncancel_basic_main, NULL);
}

static int two_yields(void *arg, void **res) {
  int rc = lt_yield();
  if (rc == 0) rc = lt_yield();
  *res = ITEM(12);
  return rc;
}

static int cancel_yield_main(void *arg, void **res) {
  lt_task *t = lt_spawn(two_yields, NULL);
  lt_yield(); /* start coro */
  lt_task_cancel(t);
  CHECK(lt_await(t, NULL) == -ECANCELED);
  CHECK(lt_task_done(t) && lt_task_cancelled(t));
  CHECK(lt_task_cancel(t) == 0);
  lt_task_release(t);
  return 0;
}

/* BaseTaskTests.test_cancel_yield */
static void BaseTaskTests_test_cancel_yield(void **state) { run_main(cancel_yield_main, NULL); }

static int await_f1(void *arg, void **res) {
  int rc = lt_await(f1, NULL);
  *res = ITEM(12);
  return rc;
}

static int cancel_inner_main(void *arg, void **res) {
  bool both = arg != NULL;
  f1 = lt_future_new();
  lt_task *t = lt_spawn(await_f1, NULL);
  lt_yield(); /* start task */
  lt_future_cancel(f1);
  if (both) lt_task_cancel(t);
  CHECK(lt_await(t, NULL) == -ECANCELED);
  CHECK(lt_task_done(t));
  CHECK(lt_future_cancelled(f1) && lt_task_cancelled(t));
  lt_task_release(t);
  lt_future_release(f1);
  return 0;
}

/* BaseTaskTests.test_cancel_inner_future */
static void BaseTaskTests_test_cancel_inner_future(void **state) {
  run_main(cancel_inner_main, NULL);
}

/* BaseTaskTests.test_cancel_both_task_and_inner_future */
static void BaseTaskTests_test_cancel_both_task_and_inner_future(void **state) {
  run_main(cancel_inner_main, ITEM(1));
}

static int catching_task(void *arg, void **res) {
  lt_await(f1, NULL);
  if (lt_await(f2, NULL) == -ECANCELED) *res = ITEM(42);
  return 0;
}

static int cancel_task_catching_main(void *arg, void **res) {
  f1 = lt_future_new();
  f2 = lt_future_new();
  lt_task *t = lt_spawn(catching_task, NULL);
  lt_yield();
  lt_future_set_result(f1, NULL);
  lt_yield();
  lt_task_cancel(t);
  CHECK(lt_future_cancelled(f2)); /* the cancel went to the future it waits on, at once */
  void *v = NULL;
  CHECK(lt_await(t, &v) == 0 && INT(v) == 42);
  CHECK(!lt_task_cancelled(t));
  lt_task_release(t);
  lt_future_release(f1);
  lt_future_release(f2);
  return 0;
}

/* BaseTaskTests.test_cancel_task_catching */
static void BaseTaskTests_test_cancel_task_catching(void **state) {
  run_main(cancel_task_catching_main, NULL);
}

static int ignoring_task(void *arg, void **res) {
  lt_await(f1, NULL);
  lt_await(f2, NULL); /* CancelledError: pass */
  return lt_await(f3, res);
}

static int cancel_task_ignoring_main(void *arg, void **res) {
  f1 = lt_future_new();
  f2 = lt_future_new();
  f3 = lt_future_new();
  lt_task *t = lt_spawn(ignoring_task, NULL);
  lt_yield();
  lt_future_set_result(f1, NULL);
  lt_yield();
  lt_task_cancel(t);
  CHECK(lt_future_cancelled(f2));
  lt_yield();
  lt_future_set_result(f3, ITEM(42));
  void *v = NULL;
  CHECK(lt_await(t, &v) == 0 && INT(v) == 42);
  CHECK(!lt_future_cancelled(f3) && !lt_task_cancelled(t));
  lt_task_release(t);
  lt_future_release(f1);
  lt_future_release(f2);
  lt_future_release(f3);
  return 0;
}

/* BaseTaskTests.test_cancel_task_ignoring */
static void BaseTaskTests_test_cancel_task_ignoring(void **state) {
  run_main(cancel_task_ignoring_main, NULL);
}

static int cancel_me(void *arg, void **res) {
  lt_task_cancel(self_task);
  *res = ITEM(12);
  if (arg) return 0; /* test_cancel_at_end: returns right after */
  int64_t t0 = lt_now();
  int rc = lt_sleep(LT_SEC(100)); /* cancelled at once */
  CHECK(lt_now() == t0);
  return rc;
}

static int cancel_current_main(void *arg, void **res) {
  self_task = lt_spawn(cancel_me, arg);
  CHECK(!lt_task_cancelled(self_task));
  CHECK(lt_await(self_task, NULL) == -ECANCELED);
  CHECK(lt_task_done(self_task) && lt_task_cancelled(self_task));
  CHECK(lt_task_cancel(self_task) == 0);
  lt_task_release(self_task);
  return 0;
}

/* BaseTaskTests.test_cancel_current_task */
static void BaseTaskTests_test_cancel_current_task(void **state) {
  run_main(cancel_current_main, NULL);
}

/* BaseTaskTests.test_cancel_at_end: a task cancelled right before it returns ends cancelled */
static void BaseTaskTests_test_cancel_at_end(void **state) {
  run_main(cancel_current_main, ITEM(1));
}

static int nested(void *arg, void **res) { return lt_await(f1, NULL); }

static int awaited_coro(void *arg, void **res) {
  nested_task = lt_spawn(nested, NULL);
  lt_yield();
  lt_task_cancel(self_task); /* not blocked now: the next await must pass it on */
  return lt_await(nested_task, NULL);
}

static int cancel_awaited_main(void *arg, void **res) {
  f1 = lt_future_new();
  self_task = lt_spawn(awaited_coro, NULL);
  CHECK(lt_await(self_task, NULL) == -ECANCELED);
  CHECK(lt_task_cancelled(self_task));
  CHECK(lt_task_cancelled(nested_task));
  CHECK(lt_future_cancelled(f1));
  lt_task_release(self_task);
  lt_task_release(nested_task);
  lt_future_release(f1);
  return 0;
}

/* BaseTaskTests.test_cancel_awaited_task (bpo-34872) */
static void BaseTaskTests_test_cancel_awaited_task(void **state) {
  run_main(cancel_awaited_main, NULL);
}

/* ---- gather (FutureGatherTests, BaseTaskTests.test_cancel_gather_1) ---- */

static int gather_cb_calls;
static void count_cb(lt_future *f, void *arg) { gather_cb_calls++; }

static int one_cancellation_main(void *arg, void **res) {
  lt_future *fs[5];
  for (int i = 0; i < 5; i++) fs[i] = lt_future_new();
  lt_future *fut = lt_gather_start(fs, 5, 0);
  gather_cb_calls = 0;
  lt_future_add_done_callback(fut, count_cb, NULL);
  lt_future_set_result(fs[0], ITEM(1));
  lt_future_cancel(fs[1]);
  lt_yield();
  lt_yield();
  CHECK(lt_future_done(fut));
  CHECK(gather_cb_calls == 1);
  /* asyncio: not cancelled but failed with CancelledError; here cancelled (docs/runtime.md) */
  CHECK(lt_future_result(fut, NULL) == -ECANCELED);
  lt_future_set_result(fs[2], ITEM(3)); /* does nothing */
  lt_future_cancel(fs[3]);
  lt_future_set_error(fs[4], -EIO);
  lt_yield();
  CHECK(gather_cb_calls == 1);
  for (int i = 0; i < 5; i++) lt_future_release(fs[i]);
  lt_future_release(fut);
  return 0;
}

/* FutureGatherTests.test_one_cancellation */
static void FutureGatherTests_test_one_cancellation(void **state) {
  run_main(one_cancellation_main, NULL);
}

static int result_exception_one_cancellation_main(void *arg, void **res) {
  lt_future *fs[6];
  for (int i = 0; i < 6; i++) fs[i] = lt_future_new();
  lt_future *fut = lt_gather_start(fs, 6, LT_GATHER_RETURN_ERRORS);
  gather_cb_calls = 0;
  lt_future_add_done_callback(fut, count_cb, NULL);
  lt_future_set_result(fs[0], ITEM(1));
  lt_future_set_error(fs[1], -EDOM);
  lt_future_cancel(fs[2]);
  lt_yield();
  lt_yield();
  CHECK(!lt_future_done(fut));
  lt_future_set_result(fs[3], ITEM(3));
  lt_future_cancel(fs[4]);
  lt_future_set_error(fs[5], -EIO);
  CHECK(lt_await(fut, NULL) == 0);
  int want[] = {0, -EDOM, -ECANCELED, 0, -ECANCELED, -EIO};
  for (int i = 0; i < 6; i++) CHECK(lt_future_result(fs[i], NULL) == want[i]);
  lt_yield();
  CHECK(gather_cb_calls == 1);
  for (int i = 0; i < 6; i++) lt_future_release(fs[i]);
  lt_future_release(fut);
  return 0;
}

/* FutureGatherTests.test_result_exception_one_cancellation */
static void FutureGatherTests_test_result_exception_one_cancellation(void **state) {
  run_main(result_exception_one_cancellation_main, NULL);
}

static lt_future *gather_fut;
static int cancel_result;

static void cancelling_callback(lt_future *f, void *arg) {
  cancel_result = lt_future_cancel(gather_fut);
}

static int await_child(void *arg, void **res) { return lt_await(f1, res); }

static int cancel_gather_1_main(void *arg, void **res) {
  f1 = lt_future_new();
  /* fut -> child_coro: the child is a task, so the gather is not done with fut */
  lt_task *child = lt_spawn(await_child, NULL);
  lt_future *fs[] = {lt_task_future(child)};
  gather_fut = lt_gather_start(fs, 1, 0);
  lt_yield();
  cancel_result = -1;
  lt_future_add_done_callback(f1, cancelling_callback, NULL);
  lt_future_set_result(f1, ITEM(42)); /* the callback runs once f1 is done */
  CHECK(lt_await(gather_fut, NULL) == 0);
  /* bpo-26923: the gather refused the cancellation, its children being done */
  CHECK(cancel_result == 0);
  CHECK(!lt_future_cancelled(gather_fut));
  void *v = NULL;
  CHECK(lt_task_result(child, &v) == 0 && INT(v) == 42);
  lt_task_release(child);
  lt_future_release(gather_fut);
  lt_future_release(f1);
  return 0;
}

/* BaseTaskTests.test_cancel_gather_1 */
static void BaseTaskTests_test_cancel_gather_1(void **state) {
  run_main(cancel_gather_1_main, NULL);
}

static void cancel_cb(void *arg) { lt_task_cancel(arg); }

static int doit(void *arg, void **res) {
  lt_task *sleeper = lt_spawn(sleep10, NULL);
  lt_call_later(LT_MSEC(100), cancel_cb, sleeper);
  int rc = lt_await(sleeper, NULL);
  lt_task_release(sleeper);
  *res = ITEM(rc == -ECANCELED ? 'c' : 's');
  return 0;
}

static int cancel_sleeping_main(void *arg, void **res) {
  lt_task *doer = lt_spawn(doit, NULL);
  void *v = NULL;
  CHECK(lt_await(doer, &v) == 0 && INT(v) == 'c');
  CHECK(lt_now() == LT_MSEC(100));
  lt_task_release(doer);
  return 0;
}

/* BaseTaskTests.test_task_cancel_sleeping_task */
static void BaseTaskTests_test_task_cancel_sleeping_task(void **state) {
  run_main(cancel_sleeping_main, NULL);
}

/* ---- test_waitfor.AsyncioWaitForTest ---- */

static int wait_for_done_future_main(void *arg, void **res) {
  lt_future *fut = lt_future_new();
  lt_future_set_result(fut, ITEM('d'));
  void *v = NULL;
  CHECK(lt_wait_for(fut, 0, &v) == 0 && INT(v) == 'd');
  CHECK(lt_future_done(fut));
  lt_future_release(fut);
  return 0;
}

/* AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0_future_done */
static void AsyncioWaitForTest_test_wait_for_timeout_less_then_0_or_0_future_done(void **s) {
  run_main(wait_for_done_future_main, NULL);
}

static int foo_started(void *arg, void **res) {
  flag = true;
  return 0;
}

static int coroutine_not_started_main(void *arg, void **res) {
  flag = false;
  lt_task *t = lt_spawn(foo_started, NULL); /* wait_for(foo(), 0) wraps foo in a task */
  CHECK(lt_wait_for(t, 0, NULL) == -ETIMEDOUT);
  CHECK(!flag);
  lt_task_release(t);
  return 0;
}

/* AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started */
static void AsyncioWaitForTest_test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started(
    void **state) {
  run_main(coroutine_not_started_main, NULL);
}

static bool foo_running;

static int foo_sleeps(void *arg, void **res) {
  foo_running = true;
  lt_future_set_result(f1, NULL);
  int rc = lt_sleep(LT_SEC(10));
  foo_running = false;
  *res = ITEM('d');
  return rc;
}

static int less_then_0_or_0_main(void *arg, void **res) {
  f1 = lt_future_new();
  lt_task *fut = lt_spawn(foo_sleeps, NULL);
  lt_await(f1, NULL);
  CHECK(lt_wait_for(fut, 0, NULL) == -ETIMEDOUT);
  CHECK(lt_task_done(fut) && lt_task_cancelled(fut)); /* cancelled by the timeout */
  CHECK(!foo_running);
  lt_task_release(fut);
  lt_future_release(f1);
  return 0;
}

/* AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0 (timeout 0) */
static void AsyncioWaitForTest_test_wait_for_timeout_less_then_0_or_0(void **state) {
  run_main(less_then_0_or_0_main, NULL);
}

static int slow_inner(void *arg, void **res) {
  int rc = lt_sleep(LT_SEC(10));
  if (rc == -ECANCELED) lt_sleep(EPSILON); /* cleanup that awaits, then re-raise */
  flag = true;
  return rc;
}

static int waits_for_cancellation_main(void *arg, void **res) {
  flag = false;
  lt_task *inner = lt_spawn(slow_inner, NULL);
  if (arg) lt_sleep(EPSILON); /* the _w_timeout_0 variant lets it start first */
  CHECK(lt_wait_for(inner, arg ? 0 : EPSILON, NULL) == -ETIMEDOUT);
  CHECK(flag); /* wait_for returned only once the task had finished */
  lt_task_release(inner);
  return 0;
}

/* AsyncioWaitForTest.test_wait_for_waits_for_task_cancellation */
static void AsyncioWaitForTest_test_wait_for_waits_for_task_cancellation(void **state) {
  run_main(waits_for_cancellation_main, NULL);
}

/* AsyncioWaitForTest.test_wait_for_waits_for_task_cancellation_w_timeout_0 */
static void AsyncioWaitForTest_test_wait_for_waits_for_task_cancellation_w_timeout_0(void **s) {
  run_main(waits_for_cancellation_main, ITEM(1));
}

static int raises_in_finally(void *arg, void **res) {
  lt_sleep(LT_MSEC(200));
  return -EIO; /* finally: raise FooException */
}

static int reraises_main(void *arg, void **res) {
  lt_task *inner = lt_spawn(raises_in_finally, NULL);
  CHECK(lt_wait_for(inner, EPSILON, NULL) == -EIO);
  lt_task_release(inner);
  return 0;
}

/* AsyncioWaitForTest.test_wait_for_reraises_exception_during_cancellation */
static void AsyncioWaitForTest_test_wait_for_reraises_exception_during_cancellation(void **s) {
  run_main(reraises_main, NULL);
}

static int stubborn(void *arg, void **res) {
  if (lt_sleep(LT_MSEC(300)) == -ECANCELED && lt_sleep(LT_MSEC(300)) == -ECANCELED)
    lt_sleep(LT_MSEC(300));
  *res = ITEM(42);
  return 0;
}

static lt_task *stubborn_task;

static int wait_stubborn(void *arg, void **res) {
  return lt_wait_for(stubborn_task, LT_MSEC(100), NULL);
}

static int self_cancellation_main(void *arg, void **res) {
  stubborn_task = lt_spawn(stubborn, NULL);
  lt_task *task = lt_spawn(wait_stubborn, NULL);
  lt_sleep(LT_MSEC(200));
  lt_task_cancel(task); /* wait_for stays cancellable while the inner task holds out */
  CHECK(lt_await(task, NULL) == -ECANCELED);
  void *v = NULL;
  CHECK(lt_await(stubborn_task, &v) == 0 && INT(v) == 42);
  lt_task_release(task);
  lt_task_release(stubborn_task);
  return 0;
}

/* AsyncioWaitForTest.test_wait_for_self_cancellation */
static void AsyncioWaitForTest_test_wait_for_self_cancellation(void **state) {
  run_main(self_cancellation_main, NULL);
}

static int blocking_coroutine(void *arg, void **res) {
  lt_future *fut = lt_future_new();
  int rc = lt_await(fut, NULL); /* never set */
  lt_future_release(fut);
  return rc;
}

static int wait_blocking(void *arg, void **res) {
  return lt_wait_for(self_task, (int64_t)(intptr_t)arg, NULL);
}

static int cancel_wait_for_main(void *arg, void **res) {
  self_task = lt_spawn(blocking_coroutine, NULL);
  lt_task *wait = lt_spawn(wait_blocking, arg);
  lt_call_soon(cancel_cb, wait);
  CHECK(lt_await(wait, NULL) == -ECANCELED);
  CHECK(lt_task_cancelled(self_task)); /* bpo-23219: cancelling the wait cancels the task */
  lt_task_release(wait);
  lt_task_release(self_task);
  return 0;
}

/* AsyncioWaitForTest.test_cancel_blocking_wait_for (timeout None) */
static void AsyncioWaitForTest_test_cancel_blocking_wait_for(void **state) {
  run_main(cancel_wait_for_main, (void *)(intptr_t)-1);
}

/* AsyncioWaitForTest.test_cancel_wait_for (timeout 60) */
static void AsyncioWaitForTest_test_cancel_wait_for(void **state) {
  run_main(cancel_wait_for_main, (void *)(intptr_t)LT_SEC(60));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(BaseTaskTests_test_cancelling),
      cmocka_unit_test(BaseTaskTests_test_uncancel_basic),
      cmocka_unit_test(BaseTaskTests_test_cancel_yield),
      cmocka_unit_test(BaseTaskTests_test_cancel_inner_future),
      cmocka_unit_test(BaseTaskTests_test_cancel_both_task_and_inner_future),
      cmocka_unit_test(BaseTaskTests_test_cancel_task_catching),
      cmocka_unit_test(BaseTaskTests_test_cancel_task_ignoring),
      cmocka_unit_test(BaseTaskTests_test_cancel_current_task),
      cmocka_unit_test(BaseTaskTests_test_cancel_at_end),
      cmocka_unit_test(BaseTaskTests_test_cancel_awaited_task),
      cmocka_unit_test(FutureGatherTests_test_one_cancellation),
      cmocka_unit_test(FutureGatherTests_test_result_exception_one_cancellation),
      cmocka_unit_test(BaseTaskTests_test_cancel_gather_1),
      cmocka_unit_test(BaseTaskTests_test_task_cancel_sleeping_task),
      cmocka_unit_test(AsyncioWaitForTest_test_wait_for_timeout_less_then_0_or_0_future_done),
      cmocka_unit_test(
          AsyncioWaitForTest_test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started),
      cmocka_unit_test(AsyncioWaitForTest_test_wait_for_timeout_less_then_0_or_0),
      cmocka_unit_test(AsyncioWaitForTest_test_wait_for_waits_for_task_cancellation),
      cmocka_unit_test(AsyncioWaitForTest_test_wait_for_waits_for_task_cancellation_w_timeout_0),
      cmocka_unit_test(AsyncioWaitForTest_test_wait_for_reraises_exception_during_cancellation),
      cmocka_unit_test(AsyncioWaitForTest_test_wait_for_self_cancellation),
      cmocka_unit_test(AsyncioWaitForTest_test_cancel_blocking_wait_for),
      cmocka_unit_test(AsyncioWaitForTest_test_cancel_wait_for),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

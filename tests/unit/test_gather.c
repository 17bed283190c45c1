/* test_gather.c: lt_gather: results in argument order whatever the completion order, the first
 * error fails the gather while the other children keep running, LT_GATHER_RETURN_ERRORS, the
 * cancellation of the gathering task reaching the children, and the empty gather. Orderings
 * were checked against CPython 3.11. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "combine_log.h"

static int failer(void *arg, void **result) {
  int rc = lt_sleep(LT_MSEC((int)(intptr_t)arg));
  if (rc < 0) return rc;
  logf_("fail");
  return -EIO;
}

static int ordering_main(void *arg, void **result) {
  lt_future *f[3] = {lt_task_future(lt_spawn(sleeper, (void *)30)),
                     lt_task_future(lt_spawn(sleeper, (void *)10)),
                     lt_task_future(lt_spawn(sleeper, (void *)20))};
  void *values[3] = {0};
  int rc = lt_gather(f, 3, values, NULL, 0);
  logf_("gather %d at %d: %d %d %d", rc, MS_NOW(), (int)(intptr_t)values[0],
        (int)(intptr_t)values[1], (int)(intptr_t)values[2]);
  for (int i = 0; i < 3; i++) lt_future_release(f[i]);
  return 0;
}

static void test_values_in_argument_order(void **state) {
  assert_int_equal(run_virtual(ordering_main, NULL), 0);
  LOG_EXPECT("slept 10", "slept 20", "slept 30", "gather 0 at 30: 30 10 20");
}

static int first_error_main(void *arg, void **result) {
  lt_task *a = lt_spawn(failer, (void *)10);
  lt_task *b = lt_spawn(sleeper, (void *)20);
  lt_future *f[2] = {lt_task_future(a), lt_task_future(b)};
  int errs[2] = {1, 1};
  int rc = lt_gather(f, 2, NULL, errs, 0);
  logf_("gather %d at %d: %d %d", rc, MS_NOW(), errs[0], errs[1]); /* b: -EAGAIN, running */
  void *v = NULL;
  rc = lt_await(b, &v);
  logf_("b=%d rc=%d", (int)(intptr_t)v, rc);
  lt_task_release(a);
  lt_task_release(b);
  return 0;
}

static void test_first_error_fails_gather_others_run(void **state) {
  assert_int_equal(run_virtual(first_error_main, NULL), 0);
  LOG_EXPECT("fail", "gather -5 at 10: -5 -11", "slept 20", "b=20 rc=0");
}

static int return_errors_main(void *arg, void **result) {
  lt_future *f[3] = {lt_task_future(lt_spawn(failer, (void *)10)),
                     lt_task_future(lt_spawn(sleeper, (void *)20)),
                     lt_task_future(lt_spawn(sleeper, (void *)50))};
  lt_future_cancel(f[2]);
  int errs[3] = {1, 1, 1};
  void *values[3] = {(void *)1, (void *)1, (void *)1};
  int rc = lt_gather(f, 3, values, errs, LT_GATHER_RETURN_ERRORS);
  logf_("gather %d at %d: %d %d %d / %p %d %p", rc, MS_NOW(), errs[0], errs[1], errs[2],
        values[0], (int)(intptr_t)values[1], values[2]);
  for (int i = 0; i < 3; i++) lt_future_release(f[i]);
  return 0;
}

static void test_return_errors_reports_each_outcome(void **state) {
  assert_int_equal(run_virtual(return_errors_main, NULL), 0);
  /* The third child is cancelled before it starts: it never runs, so logs nothing. */
  LOG_EXPECT("fail", "slept 20", "gather 0 at 20: -5 0 -125 / (nil) 20 (nil)");
}

static int gatherer(void *arg, void **result) {
  lt_future *f[2] = {lt_task_future(lt_spawn(sleeper, (void *)10)),
                     lt_task_future(lt_spawn(sleeper, (void *)20))};
  int rc = lt_gather(f, 2, NULL, NULL, 0);
  if (rc == -ECANCELED) logf_("gatherer cancelled");
  for (int i = 0; i < 2; i++) lt_future_release(f[i]);
  return rc;
}

static int cancel_main(void *arg, void **result) {
  lt_task *g = lt_spawn(gatherer, NULL);
  lt_sleep(LT_MSEC(5));
  lt_task_cancel(g);
  if (lt_await(g, NULL) == -ECANCELED) logf_("main saw cancel at %d", MS_NOW());
  logf_("cancelled=%d", lt_task_cancelled(g));
  lt_task_release(g);
  return 0;
}

static void test_cancelling_gatherer_cancels_children(void **state) {
  assert_int_equal(run_virtual(cancel_main, NULL), 0);
  LOG_EXPECT("cancelled 10", "cancelled 20", "gatherer cancelled", "main saw cancel at 5", "cancelled=1");
}

static int empty_main(void *arg, void **result) {
  lt_task *tk = lt_spawn(ticker, (void *)3);
  int rc = lt_gather(NULL, 0, NULL, NULL, 0);
  logf_("empty %d", rc);
  lt_await(tk, NULL);
  lt_task_release(tk);
  return 0;
}

static void test_empty_gather_does_not_suspend(void **state) {
  assert_int_equal(run_virtual(empty_main, NULL), 0);
  LOG_EXPECT("empty 0", "t0", "t1", "t2");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_values_in_argument_order),
      cmocka_unit_test(test_first_error_fails_gather_others_run),
      cmocka_unit_test(test_return_errors_reports_each_outcome),
      cmocka_unit_test(test_cancelling_gatherer_cancels_children),
      cmocka_unit_test(test_empty_gather_does_not_suspend),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

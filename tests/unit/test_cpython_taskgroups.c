/* test_cpython_taskgroups.c: ports of CPython 3.11's Lib/test/test_asyncio/test_taskgroups.py
 * onto lt_taskgroup, each named after the test it mirrors. ZeroDivisionError is -EDOM here,
 * ValueError -EINVAL; an ExceptionGroup raised out of an inner group into an outer one is the
 * outer group's body error (task NULL) carrying the inner group's first error. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "looptrace.h"
#include "task_harness.h"

/* foo(): sleeps; on CancelledError counts it (and may sleep again: a handler that awaits);
 * `finally: 1 / 0` fails it whatever happened; else it fails with fail or returns result. */
typedef struct foo {
  int64_t sleep, cancel_sleep;
  int result, fail;
  bool finally_fail;
  int *cancelled;
} foo;

static int foo_fn(void *arg, void **res) {
  const foo *f = arg;
  int rc = lt_sleep(f->sleep);
  if (rc == -ECANCELED) {
    if (f->cancelled) (*f->cancelled)++;
    if (f->cancel_sleep) lt_sleep(f->cancel_sleep);
  }
  if (f->finally_fail) return -EDOM;
  if (rc < 0) return rc;
  if (f->fail) return f->fail;
  *res = ITEM(f->result);
  return 0;
}

/* every error the group collected is err (get_error_types(eg) == {err}) */
static bool only(lt_taskgroup *tg, int err) {
  size_t n = lt_taskgroup_error_count(tg);
  for (size_t i = 0; i < n; i++)
    if (lt_taskgroup_error(tg, i, NULL) != err) return false;
  return n > 0;
}

static int value_of(lt_task *t) {
  void *v = NULL;
  return lt_task_result(t, &v) == 0 ? INT(v) : -1;
}

/* r = create_task(runner()); await sleep(0.1); r.cancel(); the outcome of `await r` */
static int cancel_runner(lt_task_fn runner, void *arg) {
  lt_task *r = lt_spawn(runner, arg);
  lt_sleep(LT_MSEC(100));
  CHECK(!lt_task_done(r));
  lt_task_cancel(r);
  int rc = lt_await(r, NULL);
  lt_task_release(r);
  return rc;
}

/* test_taskgroup_01/02/03: two children; 02 starts the second one later, 03 cancels the first */
static int tg_01_main(void *arg, void **res) {
  int variant = INT(arg);
  foo a = {.sleep = variant == 3 ? LT_SEC(1) : LT_MSEC(100), .result = 42};
  foo b = {.sleep = LT_MSEC(200), .result = 11};
  lt_taskgroup *g = lt_taskgroup_new();
  lt_task *t1 = lt_taskgroup_spawn(g, foo_fn, &a);
  if (variant >= 2) lt_sleep(LT_MSEC(150));
  if (variant == 3) lt_task_cancel(t1); /* everything goes on as expected */
  lt_task *t2 = lt_taskgroup_spawn(g, foo_fn, &b);
  CHECK(lt_taskgroup_end(g, 0) == 0);
  if (variant == 3) CHECK(lt_task_cancelled(t1));
  else CHECK(value_of(t1) == 42);
  CHECK(value_of(t2) == 11);
  lt_task_release(t1);
  lt_task_release(t2);
  lt_taskgroup_free(g);
  return 0;
}

static void TestTaskGroup_test_taskgroup_01(void **state) { run_main(tg_01_main, ITEM(1)); }
static void TestTaskGroup_test_taskgroup_02(void **state) { run_main(tg_01_main, ITEM(2)); }
static void TestTaskGroup_test_taskgroup_03(void **state) { run_main(tg_01_main, ITEM(3)); }

static int NUM, cancels;

/* runner of test_taskgroup_04 and test_cancel_children_on_child_error */
static int runner_04(void *arg, void **res) {
  bool several = arg != NULL;
  static foo crash = {.sleep = LT_MSEC(100), .fail = -EDOM};
  foo slow = {.sleep = several ? LT_SEC(5) : LT_SEC(1), .cancelled = &cancels};
  lt_taskgroup *g = lt_taskgroup_new();
  for (int i = 0; i < (several ? 3 : 1); i++)
    lt_task_release(lt_taskgroup_spawn(g, foo_fn, &crash));
  lt_task *t2 = lt_taskgroup_spawn(g, foo_fn, &slow);
  int body = 0;
  if (several && (body = lt_sleep(LT_SEC(10))) == -ECANCELED) NUM += 100; /* runner_cancel */
  int rc = lt_taskgroup_end(g, body);
  CHECK(rc == -EDOM && only(g, -EDOM));
  CHECK(lt_task_cancelled(t2));
  lt_task_release(t2);
  lt_taskgroup_free(g);
  if (rc == 0) NUM += 10;
  return rc;
}

static int tg_04_main(void *arg, void **res) {
  NUM = cancels = 0;
  lt_task *r = lt_spawn(runner_04, arg);
  CHECK(lt_await(r, NULL) == -EDOM);
  CHECK(NUM == (arg ? 100 : 0)); /* NUM += 10 never ran; the runner saw its cancellation */
  CHECK(cancels == 1);           /* t2_cancel */
  lt_task_release(r);
  return 0;
}

static void TestTaskGroup_test_taskgroup_04(void **state) { run_main(tg_04_main, NULL); }
static void TestTaskGroup_test_cancel_children_on_child_error(void **state) {
  run_main(tg_04_main, ITEM(1));
}

/* test_cancellation / test_taskgroup_07 / 08: the runner is cancelled from outside */
static int runner_cancel(void *arg, void **res) {
  int variant = INT(arg);
  foo f = {.sleep = LT_SEC(variant == 8 ? 10 : 5), .cancelled = &cancels,
           .finally_fail = variant == 8};
  lt_taskgroup *g = lt_taskgroup_new();
  for (int i = 0; i < 5; i++) lt_task_release(lt_taskgroup_spawn(g, foo_fn, &f));
  int body = 0;
  if (variant != 6) {
    body = lt_sleep(LT_SEC(10));
    if (body == -ECANCELED && variant == 7) NUM += 10;
  }
  int rc = lt_taskgroup_end(g, body);
  if (variant == 8) CHECK(rc == -EDOM && only(g, -EDOM));
  else CHECK(rc == -ECANCELED && lt_taskgroup_error_count(g) == 0);
  lt_taskgroup_free(g);
  return rc;
}

static int tg_cancel_main(void *arg, void **res) {
  NUM = cancels = 0;
  CHECK(cancel_runner(runner_cancel, arg) == (INT(arg) == 8 ? -EDOM : -ECANCELED));
  CHECK(NUM + cancels == (INT(arg) == 7 ? 15 : 5));
  return 0;
}

static void TestTaskGroup_test_cancellation(void **state) { run_main(tg_cancel_main, ITEM(6)); }
static void TestTaskGroup_test_taskgroup_07(void **state) { run_main(tg_cancel_main, ITEM(7)); }
static void TestTaskGroup_test_taskgroup_08(void **state) { run_main(tg_cancel_main, ITEM(8)); }

/* test_taskgroup_09 / 10: the body fails (after a sleep, or at once): both children cancelled */
static int tg_09_main(void *arg, void **res) {
  foo a = {.sleep = LT_SEC(1), .result = 42}, b = {.sleep = LT_SEC(2), .result = 11};
  lt_taskgroup *g = lt_taskgroup_new();
  lt_task *t1 = lt_taskgroup_spawn(g, foo_fn, &a), *t2 = lt_taskgroup_spawn(g, foo_fn, &b);
  if (arg) lt_sleep(LT_MSEC(100));
  CHECK(lt_taskgroup_end(g, -EDOM) == -EDOM && only(g, -EDOM));
  CHECK(lt_task_cancelled(t1) && lt_task_cancelled(t2));
  lt_task_release(t1);
  lt_task_release(t2);
  lt_taskgroup_free(g);
  return 0;
}

static void TestTaskGroup_test_taskgroup_09(void **state) { run_main(tg_09_main, ITEM(1)); }
static void TestTaskGroup_test_taskgroup_10(void **state) { run_main(tg_09_main, NULL); }

/* test_taskgroup_11 / 12: nested groups, the runner cancelled; children fail in finally */
static int runner_nested(void *arg, void **res) {
  static foo f = {.sleep = LT_SEC(10), .finally_fail = true};
  static foo sleeper = {.sleep = LT_SEC(10)};
  lt_taskgroup *g1 = lt_taskgroup_new();
  if (arg) lt_task_release(lt_taskgroup_spawn(g1, foo_fn, &sleeper)); /* 12 */
  lt_taskgroup *g2 = lt_taskgroup_new();
  for (int i = 0; i < 5; i++) lt_task_release(lt_taskgroup_spawn(g2, foo_fn, &f));
  int inner = lt_taskgroup_end(g2, lt_sleep(LT_SEC(10)));
  CHECK(inner == -EDOM && only(g2, -EDOM));
  lt_taskgroup_free(g2);
  int rc = lt_taskgroup_end(g1, inner);
  /* {ExceptionGroup}: the outer group holds one error, the inner group's (a body error) */
  lt_task *who = ITEM(1);
  CHECK(lt_taskgroup_error_count(g1) == 1 && lt_taskgroup_error(g1, 0, &who) == -EDOM);
  CHECK(who == NULL);
  lt_taskgroup_free(g1);
  return rc;
}

static int tg_11_main(void *arg, void **res) {
  CHECK(cancel_runner(runner_nested, arg) == -EDOM);
  return 0;
}

static void TestTaskGroup_test_taskgroup_11(void **state) { run_main(tg_11_main, NULL); }
static void TestTaskGroup_test_taskgroup_12(void **state) { run_main(tg_11_main, ITEM(1)); }

/* test_taskgroup_13 / 14: crash_after in the outer and the inner group; which one fails first
 * decides whether the outer group holds the ValueError itself (13) or the inner group (14) */
static int tg_13_runner(void *arg, void **res) {
  bool outer_first = arg == NULL;
  foo soon = {.sleep = LT_MSEC(100), .fail = -EINVAL};
  foo late = {.sleep = LT_SEC(10), .fail = -EINVAL};
  lt_taskgroup *g1 = lt_taskgroup_new();
  lt_task_release(lt_taskgroup_spawn(g1, foo_fn, outer_first ? &soon : &late));
  lt_taskgroup *g2 = lt_taskgroup_new();
  lt_task_release(lt_taskgroup_spawn(g2, foo_fn, outer_first ? &late : &soon));
  int inner = lt_taskgroup_end(g2, 0);
  if (outer_first) CHECK(inner == -ECANCELED && lt_taskgroup_error_count(g2) == 0);
  else CHECK(inner == -EINVAL && only(g2, -EINVAL));
  lt_taskgroup_free(g2);
  int rc = lt_taskgroup_end(g1, inner);
  lt_task *who = ITEM(1);
  CHECK(lt_taskgroup_error_count(g1) == 1 && lt_taskgroup_error(g1, 0, &who) == -EINVAL);
  CHECK(outer_first ? who != NULL : who == NULL); /* {ValueError} vs {ExceptionGroup} */
  lt_taskgroup_free(g1);
  return rc;
}

static int tg_13_main(void *arg, void **res) {
  lt_task *r = lt_spawn(tg_13_runner, arg);
  CHECK(lt_await(r, NULL) == -EINVAL);
  lt_task_release(r);
  return 0;
}

static void TestTaskGroup_test_taskgroup_13(void **state) { run_main(tg_13_main, NULL); }
static void TestTaskGroup_test_taskgroup_14(void **state) { run_main(tg_13_main, ITEM(1)); }

/* test_taskgroup_15 / 16: the runner, cancelled, awaits in its handler while a child crashes:
 * the crash wins over the cancellation (directly, or through a task awaiting the runner) */
static int nested_runner(void *arg, void **res) {
  static foo crash = {.sleep = LT_MSEC(300), .fail = -EDOM};
  lt_taskgroup *g1 = lt_taskgroup_new();
  lt_task_release(lt_taskgroup_spawn(g1, foo_fn, &crash));
  int body = lt_sleep(LT_SEC(10));
  if (body == -ECANCELED) lt_sleep(LT_MSEC(500));
  int rc = lt_taskgroup_end(g1, body);
  CHECK(rc == -EDOM && only(g1, -EDOM));
  lt_taskgroup_free(g1);
  return rc;
}

static int await_nested_runner(void *arg, void **res) {
  lt_task *t = lt_spawn(nested_runner, NULL);
  int rc = lt_await(t, NULL);
  lt_task_release(t);
  return rc;
}

static int tg_15_main(void *arg, void **res) {
  CHECK(cancel_runner(arg ? await_nested_runner : nested_runner, NULL) == -EDOM);
  return 0;
}

static void TestTaskGroup_test_taskgroup_15(void **state) { run_main(tg_15_main, NULL); }
static void TestTaskGroup_test_taskgroup_16(void **state) { run_main(tg_15_main, ITEM(1)); }

static int runner_22(void *arg, void **res) {
  static foo a = {.sleep = LT_SEC(1), .result = 42}, b = {.sleep = LT_SEC(2), .result = 11};
  lt_taskgroup *g = lt_taskgroup_new();
  lt_task_release(lt_taskgroup_spawn(g, foo_fn, &a));
  lt_task_release(lt_taskgroup_spawn(g, foo_fn, &b));
  int rc = lt_taskgroup_end(g, 0);
  lt_taskgroup_free(g);
  return rc;
}

static int tg_22_main(void *arg, void **res) {
  lt_task *r = lt_spawn(runner_22, NULL);
  lt_sleep(LT_MSEC(50));
  lt_task_cancel(r);
  CHECK(lt_await(r, NULL) == -ECANCELED);
  lt_task_release(r);
  return 0;
}

/* TestTaskGroup.test_taskgroup_22: cancelling the owner while it waits in the exit */
static void TestTaskGroup_test_taskgroup_22(void **state) { run_main(tg_22_main, NULL); }

/* test_taskgroup_24: a child spawns into its own group while the owner waits in the exit */
static lt_taskgroup *shared_g;
static foo delay1 = {.sleep = LT_MSEC(100)}, delay2 = {.sleep = LT_MSEC(200)};

static int root_24(void *arg, void **res) {
  lt_sleep(LT_MSEC(100));
  lt_task_release(lt_taskgroup_spawn(shared_g, foo_fn, &delay1));
  lt_task_release(lt_taskgroup_spawn(shared_g, foo_fn, &delay2));
  return 0;
}

static int tg_24_main(void *arg, void **res) {
  shared_g = lt_taskgroup_new();
  lt_task_release(lt_taskgroup_spawn(shared_g, root_24, NULL));
  int64_t t0 = lt_now();
  CHECK(lt_taskgroup_end(shared_g, 0) == 0);
  CHECK(lt_now() - t0 == LT_MSEC(300)); /* it waited for the grandchildren too */
  lt_taskgroup_free(shared_g);
  return 0;
}

static void TestTaskGroup_test_taskgroup_24(void **state) { run_main(tg_24_main, NULL); }

/* test_taskgroup_25: hydras multiply in the group until hercules fails it */
static int nhydras;

static int hydra(void *arg, void **res) {
  nhydras++;
  int rc = lt_sleep(LT_MSEC(10));
  if (rc < 0) return rc;
  for (int i = 0; i < 2; i++) {
    lt_task *t = lt_taskgroup_spawn(shared_g, hydra, NULL);
    if (t) lt_task_release(t);
  }
  return 0;
}

static int hercules(void *arg, void **res) {
  while (nhydras < 10) {
    int rc = lt_sleep(LT_MSEC(15));
    if (rc < 0) return rc;
  }
  return -EDOM;
}

static int tg_25_main(void *arg, void **res) {
  nhydras = 0;
  shared_g = lt_taskgroup_new();
  lt_task_release(lt_taskgroup_spawn(shared_g, hydra, NULL));
  lt_task_release(lt_taskgroup_spawn(shared_g, hercules, NULL));
  CHECK(lt_taskgroup_end(shared_g, 0) == -EDOM && only(shared_g, -EDOM));
  CHECK(nhydras >= 10);
  lt_taskgroup_free(shared_g);
  return 0;
}

static void TestTaskGroup_test_taskgroup_25(void **state) { run_main(tg_25_main, NULL); }

/* test_taskgroup_no_create_task_after_failure */
static foo crash_001 = {.sleep = LT_MSEC(1), .fail = -EDOM};
static bool refused;

static int coro2(void *arg, void **res) {
  int rc = lt_sleep(LT_SEC(1));
  if (rc == -ECANCELED) {
    lt_task *t = lt_taskgroup_spawn(shared_g, foo_fn, &crash_001);
    refused = t == NULL && errno == ESHUTDOWN;
    if (t) lt_task_release(t);
  }
  return rc;
}

static int no_create_after_failure_main(void *arg, void **res) {
  refused = false;
  shared_g = lt_taskgroup_new();
  lt_task_release(lt_taskgroup_spawn(shared_g, foo_fn, &crash_001));
  lt_task_release(lt_taskgroup_spawn(shared_g, coro2, NULL));
  CHECK(lt_taskgroup_end(shared_g, 0) == -EDOM && only(shared_g, -EDOM));
  CHECK(refused); /* RuntimeError: the group is shutting down */
  lt_taskgroup_free(shared_g);
  return 0;
}

static void TestTaskGroup_test_taskgroup_no_create_task_after_failure(void **state) {
  run_main(no_create_after_failure_main, NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(TestTaskGroup_test_taskgroup_01),
      cmocka_unit_test(TestTaskGroup_test_taskgroup_02),
      cmocka_unit_test(TestTaskGroup_test_taskgroup_03),
      cmocka_unit_test(TestTaskGroup_test_taskgroup_04),
      cmocka_unit_test(TestTaskGroup_test_cancel_children_on_child_error),
      cmocka_unit_test(TestTaskGroup_test_cancellation),
      cmocka_unit_test(TestTaskGroup_test_taskgroup_07),
      cmocka_unit_test(TestTaskGroup_test_taskgroup_08),
      cmocka_unit_test(TestTaskGroup_test_taskgroup_09),
      cmocka_unit_test(TestTaskGroup_test_taskgroup_10),
      cmocka_unit_test(TestTaskGroup_test_taskgroup_11),
      cmocka_unit_test(TestTaskGroup_test_taskgroup_12),
      cmocka_unit_test(TestTaskGroup_test_taskgroup_13),
      cmocka_unit_test(TestTaskGroup_test_taskgroup_14),
      cmocka_unit_test(TestTaskGroup_test_taskgroup_15),
      cmocka_unit_test(TestTaskGroup_test_taskgroup_16),
      cmocka_unit_test(TestTaskGroup_test_taskgroup_22),
      cmocka_unit_test(TestTaskGroup_test_taskgroup_24),
      cmocka_unit_test(TestTaskGroup_test_taskgroup_25),
      cmocka_unit_test(TestTaskGroup_test_taskgroup_no_create_task_after_failure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

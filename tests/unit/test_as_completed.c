/* test_as_completed.c: lt_as_completed: completion order, the hop count of asyncio 3.11 (child
 * done -> _on_completion -> consumer wakeup), the timeout markers, errors, a cancelled consumer,
 * duplicates, and freeing while callbacks and the timer are still in flight. Orderings were
 * checked against CPython 3.11. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "combine_log.h"

static void drain(lt_as_completed *ac) {
  for (;;) {
    void *v = NULL;
    lt_future *which = (lt_future *)1;
    int rc = lt_as_completed_next(ac, &v, &which);
    if (rc == -ENOENT) {
      logf_("end which=%p", (void *)which);
      return;
    }
    if (rc == 0)
      logf_("got %d at %d", (int)(intptr_t)v, MS_NOW());
    else
      logf_("rc %d at %d which=%p", rc, MS_NOW(), (void *)which);
  }
}

static int order_main(void *arg, void **result) {
  lt_future *f[3] = {lt_task_future(lt_spawn(sleeper, (void *)30)),
                     lt_task_future(lt_spawn(sleeper, (void *)10)),
                     lt_task_future(lt_spawn(sleeper, (void *)20))};
  lt_as_completed *ac = lt_as_completed_new(f, 3, -1);
  drain(ac);
  lt_as_completed_free(ac);
  for (int i = 0; i < 3; i++) lt_future_release(f[i]);
  return 0;
}

static void test_completion_order(void **state) {
  assert_int_equal(run_virtual(order_main, NULL), 0);
  LOG_EXPECT("slept 10", "got 10 at 10", "slept 20", "got 20 at 20", "slept 30",
             "got 30 at 30", "end which=(nil)");
}

static int quick(void *arg, void **result) {
  logf_("quick");
  *result = (void *)7;
  return 0;
}

static int hops_main(void *arg, void **result) {
  lt_task *t = lt_spawn(quick, NULL);
  lt_task *tk = lt_spawn(ticker, (void *)5);
  lt_future *f = lt_task_future(t);
  lt_as_completed *ac = lt_as_completed_new(&f, 1, -1);
  void *v;
  lt_future *which = NULL;
  int rc = lt_as_completed_next(ac, &v, &which);
  logf_("got %d rc=%d which=%s", (int)(intptr_t)v, rc, which == f ? "t" : "?");
  lt_as_completed_free(ac);
  lt_await(tk, NULL);
  lt_task_release(t);
  lt_task_release(tk);
  return 0;
}

/* asyncio: ['quick', 't0', 't1', 'got 7', 't2', ...]: two hops after the child is done. */
static void test_hops_match_asyncio_queue(void **state) {
  assert_int_equal(run_virtual(hops_main, NULL), 0);
  LOG_EXPECT("quick", "t0", "t1", "got 7 rc=0 which=t", "t2", "t3", "t4");
}

static int timeout_main(void *arg, void **result) {
  lt_task *t[3] = {lt_spawn(sleeper, (void *)50), lt_spawn(sleeper, (void *)10),
                   lt_spawn(sleeper, (void *)60)};
  lt_future *f[3] = {lt_task_future(t[0]), lt_task_future(t[1]), lt_task_future(t[2])};
  lt_as_completed *ac = lt_as_completed_new(f, 3, LT_MSEC(30));
  drain(ac);
  lt_as_completed_free(ac);
  for (int i = 0; i < 3; i++) {
    lt_task_cancel(t[i]);
    lt_task_release(t[i]);
  }
  lt_yield();
  return 0;
}

static void test_timeout_marks_the_rest(void **state) {
  assert_int_equal(run_virtual(timeout_main, NULL), 0);
  LOG_EXPECT("slept 10", "got 10 at 10", "rc -110 at 30 which=(nil)",
             "rc -110 at 30 which=(nil)", "end which=(nil)", "cancelled 50", "cancelled 60");
}

static int all_before_timeout_main(void *arg, void **result) {
  lt_future *f[2] = {lt_task_future(lt_spawn(sleeper, (void *)10)),
                     lt_task_future(lt_spawn(sleeper, (void *)20))};
  lt_as_completed *ac = lt_as_completed_new(f, 2, LT_MSEC(100));
  drain(ac);
  lt_as_completed_free(ac);
  lt_sleep(LT_MSEC(200)); /* a stale timeout firing now would touch freed memory (ASan) */
  logf_("done at %d", MS_NOW());
  for (int i = 0; i < 2; i++) lt_future_release(f[i]);
  return 0;
}

static void test_all_done_before_timeout(void **state) {
  assert_int_equal(run_virtual(all_before_timeout_main, NULL), 0);
  LOG_EXPECT("slept 10", "got 10 at 10", "slept 20", "got 20 at 20", "end which=(nil)",
             "done at 220");
}

static lt_as_completed *shared_ac;

static int consumer(void *arg, void **result) {
  void *v;
  int rc = lt_as_completed_next(shared_ac, &v, NULL);
  logf_("consumer %d", rc);
  return rc;
}

static int cancel_error_main(void *arg, void **result) {
  lt_future *f = lt_future_new(), *g = lt_future_new();
  lt_future *fs[3] = {f, g, f}; /* f twice: it is one future, as in asyncio's set(fs) */
  shared_ac = lt_as_completed_new(fs, 3, -1);
  lt_task *c = lt_spawn(consumer, NULL);
  lt_yield();
  lt_task_cancel(c);
  logf_("await consumer %d", lt_await(c, NULL));
  lt_future_set_error(g, -EIO);
  lt_future_set_result(f, (void *)3);
  for (;;) {
    void *v = NULL;
    lt_future *which = NULL;
    int rc = lt_as_completed_next(shared_ac, &v, &which);
    if (rc == -ENOENT) break;
    logf_("rc %d v %d which %s", rc, (int)(intptr_t)v, which == f ? "f" : which == g ? "g" : "?");
  }
  logf_("end");
  lt_as_completed_free(shared_ac);
  lt_task_release(c);
  lt_future_release(f);
  lt_future_release(g);
  return 0;
}

/* Deviation from asyncio, where the cancelled consumer used up one of the two awaitables: here
 * a cancelled next takes nothing, so both outcomes are still handed out. */
static void test_error_outcome_and_cancelled_consumer(void **state) {
  assert_int_equal(run_virtual(cancel_error_main, NULL), 0);
  LOG_EXPECT("consumer -125", "await consumer -125", "rc -5 v 0 which g", "rc 0 v 3 which f",
             "end");
}

static int done_value(void *arg, void **result) {
  *result = arg;
  return 0;
}

static int free_race_main(void *arg, void **result) {
  lt_task *t = lt_spawn(done_value, (void *)4);
  lt_yield(); /* t is done now */
  lt_future *f = lt_task_future(t);
  /* _on_completion is queued at once and the zero timeout fires in the next iteration, after
   * this task's step: the free below happens while the (cancelled) timer's fire is queued. */
  lt_as_completed *ac = lt_as_completed_new(&f, 1, 0);
  lt_yield();
  void *v = NULL;
  int rc = lt_as_completed_next(ac, &v, NULL);
  logf_("got %d rc=%d", (int)(intptr_t)v, rc);
  lt_as_completed_free(ac);
  lt_yield();
  lt_yield();
  lt_task_release(t);
  return 0;
}

static void test_free_while_timer_fire_queued(void **state) {
  assert_int_equal(run_virtual(free_race_main, NULL), 0);
  LOG_EXPECT("got 4 rc=0");
}

static int early_free_main(void *arg, void **result) {
  lt_future *f[2] = {lt_task_future(lt_spawn(sleeper, (void *)10)),
                     lt_task_future(lt_spawn(sleeper, (void *)20))};
  lt_as_completed *ac = lt_as_completed_new(f, 2, LT_MSEC(15));
  lt_as_completed_free(ac); /* before anything finished: callbacks and timer are withdrawn */
  lt_gather(f, 2, NULL, NULL, 0);
  logf_("gathered at %d", MS_NOW());
  for (int i = 0; i < 2; i++) lt_future_release(f[i]);
  return 0;
}

static void test_free_before_completion(void **state) {
  assert_int_equal(run_virtual(early_free_main, NULL), 0);
  LOG_EXPECT("slept 10", "slept 20", "gathered at 20");
}

static int empty_main(void *arg, void **result) {
  lt_as_completed *ac = lt_as_completed_new(NULL, 0, LT_MSEC(5));
  logf_("next %d", lt_as_completed_next(ac, NULL, NULL));
  lt_as_completed_free(ac);
  return 0;
}

static void test_empty(void **state) {
  assert_int_equal(run_virtual(empty_main, NULL), 0);
  LOG_EXPECT("next -2");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_completion_order),
      cmocka_unit_test(test_hops_match_asyncio_queue),
      cmocka_unit_test(test_timeout_marks_the_rest),
      cmocka_unit_test(test_all_done_before_timeout),
      cmocka_unit_test(test_error_outcome_and_cancelled_consumer),
      cmocka_unit_test(test_free_while_timer_fire_queued),
      cmocka_unit_test(test_free_before_completion),
      cmocka_unit_test(test_empty),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_loop.c: the orderings that the loop guarantees, each as asyncio 3.11 orders it:
 * create_task only schedules; FIFO ready queue; one iteration runs what was ready when it
 * began; sleep(0) goes to the back; done callbacks in registration order with the waiting task
 * resumed inside its own callback; lt_run cancels what main left running. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <looptrace.h>

#include "record.h"

static const lt_run_opts virtual_clock = {.clock = LT_CLOCK_VIRTUAL};

/* ---- create_task only schedules the first step ---- */

static int child_records(void *arg, void **result) {
  rec("%s", (const char *)arg);
  return 0;
}

static int main_spawns_then_prints(void *arg, void **result) {
  lt_task *a = lt_spawn(child_records, "A");
  lt_task *b = lt_spawn(child_records, "B");
  rec("spawned");
  rec("still-main");
  int rc = lt_await(b, NULL);
  rec("main-resumed");
  lt_task_release(a);
  lt_task_release(b);
  return rc;
}

static void test_spawn_only_schedules(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_spawns_then_prints, NULL, NULL, &virtual_clock), 0);
  rec_is("spawned still-main A B main-resumed");
}

/* ---- awaiting a finished task or future does not suspend ---- */

static int main_awaits_done(void *arg, void **result) {
  lt_task *quick = lt_spawn(child_records, "quick");
  lt_await(quick, NULL); /* suspends: quick has not run yet */
  lt_task *other = lt_spawn(child_records, "other");
  lt_future *f = lt_future_new();
  lt_future_set_result(f, (void *)(intptr_t)7);
  void *v = NULL;
  uint64_t iter = lt_loop_iterations();
  /* Both are done: no suspension, so `other` (ready) cannot run in between. */
  assert_int_equal(lt_await(quick, NULL), 0);
  assert_int_equal(lt_await(f, &v), 0);
  assert_int_equal((intptr_t)v, 7);
  assert_int_equal(lt_loop_iterations(), iter);
  rec("main-continues");
  lt_await(other, NULL);
  lt_task_release(quick);
  lt_task_release(other);
  lt_future_release(f);
  return 0;
}

static void test_await_done_does_not_suspend(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_awaits_done, NULL, NULL, &virtual_clock), 0);
  rec_is("quick main-continues other");
}

/* ---- FIFO and sleep(0) going to the back of the queue ---- */

static int yielder(void *arg, void **result) {
  for (int i = 1; i <= 3; i++) {
    rec("%s%d", (const char *)arg, i);
    lt_yield();
  }
  return 0;
}

static int main_three_yielders(void *arg, void **result) {
  lt_future *t[3] = {lt_task_future(lt_spawn(yielder, "a")),
                     lt_task_future(lt_spawn(yielder, "b")),
                     lt_task_future(lt_spawn(yielder, "c"))};
  int rc = lt_gather(t, 3, NULL, NULL, 0);
  for (int i = 0; i < 3; i++) lt_future_release(t[i]);
  return rc;
}

static void test_sleep0_requeues_at_tail(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_three_yielders, NULL, NULL, &virtual_clock), 0);
  rec_is("a1 b1 c1 a2 b2 c2 a3 b3 c3");
}

/* ---- one iteration runs exactly what was ready when it began ---- */

static uint64_t first_iter;
static void second_cb(void *arg) {
  rec("second@+%llu", (unsigned long long)(lt_loop_iterations() - first_iter));
}
static void first_cb(void *arg) {
  first_iter = lt_loop_iterations();
  rec("first");
  lt_call_soon(second_cb, NULL);
}

static int main_call_soon_chain(void *arg, void **result) {
  lt_call_soon(first_cb, NULL);
  lt_sleep(LT_MSEC(1));
  return 0;
}

static void test_iteration_runs_snapshot(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_call_soon_chain, NULL, NULL, &virtual_clock), 0);
  rec_is("first second@+1");
}

/* ---- done callbacks: registration order; the waiter resumes inside its callback ---- */

static void cb_records(lt_future *f, void *arg) { rec("%s", (const char *)arg); }

static int waiter(void *arg, void **result) {
  lt_future *f = arg;
  void *v;
  lt_await(f, &v);
  rec("task(%d)", (int)(intptr_t)v);
  return 0;
}

static int main_callbacks(void *arg, void **result) {
  lt_future *f = lt_future_new();
  lt_future_add_done_callback(f, cb_records, "cb1");
  lt_task *w = lt_spawn(waiter, f);
  lt_yield(); /* w parks on f: its wake-up is the second callback */
  lt_future_add_done_callback(f, cb_records, "cb2");
  lt_future_set_result(f, (void *)(intptr_t)1);
  rec("set");
  lt_yield();
  lt_yield();
  /* A callback added to a finished future is scheduled, not run on the spot. */
  lt_future_add_done_callback(f, cb_records, "late");
  rec("added-late");
  lt_yield();
  lt_task_release(w);
  lt_future_release(f);
  return 0;
}

static void test_done_callbacks_order(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_callbacks, NULL, NULL, &virtual_clock), 0);
  /* CPython 3.11 prints: ['set', 'cb1', 'task', 'cb2', 'added-late', 'late'] */
  rec_is("set cb1 task(1) cb2 added-late late");
}

static int remove_cb_main(void *arg, void **result) {
  lt_future *f = lt_future_new();
  lt_future_add_done_callback(f, cb_records, "x");
  lt_future_add_done_callback(f, cb_records, "y");
  lt_future_add_done_callback(f, cb_records, "x");
  assert_int_equal(lt_future_remove_done_callback(f, cb_records, "x"), 2);
  lt_future_set_result(f, NULL);
  lt_yield();
  lt_future_release(f);
  return 0;
}

static void test_remove_done_callback(void **state) {
  rec_reset();
  assert_int_equal(lt_run(remove_cb_main, NULL, NULL, &virtual_clock), 0);
  rec_is("y");
}

/* ---- lt_run: main's outcome, and what main left running ---- */

static int cleanup_after_cancel(void *arg, void **result) {
  int rc = lt_sleep(LT_SEC(10));
  rec("sleep=%s", rc == -ECANCELED ? "cancelled" : "ok");
  /* Cleanup may itself wait: lt_run runs cancelled tasks to completion. */
  lt_sleep(LT_MSEC(5));
  rec("cleaned");
  return rc;
}

static int main_leaves_task(void *arg, void **result) {
  lt_task_release(lt_spawn(cleanup_after_cancel, NULL));
  lt_yield();
  rec("main-returns");
  *result = (void *)(intptr_t)42;
  return 0;
}

static void test_run_cancels_leftovers(void **state) {
  rec_reset();
  void *v = NULL;
  assert_int_equal(lt_run(main_leaves_task, NULL, &v, &virtual_clock), 0);
  assert_int_equal((intptr_t)v, 42);
  rec_is("main-returns sleep=cancelled cleaned");
}

static void late_callback(void *arg) { rec("X"); }
static int task_schedules_callback(void *arg, void **result) {
  rec("a");
  lt_call_soon(late_callback, NULL);
  return 0;
}
static int main_returns_at_once(void *arg, void **result) {
  lt_task_release(lt_spawn(task_schedules_callback, NULL));
  return 0;
}

static void test_run_drains_last_callbacks(void **state) {
  /* CPython: ['a', 'X']: asyncio.run's shutdown steps still run queued callbacks. */
  rec_reset();
  assert_int_equal(lt_run(main_returns_at_once, NULL, NULL, &virtual_clock), 0);
  rec_is("a X");
}

static int main_fails(void *arg, void **result) { return -EIO; }
static int main_cancels_itself(void *arg, void **result) {
  lt_task_cancel(lt_current_task());
  return lt_yield();
}

static void test_run_returns_main_status(void **state) {
  assert_int_equal(lt_run(main_fails, NULL, NULL, &virtual_clock), -EIO);
  assert_int_equal(lt_run(main_cancels_itself, NULL, NULL, &virtual_clock), -ECANCELED);
}

static int nested_run(void *arg, void **result) {
  return lt_run(main_fails, NULL, NULL, NULL);
}

static void test_nested_run_refused(void **state) {
  assert_int_equal(lt_run(nested_run, NULL, NULL, &virtual_clock), -EBUSY);
}

/* ---- one loop per thread, several at once ---- */

static int count_yields(void *arg, void **result) {
  intptr_t n = 0;
  for (int i = 0; i < 1000; i++, n++) lt_yield();
  *result = (void *)(n + (intptr_t)lt_loop_iterations());
  return 0;
}

static void *thread_runs_loop(void *arg) {
  void *v = NULL;
  int rc = lt_run(count_yields, NULL, &v, &virtual_clock);
  return rc == 0 ? v : NULL;
}

static void test_loops_on_several_threads(void **state) {
  pthread_t th[4];
  for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, thread_runs_loop, NULL);
  for (int i = 0; i < 4; i++) {
    void *v = NULL;
    pthread_join(th[i], &v);
    /* 1000 yields, and its own iteration count (1000 + the first step), untouched by others */
    assert_int_equal((intptr_t)v, 1000 + 1001);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spawn_only_schedules),
      cmocka_unit_test(test_await_done_does_not_suspend),
      cmocka_unit_test(test_sleep0_requeues_at_tail),
      cmocka_unit_test(test_iteration_runs_snapshot),
      cmocka_unit_test(test_done_callbacks_order),
      cmocka_unit_test(test_remove_done_callback),
      cmocka_unit_test(test_run_cancels_leftovers),
      cmocka_unit_test(test_run_drains_last_callbacks),
      cmocka_unit_test(test_run_returns_main_status),
      cmocka_unit_test(test_nested_run_refused),
      cmocka_unit_test(test_loops_on_several_threads),
  };
  return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}

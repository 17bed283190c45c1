/* test_cancel.c: cancellation as asyncio 3.11 does it: -ECANCELED from the interrupted await,
 * queryable afterwards; a task cancelled before its first step never runs; cancelling a task
 * that awaits another cancels that one too; a cancel that races a wake-up still lands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <looptrace.h>

#include "record.h"

static const lt_run_opts virtual_clock = {.clock = LT_CLOCK_VIRTUAL};

static int sleeper(void *arg, void **result) {
  int rc = lt_sleep(LT_SEC(60));
  rec("sleeper:%s", lt_strerror(rc));
  return rc;
}

static int main_cancel_sleeper(void *arg, void **result) {
  lt_task *t = lt_spawn(sleeper, NULL);
  lt_yield();
  int64_t t0 = lt_now();
  assert_int_equal(lt_task_cancel(t), 1);
  assert_int_equal(lt_task_cancelling(t), 1);
  assert_false(lt_task_done(t));
  int rc = lt_await(t, NULL);
  rec("await:%s", lt_strerror(rc));
  rec("cancelled=%d", lt_task_cancelled(t));
  rec("elapsed=%lld", (long long)(lt_now() - t0)); /* the timer was cancelled, not waited */
  assert_int_equal(lt_task_cancel(t), 0);          /* already done */
  lt_task_release(t);
  return 0;
}

static void test_cancel_sleeping_task(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_cancel_sleeper, NULL, NULL, &virtual_clock), 0);
  rec_is("sleeper:cancelled await:cancelled cancelled=1 elapsed=0");
}

static int never_runs(void *arg, void **result) {
  rec("body-ran");
  return 0;
}

static int main_cancel_before_start(void *arg, void **result) {
  lt_task *t = lt_spawn(never_runs, NULL);
  lt_task_cancel(t);
  rec("await:%s", lt_strerror(lt_await(t, NULL)));
  lt_task_release(t);
  return 0;
}

static void test_cancel_before_first_step(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_cancel_before_start, NULL, NULL, &virtual_clock), 0);
  rec_is("await:cancelled");
}

static int swallower(void *arg, void **result) {
  int rc = lt_sleep(LT_SEC(1));
  rec("first:%s", lt_strerror(rc));
  rc = lt_sleep(LT_MSEC(1)); /* delivered once: the next await is undisturbed */
  rec("second:%s", lt_strerror(rc));
  rec("cancelling=%d", lt_task_cancelling(lt_current_task()));
  rec("uncancel=%d", lt_task_uncancel(lt_current_task()));
  *result = (void *)(intptr_t)5;
  return 0;
}

static int main_swallow(void *arg, void **result) {
  lt_task *t = lt_spawn(swallower, NULL);
  lt_yield();
  lt_task_cancel(t);
  void *v = NULL;
  int rc = lt_await(t, &v);
  rec("await=%d value=%d", rc, (int)(intptr_t)v);
  lt_task_release(t);
  return 0;
}

static void test_cancellation_can_be_swallowed(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_swallow, NULL, NULL, &virtual_clock), 0);
  rec_is("first:cancelled second:success cancelling=1 uncancel=0 await=0 value=5");
}

static int inner(void *arg, void **result) {
  int rc = lt_sleep(LT_SEC(5));
  rec("inner:%s", lt_strerror(rc));
  return rc;
}

static int outer(void *arg, void **result) {
  lt_task *in = lt_spawn(inner, NULL);
  *(lt_task **)arg = in;
  int rc = lt_await(in, NULL);
  rec("outer:%s", lt_strerror(rc));
  return rc; /* main holds `in` and releases it */
}

static int main_cancel_chain(void *arg, void **result) {
  lt_task *in = NULL;
  lt_task *out = lt_spawn(outer, &in);
  lt_yield();
  lt_yield();
  lt_task_cancel(out);
  lt_await(out, NULL);
  rec("inner-cancelled=%d outer-cancelled=%d", lt_task_cancelled(in), lt_task_cancelled(out));
  lt_task_release(in);
  lt_task_release(out);
  return 0;
}

static void test_cancel_propagates_to_awaited_task(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_cancel_chain, NULL, NULL, &virtual_clock), 0);
  rec_is("inner:cancelled outer:cancelled inner-cancelled=1 outer-cancelled=1");
}

static int awaits_future(void *arg, void **result) {
  void *v = NULL;
  int rc = lt_await((lt_future *)arg, &v);
  rec("await:%s", lt_strerror(rc));
  return 0;
}

static int main_cancel_races_wakeup(void *arg, void **result) {
  lt_future *f = lt_future_new();
  lt_task *t = lt_spawn(awaits_future, f);
  lt_yield();
  lt_future_set_result(f, (void *)(intptr_t)5); /* t's wake-up is now scheduled */
  lt_task_cancel(t);                            /* too late to cancel f: must_cancel */
  lt_await(t, NULL);
  rec("cancelling=%d", lt_task_cancelling(t));
  lt_task_release(t);
  lt_future_release(f);
  return 0;
}

static void test_cancel_after_wakeup_scheduled(void **state) {
  /* CPython 3.11: the await raises CancelledError although the future has a result. */
  rec_reset();
  assert_int_equal(lt_run(main_cancel_races_wakeup, NULL, NULL, &virtual_clock), 0);
  rec_is("await:cancelled cancelling=1");
}

static int self_cancel_then_return(void *arg, void **result) {
  lt_task_cancel(lt_current_task());
  rec("still-running");
  return 0; /* cancelled right before it returned: the task ends cancelled */
}

static int main_self_cancel(void *arg, void **result) {
  lt_task *t = lt_spawn(self_cancel_then_return, NULL);
  rec("await:%s", lt_strerror(lt_await(t, NULL)));
  lt_task_release(t);
  return 0;
}

static void test_self_cancel_before_return(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_self_cancel, NULL, NULL, &virtual_clock), 0);
  rec_is("still-running await:cancelled");
}

static int failing(void *arg, void **result) { return -EPIPE; }

static int main_error_outcome(void *arg, void **result) {
  lt_task *t = lt_spawn(failing, NULL);
  assert_int_equal(lt_await(t, NULL), -EPIPE);
  assert_int_equal(lt_task_result(t, NULL), -EPIPE);
  assert_false(lt_task_cancelled(t));
  lt_future *f = lt_future_new();
  assert_int_equal(lt_future_cancel(f), 1);
  assert_int_equal(lt_future_cancel(f), 0);
  assert_true(lt_future_cancelled(f));
  assert_int_equal(lt_await(f, NULL), -ECANCELED);
  lt_task_release(t);
  lt_future_release(f);
  return 0;
}

static void test_errors_and_cancelled_futures(void **state) {
  assert_int_equal(lt_run(main_error_outcome, NULL, NULL, &virtual_clock), 0);
}

/* Two tasks that await each other (a deadlock a user can write): cancelling either one follows
 * the awaits round the cycle and would come back to it for ever (asyncio recurses until its
 * RecursionError). The other task's await returns -ECANCELED, as if what it awaited had been
 * cancelled; it ends cancelled, and so the one cancelled sees what it awaits end cancelled. */
static lt_task *cycle[3];

static int awaits_next(void *arg, void **result) {
  intptr_t i = (intptr_t)arg;
  lt_yield(); /* every task of the cycle exists before any awaits */
  int rc = lt_await(cycle[i], NULL);
  rec("%c:%s", (char)('A' + (int)((i + 2) % 3)), lt_strerror(rc));
  return rc;
}

static int awaits_other(void *arg, void **result) {
  intptr_t i = (intptr_t)arg;
  lt_yield();
  int rc = lt_await(cycle[1 - i], NULL);
  rec("%c:%s", (char)('A' + (int)i), lt_strerror(rc));
  return rc;
}

static int main_cancel_cycle(void *arg, void **result) {
  cycle[0] = lt_spawn(awaits_other, (void *)0);
  cycle[1] = lt_spawn(awaits_other, (void *)1);
  lt_yield();
  lt_yield();
  assert_int_equal(lt_task_cancel(cycle[0]), 1);
  assert_int_equal(lt_await(cycle[1], NULL), -ECANCELED);
  rec("A-cancelled=%d B-cancelled=%d", lt_task_cancelled(cycle[0]), lt_task_cancelled(cycle[1]));
  lt_task_release(cycle[0]);
  lt_task_release(cycle[1]);
  return 0;
}

static void test_cancel_tasks_awaiting_each_other(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_cancel_cycle, NULL, NULL, &virtual_clock), 0);
  rec_is("B:cancelled A:cancelled A-cancelled=1 B-cancelled=1");
}

/* A timeout scope around one await of a cycle of three, through a gather: the scope's
 * deadline breaks the deadlock; the tasks it awaits end cancelled and it sees -ETIMEDOUT, as
 * in a chain of awaits with no cycle. */
static int times_out(void *arg, void **result) {
  lt_yield();
  lt_future *g = lt_gather_start((lt_future *const[]){lt_task_future(cycle[1])}, 1, 0);
  lt_timeout *tm = lt_timeout_new(LT_MSEC(50));
  int rc = lt_timeout_end(tm, lt_await(g, NULL));
  lt_timeout_free(tm);
  lt_future_release(g);
  rec("A:%s at %lld ms", lt_strerror(rc), (long long)(lt_now() / 1000000));
  return rc;
}

static int main_timeout_cycle(void *arg, void **result) {
  int64_t t0 = lt_now();
  cycle[0] = lt_spawn(times_out, NULL);
  cycle[1] = lt_spawn(awaits_next, (void *)2);
  cycle[2] = lt_spawn(awaits_next, (void *)0);
  for (int i = 0; i < 3; i++) lt_await(cycle[i], NULL);
  rec("cancelled=%d%d%d after %lld ms", lt_task_cancelled(cycle[0]), lt_task_cancelled(cycle[1]),
      lt_task_cancelled(cycle[2]), (long long)((lt_now() - t0) / 1000000));
  for (int i = 0; i < 3; i++) lt_task_release(cycle[i]);
  return 0;
}

static void test_timeout_breaks_await_cycle(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_timeout_cycle, NULL, NULL, &virtual_clock), 0);
  rec_is("C:cancelled B:cancelled A:timed out at 50 ms cancelled=011 after 50 ms");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cancel_sleeping_task),
      cmocka_unit_test(test_cancel_before_first_step),
      cmocka_unit_test(test_cancellation_can_be_swallowed),
      cmocka_unit_test(test_cancel_propagates_to_awaited_task),
      cmocka_unit_test(test_cancel_after_wakeup_scheduled),
      cmocka_unit_test(test_self_cancel_before_return),
      cmocka_unit_test(test_errors_and_cancelled_futures),
      cmocka_unit_test(test_cancel_tasks_awaiting_each_other),
      cmocka_unit_test(test_timeout_breaks_await_cycle),
  };
  return cmocka_run_group_tests_name("cancel", tests, NULL, NULL);
}

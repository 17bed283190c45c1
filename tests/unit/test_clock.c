/* test_clock.c: timers and clocks: expired timers run in (deadline, arming order), after what
 * was already ready; lt_timer cancel and re-arm; the virtual clock jumps straight to the next
 * deadline and makes runs reproducible; the real clock really waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include <looptrace.h>

#include "record.h"

static const lt_run_opts virtual_clock = {.clock = LT_CLOCK_VIRTUAL};

static void at(void *arg) { rec("%s@%lld", (const char *)arg, (long long)(lt_now() / 1000000)); }

static int main_timer_order(void *arg, void **result) {
  lt_call_later(LT_MSEC(20), at, "a");
  lt_call_later(LT_MSEC(10), at, "b");
  lt_call_later(LT_MSEC(10), at, "c");
  lt_call_later(0, at, "zero");
  lt_call_soon(at, "soon");
  lt_sleep(LT_MSEC(30));
  return 0;
}

static void test_timers_fire_by_deadline_then_arming_order(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_timer_order, NULL, NULL, &virtual_clock), 0);
  rec_is("soon@0 zero@0 b@10 c@10 a@20");
}

static lt_timer user_timer;
static int main_timer_cancel(void *arg, void **result) {
  lt_timer_init(&user_timer);
  assert_false(lt_timer_active(&user_timer));
  lt_timer_start(&user_timer, LT_MSEC(5), at, "cancelled");
  assert_true(lt_timer_active(&user_timer));
  assert_int_equal(lt_timer_cancel(&user_timer), 1);
  assert_int_equal(lt_timer_cancel(&user_timer), 0);
  lt_timer_start(&user_timer, LT_MSEC(7), at, "first");
  lt_timer_start(&user_timer, LT_MSEC(9), at, "rearmed"); /* re-arming replaces */
  lt_sleep(LT_MSEC(20));
  assert_false(lt_timer_active(&user_timer));
  return 0;
}

static void test_timer_cancel_and_rearm(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_timer_cancel, NULL, NULL, &virtual_clock), 0);
  rec_is("rearmed@9");
}

/* A timer that is due but whose callback has not run yet can still be cancelled. */
static lt_timer due_timer;
static void cancel_due(void *arg) { rec("cancel=%d", lt_timer_cancel(&due_timer)); }
static int main_cancel_due(void *arg, void **result) {
  lt_timer_init(&due_timer);
  lt_timer_start(&due_timer, LT_MSEC(1), at, "should-not-run");
  lt_timer *first = malloc(sizeof *first);
  lt_timer_init(first);
  /* Armed earlier with the same deadline: runs first, in the same iteration. */
  lt_timer_start_at(first, due_timer.deadline, cancel_due, NULL);
  lt_timer_start_at(&due_timer, due_timer.deadline, at, "should-not-run");
  lt_sleep(LT_MSEC(5));
  free(first);
  return 0;
}

static void test_cancel_due_timer(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_cancel_due, NULL, NULL, &virtual_clock), 0);
  rec_is("cancel=1");
}

static int long_sleeper(void *arg, void **result) {
  int64_t t0 = lt_now();
  lt_sleep(LT_SEC(3600));
  *result = (void *)(intptr_t)((lt_now() - t0) / 1000000000);
  return 0;
}

static void test_virtual_clock_jumps(void **state) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  void *v = NULL;
  assert_int_equal(lt_run(long_sleeper, NULL, &v, &virtual_clock), 0);
  clock_gettime(CLOCK_MONOTONIC, &b);
  assert_int_equal((intptr_t)v, 3600); /* exactly an hour of virtual time */
  assert_true(b.tv_sec - a.tv_sec < 60); /* and nowhere near an hour of real time */
}

static int jittery(void *arg, void **result) {
  for (int i = 0; i < 5; i++) {
    lt_sleep(LT_USEC(100 * ((intptr_t)arg + i)));
    rec("%d:%lld", (int)(intptr_t)arg, (long long)lt_now());
  }
  return 0;
}

static int main_many_sleepers(void *arg, void **result) {
  lt_future *t[4];
  for (int i = 0; i < 4; i++) t[i] = lt_task_future(lt_spawn(jittery, (void *)(intptr_t)(i * 3)));
  int rc = lt_gather(t, 4, NULL, NULL, 0);
  for (int i = 0; i < 4; i++) lt_future_release(t[i]);
  return rc;
}

static void test_virtual_runs_reproduce(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_many_sleepers, NULL, NULL, &virtual_clock), 0);
  char first[sizeof rec_log];
  strcpy(first, rec_log);
  rec_reset();
  assert_int_equal(lt_run(main_many_sleepers, NULL, NULL, &virtual_clock), 0);
  assert_string_equal(first, rec_log);
  assert_true(strlen(first) > 40);
}

static int real_sleep(void *arg, void **result) {
  int64_t t0 = lt_now();
  lt_sleep(LT_MSEC(30));
  *result = (void *)(intptr_t)(lt_now() - t0);
  return 0;
}

static void test_real_clock_waits_at_least(void **state) {
  void *v = NULL;
  lt_run_opts real = {.clock = LT_CLOCK_REAL};
  assert_int_equal(lt_run(real_sleep, NULL, &v, &real), 0);
  assert_true((intptr_t)v >= LT_MSEC(30)); /* never early; how late is the bench's business */
}

static int report_clock(void *arg, void **result) {
  *result = (void *)(intptr_t)lt_clock();
  return 0;
}

static void test_clock_from_environment(void **state) {
  void *v = NULL;
  setenv("LOOPTRACE_CLOCK", "virtual", 1);
  assert_int_equal(lt_run(report_clock, NULL, &v, NULL), 0);
  assert_int_equal((intptr_t)v, LT_CLOCK_VIRTUAL);
  setenv("LOOPTRACE_CLOCK", "real", 1);
  assert_int_equal(lt_run(report_clock, NULL, &v, NULL), 0);
  assert_int_equal((intptr_t)v, LT_CLOCK_REAL);
  unsetenv("LOOPTRACE_CLOCK");
}

/* A task cancelled while asleep, whose timer becomes due in the very iteration that resumes
 * it: the task ends and is freed before its queued timer fire would run. That fire must be
 * gone with it (ASan would see a use after free). */
static int short_sleeper(void *arg, void **result) { return lt_sleep(LT_MSEC(1)); }

static int main_cancel_as_due(void *arg, void **result) {
  lt_task *t = lt_spawn(short_sleeper, NULL);
  lt_yield(); /* t is parked on its timer */
  int64_t until = lt_now() + LT_MSEC(2);
  while (lt_now() < until) {
  } /* past t's deadline, inside one iteration */
  lt_task_cancel(t);   /* t's wake-up is queued for the next iteration... */
  lt_task_release(t);  /* ...and the loop holds the last reference */
  lt_yield();          /* next iteration: t's timer is due too, after t's wake-up */
  lt_yield();
  return 0;
}

static void test_cancel_freed_sleeper_with_due_timer(void **state) {
  lt_run_opts real = {.clock = LT_CLOCK_REAL};
  assert_int_equal(lt_run(main_cancel_as_due, NULL, NULL, &real), 0);
}

/* Many timers, few distinct deadlines, most cancelled before they fire (the heap drops them
 * lazily and compacts), some re-armed: the survivors fire in exactly (deadline, arming order),
 * each at its deadline, and the clock never jumps to a cancelled timer's deadline. */
#define HEAP_TIMERS 3000
static lt_timer heap_timers[HEAP_TIMERS];
static int heap_fired[HEAP_TIMERS], heap_nfired;
static int64_t heap_late;
typedef struct heap_ref {
  int64_t deadline;
  uint64_t order; /* arming order */
  int idx;
} heap_ref;
static heap_ref heap_want[HEAP_TIMERS];
static int heap_nwant;

static void heap_fire(void *arg) {
  int i = (int)(intptr_t)arg;
  if (lt_now() != heap_timers[i].deadline) heap_late++;
  heap_fired[heap_nfired++] = i;
}

static int heap_ref_cmp(const void *a, const void *b) {
  const heap_ref *x = a, *y = b;
  if (x->deadline != y->deadline) return x->deadline < y->deadline ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static int main_heap(void *arg, void **result) {
  uint64_t order = 0, seed = 12345;
  uint64_t armed_at[HEAP_TIMERS];
  for (int i = 0; i < HEAP_TIMERS; i++) {
    lt_timer_init(&heap_timers[i]);
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    lt_timer_start(&heap_timers[i], LT_USEC((seed >> 33) % 50 + 10), heap_fire, (void *)(intptr_t)i);
    armed_at[i] = order++;
  }
  /* cancel two in three (enough to compact), the last timers first: the top goes too */
  for (int i = HEAP_TIMERS - 1; i >= 0; i--)
    if (i % 3 != 0) lt_timer_cancel(&heap_timers[i]);
  /* re-arm a few of the cancelled ones, later than the rest */
  for (int i = 1; i < HEAP_TIMERS; i += 30) {
    lt_timer_start(&heap_timers[i], LT_USEC(100 + i % 7), heap_fire, (void *)(intptr_t)i);
    armed_at[i] = order++;
  }
  for (int i = 0; i < HEAP_TIMERS; i++)
    if (lt_timer_active(&heap_timers[i]))
      heap_want[heap_nwant++] = (heap_ref){heap_timers[i].deadline, armed_at[i], i};
  qsort(heap_want, (size_t)heap_nwant, sizeof *heap_want, heap_ref_cmp);
  lt_sleep(LT_MSEC(1));
  *result = (void *)(intptr_t)lt_now();
  return 0;
}

static void test_timer_heap_order_with_cancels(void **state) {
  void *end = NULL;
  assert_int_equal(lt_run(main_heap, NULL, &end, &virtual_clock), 0);
  assert_int_equal(heap_nfired, heap_nwant);
  assert_true(heap_nwant > HEAP_TIMERS / 3);
  for (int i = 0; i < heap_nwant; i++) assert_int_equal(heap_fired[i], heap_want[i].idx);
  assert_int_equal(heap_late, 0);
  assert_int_equal((intptr_t)end, LT_MSEC(1)); /* the clock went where a live timer was */
}

/* The last live timer is cancelled while dead ones are still queued below it: the virtual
 * clock must not jump to any of their deadlines. */
static lt_timer lone[200];
static void never(void *arg) { rec("fired"); }
static int main_all_cancelled(void *arg, void **result) {
  for (int i = 0; i < 200; i++) {
    lt_timer_init(&lone[i]);
    lt_timer_start(&lone[i], LT_SEC(10 + i), never, NULL);
  }
  for (int i = 199; i >= 0; i -= 2) lt_timer_cancel(&lone[i]);
  for (int i = 0; i < 200; i += 2) lt_timer_cancel(&lone[i]);
  lt_call_later(LT_MSEC(3), at, "only");
  lt_sleep(LT_MSEC(5));
  *result = (void *)(intptr_t)lt_now();
  return 0;
}

static void test_cancelled_timers_leave_no_deadline(void **state) {
  rec_reset();
  void *end = NULL;
  assert_int_equal(lt_run(main_all_cancelled, NULL, &end, &virtual_clock), 0);
  rec_is("only@3");
  assert_int_equal((intptr_t)end, LT_MSEC(5));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_timer_heap_order_with_cancels),
      cmocka_unit_test(test_cancelled_timers_leave_no_deadline),
      cmocka_unit_test(test_timers_fire_by_deadline_then_arming_order),
      cmocka_unit_test(test_timer_cancel_and_rearm),
      cmocka_unit_test(test_cancel_due_timer),
      cmocka_unit_test(test_virtual_clock_jumps),
      cmocka_unit_test(test_virtual_runs_reproduce),
      cmocka_unit_test(test_real_clock_waits_at_least),
      cmocka_unit_test(test_clock_from_environment),
      cmocka_unit_test(test_cancel_freed_sleeper_with_due_timer),
  };
  return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}

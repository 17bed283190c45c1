/* test_condition.c: lt_condition, the bounded semaphore and lt_barrier as asyncio.Condition,
 * BoundedSemaphore and Barrier of CPython 3.11 behave: notify(n) waking the first n in FIFO
 * order only once the notifier lets go of the lock, a cancelled waiter getting the lock back
 * before it returns (also when cancelled while taking it back), wait_for re-checking its
 * predicate, notify refused without the lock, release refused past the bound; the barrier's
 * indexes, a 4th task held until the round drains, reset and abort breaking the waiters, a
 * cancelled waiter leaving the count. Each expected log is what CPython 3.11.7 printed for the
 * same program on a virtual-clock loop. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "combine_log.h"

static lt_condition *cond;

static int cond_waiter(void *arg, void **result) {
  int i = (int)(intptr_t)arg;
  int rc = lt_condition_acquire(cond);
  if (rc < 0) return rc;
  logf_("w%d waits", i);
  rc = lt_condition_wait(cond);
  if (rc == -ECANCELED)
    logf_("w%d cancelled locked=%d", i, lt_condition_locked(cond));
  else
    logf_("w%d woke", i);
  lt_condition_release(cond);
  return rc;
}

static int count;
static bool at_least_two(void *arg) { return count >= 2; }

static int wait_for_task(void *arg, void **result) {
  lt_condition_acquire(cond);
  int rc = lt_condition_wait_for(cond, at_least_two, NULL);
  logf_("wf sees %d rc=%d", count, rc);
  lt_condition_release(cond);
  return rc;
}

static int cond_main(void *arg, void **result) {
  cond = lt_condition_new(NULL);
  lt_task *ts[4];
  for (int i = 0; i < 4; i++) ts[i] = lt_spawn(cond_waiter, (void *)(intptr_t)i);
  lt_yield();
  lt_condition_acquire(cond);
  lt_condition_notify(cond, 2);
  logf_("notified 2");
  lt_yield();
  logf_("still holding");
  lt_condition_release(cond);
  lt_yield();
  lt_yield();
  lt_task_cancel(ts[2]);
  lt_yield();
  lt_condition_acquire(cond);
  lt_condition_notify_all(cond);
  lt_condition_release(cond);
  for (int i = 0; i < 4; i++) {
    lt_await(ts[i], NULL);
    lt_task_release(ts[i]);
  }
  /* notified, then cancelled while it waits to take the lock back */
  lt_task *t = lt_spawn(cond_waiter, (void *)2);
  lt_yield();
  lt_condition_acquire(cond);
  lt_condition_notify(cond, 1);
  lt_yield();
  lt_task_cancel(t);
  lt_yield();
  logf_("main releases");
  lt_condition_release(cond);
  if (lt_await(t, NULL) == -ECANCELED) logf_("t cancelled");
  lt_task_release(t);

  t = lt_spawn(wait_for_task, NULL);
  for (int i = 0; i < 3; i++) {
    lt_yield();
    lt_condition_acquire(cond);
    logf_("n=%d", ++count);
    lt_condition_notify(cond, 1);
    lt_condition_release(cond);
  }
  lt_await(t, NULL);
  lt_task_release(t);
  if (lt_condition_notify(cond, 1) == -EPERM) logf_("notify unlocked refused");
  if (lt_condition_wait(cond) == -EPERM) logf_("wait unlocked refused");

  lt_semaphore *s = lt_bounded_semaphore_new(2);
  lt_semaphore_acquire(s);
  lt_semaphore_release(s);
  if (lt_semaphore_release(s) == -EINVAL) logf_("bounded refused");
  logf_("value %u", lt_semaphore_value(s));
  lt_semaphore_free(s);
  lt_condition_free(cond);
  return 0;
}

/* The log (in the order CPython printed it; the C waiters' first two lines name themselves the
 * same way), plus the C-only refusal of a wait without the lock. */
static void test_condition_and_bounded_semaphore_as_cpython(void **state) {
  count = 0;
  assert_int_equal(run_watched(cond_main, NULL), 0);
  LOG_EXPECT("w0 waits", "w1 waits", "w2 waits", "w3 waits", "notified 2", "still holding",
             "w0 woke", "w1 woke", "w2 cancelled locked=1", "w3 woke", "w2 waits",
             "main releases", "w2 cancelled locked=1", "t cancelled", "n=1", "n=2",
             "wf sees 2 rc=0", "n=3", "notify unlocked refused", "wait unlocked refused",
             "bounded refused", "value 2");
}

/* A lock given to a condition is shared: holding it is holding the condition. */
static int shared_lock_main(void *arg, void **result) {
  lt_lock *l = lt_lock_new();
  lt_condition *c = lt_condition_new(l);
  lt_lock_acquire(l);
  int *out = arg;
  out[0] = lt_condition_locked(c);
  out[1] = lt_condition_lock(c) == l;
  lt_condition_release(c);
  out[2] = lt_lock_locked(l);
  lt_condition_free(c);
  lt_lock_free(l);
  return 0;
}

static void test_condition_over_a_given_lock(void **state) {
  int out[3];
  assert_int_equal(run_watched(shared_lock_main, out), 0);
  assert_int_equal(out[0], 1);
  assert_int_equal(out[1], 1);
  assert_int_equal(out[2], 0);
}

/* ---- Barrier ---- */

static lt_barrier *bar;

static int bar_waiter(void *arg, void **result) {
  int i = (int)(intptr_t)arg;
  int rc = lt_barrier_wait(bar);
  if (rc >= 0) logf_("w%d idx=%d", i, rc);
  if (rc == -EPIPE) logf_("w%d broken", i);
  if (rc == -ECANCELED) logf_("w%d cancelled", i);
  return rc == -ECANCELED ? rc : 0;
}

static void spawn_range(lt_task **ts, int from, int to) {
  for (int i = from; i < to; i++) ts[i] = lt_spawn(bar_waiter, (void *)(intptr_t)i);
}

static void join(lt_task **ts, int n) {
  for (int i = 0; i < n; i++) {
    lt_await(ts[i], NULL);
    lt_task_release(ts[i]);
  }
}

static int barrier_main(void *arg, void **result) {
  bar = lt_barrier_new(3);
  lt_task *ts[6];
  spawn_range(ts, 0, 3);
  lt_yield();
  logf_("n_waiting=%u", lt_barrier_n_waiting(bar));
  join(ts, 3);
  spawn_range(ts, 0, 4);
  for (int i = 0; i < 6; i++) lt_yield();
  logf_("n_waiting=%u", lt_barrier_n_waiting(bar));
  spawn_range(ts, 4, 6);
  join(ts, 6);
  spawn_range(ts, 0, 2);
  lt_yield();
  lt_barrier_reset(bar);
  logf_("reset");
  join(ts, 2);
  logf_("n_waiting=%u broken=%d", lt_barrier_n_waiting(bar), lt_barrier_broken(bar));
  spawn_range(ts, 0, 2);
  lt_yield();
  lt_task_cancel(ts[0]);
  lt_yield();
  logf_("n_waiting=%u", lt_barrier_n_waiting(bar));
  lt_barrier_abort(bar);
  join(ts, 2);
  bar_waiter((void *)9, NULL);
  logf_("broken=%d parties=%u", lt_barrier_broken(bar), lt_barrier_parties(bar));
  lt_barrier_free(bar);
  return 0;
}

static void test_barrier_as_cpython(void **state) {
  assert_int_equal(run_watched(barrier_main, NULL), 0);
  LOG_EXPECT("w2 idx=2", "n_waiting=0", "w0 idx=0", "w1 idx=1", "w2 idx=2", "w0 idx=0",
             "w1 idx=1", "n_waiting=1", "w5 idx=2", "w3 idx=0", "w4 idx=1", "reset", "w0 broken",
             "w1 broken", "n_waiting=0 broken=0", "w0 cancelled", "n_waiting=1", "w1 broken",
             "w9 broken", "broken=1 parties=3");
}

static int bad_main(void *arg, void **result) {
  int *e = arg;
  *e = lt_barrier_new(0) == NULL ? errno : 0;
  return 0;
}

static void test_barrier_of_no_parties_is_an_error(void **state) {
  int e = 0;
  assert_int_equal(run_watched(bad_main, &e), 0);
  assert_int_equal(e, EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_condition_and_bounded_semaphore_as_cpython),
      cmocka_unit_test(test_condition_over_a_given_lock),
      cmocka_unit_test(test_barrier_as_cpython),
      cmocka_unit_test(test_barrier_of_no_parties_is_an_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_cpython_locks.c: ports of the ordering cases of CPython 3.11's
 * Lib/test/test_asyncio/test_locks.py (LockTests, EventTests, SemaphoreTests) onto lt_lock,
 * lt_event and lt_semaphore: each test is named after the CPython test it mirrors and checks
 * the same order, step for step (an `await asyncio.sleep(0)` there is an lt_yield here). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "looptrace.h"
#include "task_harness.h"

static lt_lock *lock;
static lt_event *ev;
static lt_semaphore *sem;
static rec result;

/* cN(result): `if await lock.acquire(): result.append(N)`, or the same on the semaphore. */
static int lock_c(void *arg, void **res) {
  if (lt_lock_acquire(lock) == 0) rec_add(&result, INT(arg));
  *res = ITEM(1);
  return 0;
}

static int sem_c(void *arg, void **res) {
  int rc = lt_semaphore_acquire(sem);
  if (rc < 0) return rc;
  rec_add(&result, INT(arg));
  *res = ITEM(1);
  return 0;
}

static int event_c(void *arg, void **res) {
  if (lt_event_wait(ev) == 0) rec_add(&result, INT(arg));
  *res = ITEM(1);
  return 0;
}

static void setup_all(void) {
  result.n = 0;
}

/* ---- LockTests ---- */

static int lock_acquire_main(void *arg, void **res) {
  lock = lt_lock_new();
  CHECK(lt_lock_acquire(lock) == 0);
  lt_task *t1 = lt_spawn(lock_c, ITEM(1)), *t2 = lt_spawn(lock_c, ITEM(2));
  lt_yield();
  CHECK(result.n == 0);
  lt_lock_release(lock);
  lt_yield();
  CHECK(result.n == 1 && result.v[0] == 1);
  lt_yield();
  CHECK(result.n == 1);
  lt_task *t3 = lt_spawn(lock_c, ITEM(3));
  lt_lock_release(lock);
  lt_yield();
  CHECK(result.n == 2 && result.v[1] == 2);
  lt_lock_release(lock);
  lt_yield();
  CHECK(result.n == 3 && result.v[2] == 3);
  CHECK(lt_task_done(t1) && lt_task_done(t2) && lt_task_done(t3));
  lt_task *ts[] = {t1, t2, t3};
  join_all(ts, 3);
  lt_lock_free(lock);
  return 0;
}

/* LockTests.test_acquire */
static void LockTests_test_acquire(void **state) {
  setup_all();
  run_main(lock_acquire_main, NULL);
}

static int acquire_task(void *arg, void **res) { return lt_lock_acquire(lock); }
static void cancel_cb(void *arg) { lt_task_cancel(arg); }

static int lock_acquire_cancel_main(void *arg, void **res) {
  lock = lt_lock_new();
  CHECK(lt_lock_acquire(lock) == 0);
  lt_task *task = lt_spawn(acquire_task, NULL);
  lt_call_soon(cancel_cb, task);
  CHECK(lt_await(task, NULL) == -ECANCELED);
  /* no waiter left: a release leaves the lock free, nobody takes it */
  lt_lock_release(lock);
  lt_yield();
  CHECK(!lt_lock_locked(lock));
  lt_task_release(task);
  lt_lock_free(lock);
  return 0;
}

/* LockTests.test_acquire_cancel */
static void LockTests_test_acquire_cancel(void **state) {
  run_main(lock_acquire_cancel_main, NULL);
}

/* lockit(name, blocker): acquire; await blocker if any; release. */
static int lockit(void *arg, void **res) {
  int rc = lt_lock_acquire(lock);
  if (rc < 0) return rc;
  if (arg) rc = lt_await((lt_future *)arg, NULL);
  lt_lock_release(lock);
  return rc;
}

static int cancel_race_main(void *arg, void **res) {
  lock = lt_lock_new();
  lt_future *fa = lt_future_new();
  lt_task *ta = lt_spawn(lockit, fa);
  lt_yield();
  CHECK(lt_lock_locked(lock));
  lt_task *tb = lt_spawn(lockit, NULL);
  lt_yield();
  lt_task *tc = lt_spawn(lockit, NULL);
  lt_yield();
  lt_future_set_result(fa, NULL);
  lt_task_cancel(tb);
  lt_yield();
  CHECK(!lt_lock_locked(lock));
  CHECK(lt_task_done(ta));
  CHECK(lt_task_cancelled(tb));
  CHECK(lt_await(tc, NULL) == 0);
  lt_task *ts[] = {ta, tb, tc};
  join_all(ts, 3);
  lt_future_release(fa);
  lt_lock_free(lock);
  return 0;
}

/* LockTests.test_cancel_race */
static void LockTests_test_cancel_race(void **state) {
  run_main(cancel_race_main, NULL);
}

static int lock_count, call_count;
static lt_task *race_t1;

static int lockit_count(void *arg, void **res) {
  call_count++;
  int rc = lt_lock_acquire(lock);
  if (rc < 0) return rc;
  lock_count++;
  return 0;
}

static void trigger(void *arg) {
  lt_task_cancel(race_t1);
  lt_lock_release(lock);
}

static int cancel_release_race_main(void *arg, void **res) {
  lock = lt_lock_new();
  lock_count = call_count = 0;
  lt_lock_acquire(lock);
  race_t1 = lt_spawn(lockit_count, NULL);
  lt_task *t2 = lt_spawn(lockit_count, NULL), *t3 = lt_spawn(lockit_count, NULL);
  lt_yield();
  lt_call_soon(trigger, NULL);
  CHECK(lt_await(race_t1, NULL) == -ECANCELED);
  CHECK(lock_count == 1); /* only one lock was taken */
  CHECK(call_count == 3);
  CHECK(lt_task_cancelled(race_t1) && lt_task_done(t2));
  lt_task_cancel(t3);
  lt_yield();
  CHECK(lt_task_cancelled(t3));
  lt_task *ts[] = {race_t1, t2, t3};
  join_all(ts, 3);
  lt_lock_free(lock);
  return 0;
}

/* LockTests.test_cancel_release_race (bpo-32734) */
static void LockTests_test_cancel_release_race(void **state) {
  run_main(cancel_release_race_main, NULL);
}

static int finished_waiter_cancelled_main(void *arg, void **res) {
  lock = lt_lock_new();
  lt_lock_acquire(lock);
  CHECK(lt_lock_locked(lock));
  lt_task *tb = lt_spawn(acquire_task, NULL);
  lt_yield();
  /* a second waiter; wake the first and cancel it: the second must get the lock */
  lt_task *tc = lt_spawn(acquire_task, NULL);
  lt_task_cancel(tb);
  lt_lock_release(lock);
  lt_yield();
  CHECK(lt_lock_locked(lock));
  CHECK(lt_task_cancelled(tb));
  CHECK(lt_await(tc, NULL) == 0);
  lt_task *ts[] = {tb, tc};
  join_all(ts, 2);
  lt_lock_free(lock);
  return 0;
}

/* LockTests.test_finished_waiter_cancelled */
static void LockTests_test_finished_waiter_cancelled(void **state) {
  run_main(finished_waiter_cancelled_main, NULL);
}

/* ---- EventTests ---- */

static int event_wait_main(void *arg, void **res) {
  ev = lt_event_new();
  CHECK(!lt_event_is_set(ev));
  lt_task *t1 = lt_spawn(event_c, ITEM(1)), *t2 = lt_spawn(event_c, ITEM(2));
  lt_yield();
  CHECK(result.n == 0);
  lt_task *t3 = lt_spawn(event_c, ITEM(3));
  lt_event_set(ev);
  lt_yield();
  /* t3 had not started: it finds the event set and never waits; then t1, t2 in order */
  CHECK(result.n == 3 && result.v[0] == 3 && result.v[1] == 1 && result.v[2] == 2);
  lt_task *ts[] = {t1, t2, t3};
  join_all(ts, 3);
  lt_event_free(ev);
  return 0;
}

/* EventTests.test_wait */
static void EventTests_test_wait(void **state) {
  setup_all();
  run_main(event_wait_main, NULL);
}

static int wait_event(void *arg, void **res) { return lt_event_wait(ev); }

static int event_wait_cancel_main(void *arg, void **res) {
  ev = lt_event_new();
  lt_task *wait = lt_spawn(wait_event, NULL);
  lt_call_soon(cancel_cb, wait);
  CHECK(lt_await(wait, NULL) == -ECANCELED);
  lt_event_set(ev); /* wakes nobody: the cancelled waiter left */
  lt_task_release(wait);
  lt_event_free(ev);
  return 0;
}

/* EventTests.test_wait_cancel */
static void EventTests_test_wait_cancel(void **state) {
  run_main(event_wait_cancel_main, NULL);
}

static int clear_with_waiters_main(void *arg, void **res) {
  ev = lt_event_new();
  lt_task *t = lt_spawn(event_c, ITEM(1));
  lt_yield();
  CHECK(result.n == 0);
  lt_event_set(ev);
  lt_event_clear(ev);
  CHECK(!lt_event_is_set(ev));
  lt_event_set(ev);
  lt_event_set(ev);
  lt_yield();
  CHECK(result.n == 1 && result.v[0] == 1); /* woken once, by the first set */
  CHECK(lt_task_done(t));
  void *v = NULL;
  CHECK(lt_task_result(t, &v) == 0 && INT(v) == 1);
  lt_task_release(t);
  lt_event_free(ev);
  return 0;
}

/* EventTests.test_clear_with_waiters */
static void EventTests_test_clear_with_waiters(void **state) {
  setup_all();
  run_main(clear_with_waiters_main, NULL);
}

/* ---- SemaphoreTests ---- */

static int sem_acquire_main(void *arg, void **res) {
  sem = lt_semaphore_new(3);
  CHECK(lt_semaphore_acquire(sem) == 0);
  CHECK(lt_semaphore_acquire(sem) == 0);
  CHECK(!lt_semaphore_locked(sem));
  lt_task *t[4];
  for (int i = 0; i < 3; i++) t[i] = lt_spawn(sem_c, ITEM(i + 1));
  lt_yield();
  CHECK(result.n == 1 && result.v[0] == 1);
  CHECK(lt_semaphore_locked(sem) && lt_semaphore_value(sem) == 0);
  t[3] = lt_spawn(sem_c, ITEM(4));
  lt_semaphore_release(sem);
  lt_semaphore_release(sem);
  CHECK(lt_semaphore_value(sem) == 0);
  lt_yield();
  CHECK(lt_semaphore_value(sem) == 0);
  CHECK(result.n == 3);
  CHECK(lt_semaphore_locked(sem));
  CHECK(lt_task_done(t[0]));
  int done = 0;
  for (int i = 1; i < 4; i++) done += lt_task_done(t[i]);
  CHECK(done == 2);
  lt_semaphore_release(sem);
  join_all(t, 4);
  lt_semaphore_free(sem);
  return 0;
}

/* SemaphoreTests.test_acquire */
static void SemaphoreTests_test_acquire(void **state) {
  setup_all();
  run_main(sem_acquire_main, NULL);
}

static int sem_acquire_task(void *arg, void **res) { return lt_semaphore_acquire(sem); }

static int cancel_before_awoken_main(void *arg, void **res) {
  sem = lt_semaphore_new(0);
  lt_task *t[4];
  for (int i = 0; i < 4; i++) t[i] = lt_spawn(sem_acquire_task, NULL);
  lt_yield();
  lt_task_cancel(t[0]);
  lt_task_cancel(t[1]);
  lt_semaphore_release(sem);
  lt_yield();
  lt_yield();
  CHECK(lt_task_done(t[2]) + lt_task_done(t[3]) == 1);
  CHECK(lt_task_done(t[2]) && !lt_task_done(t[3]));
  lt_task_cancel(t[2]);
  lt_task_cancel(t[3]);
  lt_yield();
  join_all(t, 4);
  lt_semaphore_free(sem);
  return 0;
}

/* SemaphoreTests.test_acquire_cancel_before_awoken */
static void SemaphoreTests_test_acquire_cancel_before_awoken(void **state) {
  run_main(cancel_before_awoken_main, NULL);
}

static int acquire_hang_main(void *arg, void **res) {
  sem = lt_semaphore_new(0);
  lt_task *t1 = lt_spawn(sem_acquire_task, NULL), *t2 = lt_spawn(sem_acquire_task, NULL);
  lt_yield();
  lt_task_cancel(t1);
  lt_semaphore_release(sem);
  lt_yield();
  lt_yield();
  CHECK(lt_semaphore_locked(sem));
  CHECK(lt_task_done(t2)); /* the permit went on to t2 */
  lt_task *ts[] = {t1, t2};
  join_all(ts, 2);
  lt_semaphore_free(sem);
  return 0;
}

/* SemaphoreTests.test_acquire_hang */
static void SemaphoreTests_test_acquire_hang(void **state) {
  run_main(acquire_hang_main, NULL);
}

static lt_task *no_hang_t2;

static int no_hang_c1(void *arg, void **res) {
  lt_semaphore_acquire(sem);
  lt_yield();
  lt_semaphore_release(sem);
  lt_task_cancel(no_hang_t2);
  return 0;
}

static int no_hang_c2(void *arg, void **res) {
  int rc = lt_semaphore_acquire(sem);
  if (rc < 0) return rc;
  CHECK(!"c2 must not get the semaphore");
  lt_semaphore_release(sem);
  return 0;
}

static int acquire_no_hang_main(void *arg, void **res) {
  sem = lt_semaphore_new(1);
  lt_task *t1 = lt_spawn(no_hang_c1, NULL);
  no_hang_t2 = lt_spawn(no_hang_c2, NULL);
  lt_future *fs[] = {lt_task_future(t1), lt_task_future(no_hang_t2)};
  int errs[2];
  CHECK(lt_gather(fs, 2, NULL, errs, LT_GATHER_RETURN_ERRORS) == 0);
  CHECK(errs[0] == 0 && errs[1] == -ECANCELED);
  /* the permit is free again: wait_for(sem.acquire(), 1.0) succeeds */
  CHECK(lt_semaphore_value(sem) == 1);
  lt_task *a = lt_spawn(sem_acquire_task, NULL);
  CHECK(lt_wait_for(a, LT_SEC(1), NULL) == 0);
  lt_task *ts[] = {t1, no_hang_t2, a};
  join_all(ts, 3);
  lt_semaphore_free(sem);
  return 0;
}

/* SemaphoreTests.test_acquire_no_hang */
static void SemaphoreTests_test_acquire_no_hang(void **state) {
  run_main(acquire_no_hang_main, NULL);
}

/* coro(tag): acquire, record tag_1, sleep 10 ms, release; again for tag_2. */
static int fifo_coro(void *arg, void **res) {
  for (int round = 1; round <= 2; round++) {
    int rc = lt_semaphore_acquire(sem);
    if (rc < 0) return rc;
    rec_add(&result, 10 * INT(arg) + round);
    lt_sleep(LT_MSEC(10));
    lt_semaphore_release(sem);
  }
  return 0;
}

static int fifo_order_main(void *arg, void **res) {
  sem = lt_semaphore_new(1);
  lt_taskgroup *tg = lt_taskgroup_new();
  for (int i = 1; i <= 3; i++) lt_task_release(lt_taskgroup_spawn(tg, fifo_coro, ITEM(i)));
  CHECK(lt_taskgroup_end(tg, 0) == 0);
  lt_taskgroup_free(tg);
  lt_semaphore_free(sem);
  return 0;
}

/* SemaphoreTests.test_acquire_fifo_order */
static void SemaphoreTests_test_acquire_fifo_order(void **state) {
  setup_all();
  run_main(fifo_order_main, NULL);
  int want[] = {11, 21, 31, 12, 22, 32}; /* c1_1 c2_1 c3_1 c1_2 c2_2 c3_2 */
  assert_rec(&result, want, 6);
}

static int fifo2_c2(void *arg, void **res) {
  lt_semaphore_acquire(sem);
  rec_add(&result, 2);
  lt_semaphore_release(sem);
  lt_semaphore_acquire(sem);
  rec_add(&result, 4);
  return 0;
}

static int fifo_order_2_main(void *arg, void **res) {
  sem = lt_semaphore_new(1);
  lt_task *t[] = {lt_spawn(sem_c, ITEM(1)), lt_spawn(fifo2_c2, NULL), lt_spawn(sem_c, ITEM(3))};
  lt_yield();
  lt_semaphore_release(sem);
  lt_semaphore_release(sem);
  lt_future *fs[] = {lt_task_future(t[0]), lt_task_future(t[1]), lt_task_future(t[2])};
  CHECK(lt_gather(fs, 3, NULL, NULL, 0) == 0);
  join_all(t, 3);
  lt_semaphore_free(sem);
  return 0;
}

/* SemaphoreTests.test_acquire_fifo_order_2 */
static void SemaphoreTests_test_acquire_fifo_order_2(void **state) {
  setup_all();
  run_main(fifo_order_2_main, NULL);
  int want[] = {1, 2, 3, 4};
  assert_rec(&result, want, 4);
}

static int fifo_order_3_main(void *arg, void **res) {
  sem = lt_semaphore_new(0);
  lt_task *t[3];
  for (int i = 0; i < 3; i++) t[i] = lt_spawn(sem_c, ITEM(i + 1));
  lt_yield();
  lt_task_cancel(t[0]);
  lt_yield();
  lt_semaphore_release(sem);
  lt_semaphore_release(sem);
  lt_future *fs[] = {lt_task_future(t[0]), lt_task_future(t[1]), lt_task_future(t[2])};
  int errs[3];
  lt_gather(fs, 3, NULL, errs, LT_GATHER_RETURN_ERRORS);
  CHECK(errs[0] == -ECANCELED && errs[1] == 0 && errs[2] == 0);
  join_all(t, 3);
  lt_semaphore_free(sem);
  return 0;
}

/* SemaphoreTests.test_acquire_fifo_order_3 */
static void SemaphoreTests_test_acquire_fifo_order_3(void **state) {
  setup_all();
  run_main(fifo_order_3_main, NULL);
  int want[] = {2, 3};
  assert_rec(&result, want, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(LockTests_test_acquire),
      cmocka_unit_test(LockTests_test_acquire_cancel),
      cmocka_unit_test(LockTests_test_cancel_race),
      cmocka_unit_test(LockTests_test_cancel_release_race),
      cmocka_unit_test(LockTests_test_finished_waiter_cancelled),
      cmocka_unit_test(EventTests_test_wait),
      cmocka_unit_test(EventTests_test_wait_cancel),
      cmocka_unit_test(EventTests_test_clear_with_waiters),
      cmocka_unit_test(SemaphoreTests_test_acquire),
      cmocka_unit_test(SemaphoreTests_test_acquire_cancel_before_awoken),
      cmocka_unit_test(SemaphoreTests_test_acquire_hang),
      cmocka_unit_test(SemaphoreTests_test_acquire_no_hang),
      cmocka_unit_test(SemaphoreTests_test_acquire_fifo_order),
      cmocka_unit_test(SemaphoreTests_test_acquire_fifo_order_2),
      cmocka_unit_test(SemaphoreTests_test_acquire_fifo_order_3),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

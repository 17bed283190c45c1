/* test_sync.c: lt_event, lt_lock and lt_semaphore as a user relies on them: FIFO wake order,
 * an event waking every waiter, cancellation of a waiter passing the lock / permit on exactly
 * where CPython 3.11 does, fairness of the fast paths, and misuse returning errors. Tasks only
 * record what they saw; the cmocka assertions run once lt_run has returned. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>

#include "looptrace.h"

/* ---- recording from inside tasks ---- */

#include "task_harness.h"

typedef struct ctx ctx;
typedef struct warg {
  ctx *c;
  int id;
} warg;

struct ctx {
  lt_event *e;
  lt_lock *l;
  lt_semaphore *s;
  rec r;
  int rc[8];
  int inside, max_inside;
  int64_t t_end;
  unsigned value_seen;
  bool locked_seen;
};

/* ---- Event ---- */

static int event_waiter(void *arg, void **res) {
  warg *a = arg;
  a->c->rc[a->id] = lt_event_wait(a->c->e);
  rec_add(&a->c->r, a->id);
  return 0;
}

static int event_main(void *arg, void **res) {
  ctx *c = arg;
  c->e = lt_event_new();
  CHECK(c->e && !lt_event_is_set(c->e));
  warg a[4];
  lt_task *ts[4];
  for (int i = 0; i < 4; i++) {
    a[i] = (warg){c, i};
    ts[i] = lt_spawn(event_waiter, &a[i]);
  }
  lt_yield();
  CHECK(c->r.n == 0); /* every waiter is parked */
  lt_event_set(c->e);
  CHECK(lt_event_is_set(c->e));
  join_all(ts, 4);
  /* Already set: the wait returns without suspending, before a task spawned earlier runs. */
  warg late = {c, 5};
  lt_task *t = lt_spawn(event_waiter, &late);
  CHECK(lt_event_wait(c->e) == 0);
  rec_add(&c->r, 9);
  join_all(&t, 1);
  /* Cleared: waits block again until the next set. */
  lt_event_clear(c->e);
  CHECK(!lt_event_is_set(c->e));
  t = lt_spawn(event_waiter, &a[0]);
  lt_yield();
  lt_yield();
  CHECK(c->r.n == 6);
  lt_event_set(c->e);
  join_all(&t, 1);
  lt_event_free(c->e);
  return 0;
}

static void test_event_set_wakes_every_waiter_in_order(void **state) {
  ctx c = {0};
  run_main(event_main, &c);
  assert_rec(&c.r, (int[]){0, 1, 2, 3, 9, 5, 0}, 7);
  for (int i = 0; i < 6; i++) assert_int_equal(c.rc[i], 0);
}

static int event_cancel_main(void *arg, void **res) {
  ctx *c = arg;
  c->e = lt_event_new();
  warg a[3];
  lt_task *ts[3];
  for (int i = 0; i < 3; i++) {
    a[i] = (warg){c, i};
    ts[i] = lt_spawn(event_waiter, &a[i]);
  }
  lt_yield();
  lt_task_cancel(ts[1]);
  lt_yield(); /* the cancelled waiter leaves before the event is set */
  lt_event_set(c->e);
  join_all(ts, 3);
  lt_event_free(c->e);
  return 0;
}

static void test_event_cancelled_waiter_gets_ecanceled(void **state) {
  ctx c = {0};
  run_main(event_cancel_main, &c);
  assert_rec(&c.r, (int[]){1, 0, 2}, 3);
  assert_int_equal(c.rc[0], 0);
  assert_int_equal(c.rc[1], -ECANCELED);
  assert_int_equal(c.rc[2], 0);
}

/* ---- Lock ---- */

/* Acquires, records its id, holds the lock across a 1 ms sleep, releases. */
static int lock_worker(void *arg, void **res) {
  warg *a = arg;
  ctx *c = a->c;
  int rc = lt_lock_acquire(c->l);
  c->rc[a->id] = rc;
  if (rc != 0) return 0;
  rec_add(&c->r, a->id);
  if (++c->inside > c->max_inside) c->max_inside = c->inside;
  lt_sleep(LT_MSEC(1));
  c->inside--;
  CHECK(lt_lock_release(c->l) == 0);
  return 0;
}

static int lock_fifo_main(void *arg, void **res) {
  ctx *c = arg;
  c->l = lt_lock_new();
  CHECK(lt_lock_acquire(c->l) == 0 && lt_lock_locked(c->l));
  warg a[5];
  lt_task *ts[5];
  for (int i = 0; i < 5; i++) {
    a[i] = (warg){c, i};
    ts[i] = lt_spawn(lock_worker, &a[i]);
  }
  lt_yield();
  CHECK(c->r.n == 0);
  CHECK(lt_lock_release(c->l) == 0);
  join_all(ts, 5);
  c->t_end = lt_now();
  c->locked_seen = lt_lock_locked(c->l);
  lt_lock_free(c->l);
  return 0;
}

static void test_lock_waiters_acquire_in_fifo_order_one_at_a_time(void **state) {
  ctx c = {0};
  run_main(lock_fifo_main, &c);
  assert_rec(&c.r, (int[]){0, 1, 2, 3, 4}, 5);
  assert_int_equal(c.max_inside, 1);
  assert_int_equal(c.t_end, LT_MSEC(5));
  assert_false(c.locked_seen);
}

static int lock_fair_main(void *arg, void **res) {
  ctx *c = arg;
  c->l = lt_lock_new();
  lt_lock_acquire(c->l);
  warg a = {c, 1};
  lt_task *t = lt_spawn(lock_worker, &a);
  lt_yield();
  lt_lock_release(c->l);
  /* The waiter takes the lock when it resumes, not at release... */
  c->locked_seen = lt_lock_locked(c->l);
  /* ...yet a newcomer may not jump the queue: it waits behind the woken waiter. */
  CHECK(lt_lock_acquire(c->l) == 0);
  rec_add(&c->r, 9);
  CHECK(lt_lock_release(c->l) == 0);
  join_all(&t, 1);
  lt_lock_free(c->l);
  return 0;
}

static void test_lock_newcomer_does_not_jump_woken_waiter(void **state) {
  ctx c = {0};
  run_main(lock_fair_main, &c);
  assert_false(c.locked_seen);
  assert_rec(&c.r, (int[]){1, 9}, 2);
}

static int lock_cancel_main(void *arg, void **res) {
  ctx *c = arg;
  c->l = lt_lock_new();
  warg a[5];
  lt_task *ts[5];
  for (int i = 0; i < 5; i++) a[i] = (warg){c, i};
  /* A waiter cancelled while queued: the lock goes to the next one. */
  lt_lock_acquire(c->l);
  for (int i = 0; i < 3; i++) ts[i] = lt_spawn(lock_worker, &a[i]);
  lt_yield();
  lt_task_cancel(ts[0]);
  lt_lock_release(c->l);
  join_all(ts, 3);
  /* A waiter handed the lock and cancelled before it resumed: it passes the lock on. */
  lt_lock_acquire(c->l);
  ts[3] = lt_spawn(lock_worker, &a[3]);
  ts[4] = lt_spawn(lock_worker, &a[4]);
  lt_yield();
  lt_lock_release(c->l);
  lt_task_cancel(ts[3]);
  join_all(ts + 3, 2);
  c->locked_seen = lt_lock_locked(c->l);
  /* All waiters gone: the fast path applies again. */
  CHECK(lt_lock_acquire(c->l) == 0);
  lt_lock_free(c->l);
  return 0;
}

static void test_lock_cancelled_waiter_passes_lock_on(void **state) {
  ctx c = {0};
  run_main(lock_cancel_main, &c);
  assert_int_equal(c.rc[0], -ECANCELED);
  assert_int_equal(c.rc[1], 0);
  assert_int_equal(c.rc[2], 0);
  assert_int_equal(c.rc[3], -ECANCELED);
  assert_int_equal(c.rc[4], 0);
  assert_rec(&c.r, (int[]){1, 2, 4}, 3);
  assert_false(c.locked_seen);
}

/* The lock is freed by its user while a task still waits on it: the waiter keeps it alive. */
static int lock_free_waited_main(void *arg, void **res) {
  ctx *c = arg;
  c->l = lt_lock_new();
  lt_lock_acquire(c->l);
  warg a = {c, 0};
  lt_task *t = lt_spawn(lock_worker, &a);
  lt_yield();
  lt_lock_free(c->l);
  lt_task_cancel(t);
  join_all(&t, 1);
  return 0;
}

static void test_lock_freed_while_waited_on(void **state) {
  ctx c = {0};
  run_main(lock_free_waited_main, &c);
  assert_int_equal(c.rc[0], -ECANCELED);
}

/* ---- misuse ---- */

typedef struct misuse {
  lt_lock *l;
  lt_semaphore *s;
  lt_event *e;
  int cb_lock, cb_sem, cb_event;
  int thread_release, thread_acquire;
  int release_unlocked, null_acquire;
  bool locked_after;
} misuse;

static void from_callback(void *arg) {
  misuse *m = arg;
  m->cb_lock = lt_lock_acquire(m->l);
  m->cb_sem = lt_semaphore_acquire(m->s);
  m->cb_event = lt_event_wait(m->e);
}

static void *from_thread(void *arg) {
  misuse *m = arg;
  m->thread_release = lt_lock_release(m->l);
  m->thread_acquire = lt_lock_acquire(m->l);
  lt_semaphore_release(m->s); /* refused: the value stays */
  lt_event_set(m->e);         /* refused */
  return NULL;
}

static int misuse_main(void *arg, void **res) {
  misuse *m = arg;
  m->l = lt_lock_new();
  m->s = lt_semaphore_new(1);
  m->e = lt_event_new();
  m->release_unlocked = lt_lock_release(m->l);
  m->null_acquire = lt_lock_acquire(NULL);
  lt_call_soon(from_callback, m);
  lt_yield();
  CHECK(lt_lock_acquire(m->l) == 0);
  pthread_t th;
  CHECK(pthread_create(&th, NULL, from_thread, m) == 0);
  pthread_join(th, NULL);
  m->locked_after = lt_lock_locked(m->l);
  CHECK(lt_semaphore_value(m->s) == 1);
  CHECK(!lt_event_is_set(m->e));
  /* Not freed on purpose: lt_run frees what is left (LeakSanitizer checks it). */
  return 0;
}

static void test_misuse_returns_errors(void **state) {
  misuse m = {0};
  run_main(misuse_main, &m);
  assert_int_equal(m.release_unlocked, -EPERM);
  assert_int_equal(m.null_acquire, -EINVAL);
  assert_int_equal(m.cb_lock, -EPERM);
  assert_int_equal(m.cb_sem, -EPERM);
  assert_int_equal(m.cb_event, -EPERM);
  assert_int_equal(m.thread_release, -EPERM);
  assert_int_equal(m.thread_acquire, -EPERM);
  assert_true(m.locked_after);
  /* No loop on this thread at all. */
  errno = 0;
  assert_null(lt_lock_new());
  assert_int_equal(errno, EPERM);
  assert_null(lt_semaphore_new(1));
  assert_null(lt_event_new());
}

/* ---- Semaphore ---- */

static int sem_worker(void *arg, void **res) {
  warg *a = arg;
  ctx *c = a->c;
  int rc = lt_semaphore_acquire(c->s);
  c->rc[a->id] = rc;
  if (rc != 0) return 0;
  rec_add(&c->r, a->id);
  if (++c->inside > c->max_inside) c->max_inside = c->inside;
  lt_sleep(LT_MSEC(10));
  c->inside--;
  lt_semaphore_release(c->s);
  return 0;
}

static int sem_fifo_main(void *arg, void **res) {
  ctx *c = arg;
  c->s = lt_semaphore_new(2);
  warg a[5];
  lt_task *ts[5];
  for (int i = 0; i < 5; i++) {
    a[i] = (warg){c, i};
    ts[i] = lt_spawn(sem_worker, &a[i]);
  }
  join_all(ts, 5);
  c->t_end = lt_now();
  c->value_seen = lt_semaphore_value(c->s);
  c->locked_seen = lt_semaphore_locked(c->s);
  lt_semaphore_free(c->s);
  return 0;
}

static void test_semaphore_admits_value_at_a_time_in_fifo_order(void **state) {
  ctx c = {0};
  run_main(sem_fifo_main, &c);
  assert_rec(&c.r, (int[]){0, 1, 2, 3, 4}, 5);
  assert_int_equal(c.max_inside, 2);
  assert_int_equal(c.t_end, LT_MSEC(30));
  assert_int_equal(c.value_seen, 2);
  assert_false(c.locked_seen);
}

/* Acquires and records, without holding across a wait; releases only if told to. */
static int sem_taker(void *arg, void **res) {
  warg *a = arg;
  ctx *c = a->c;
  c->rc[a->id] = lt_semaphore_acquire(c->s);
  if (c->rc[a->id] == 0) rec_add(&c->r, a->id);
  if (c->rc[a->id] == 0 && a->id == 0) lt_semaphore_release(c->s);
  return 0;
}

static int sem_locked_main(void *arg, void **res) {
  ctx *c = arg;
  c->s = lt_semaphore_new(0);
  warg a = {c, 0};
  lt_task *t = lt_spawn(sem_taker, &a);
  lt_yield();
  lt_semaphore_release(c->s); /* handed to the waiter: the value stays 0 */
  CHECK(lt_semaphore_value(c->s) == 0);
  lt_semaphore_release(c->s);
  /* A permit is free, but a waiter that is not cancelled is still queued: locked. */
  c->value_seen = lt_semaphore_value(c->s);
  c->locked_seen = lt_semaphore_locked(c->s);
  CHECK(lt_semaphore_acquire(c->s) == 0); /* waits behind the woken waiter */
  rec_add(&c->r, 9);
  join_all(&t, 1);
  CHECK(lt_semaphore_value(c->s) == 1);
  CHECK(!lt_semaphore_locked(c->s));
  return 0;
}

static void test_semaphore_locked_while_uncancelled_waiters_queue(void **state) {
  ctx c = {0};
  run_main(sem_locked_main, &c);
  assert_int_equal(c.value_seen, 1);
  assert_true(c.locked_seen);
  assert_rec(&c.r, (int[]){0, 9}, 2);
}

static int sem_cancel_main(void *arg, void **res) {
  ctx *c = arg;
  c->s = lt_semaphore_new(0);
  warg a[5];
  lt_task *ts[5];
  for (int i = 0; i < 5; i++) a[i] = (warg){c, i + 1}; /* ids 1..5: none releases */
  /* Cancelled while still queued: the permit goes to the next waiter. */
  ts[0] = lt_spawn(sem_taker, &a[0]);
  ts[1] = lt_spawn(sem_taker, &a[1]);
  lt_yield();
  lt_task_cancel(ts[0]);
  lt_yield();
  lt_semaphore_release(c->s);
  join_all(ts, 2);
  CHECK(lt_semaphore_value(c->s) == 0);
  /* Handed a permit, then cancelled before resuming: it gives the permit back and wakes the
   * next waiter. */
  ts[2] = lt_spawn(sem_taker, &a[2]);
  ts[3] = lt_spawn(sem_taker, &a[3]);
  lt_yield();
  lt_semaphore_release(c->s);
  lt_task_cancel(ts[2]);
  join_all(ts + 2, 2);
  c->value_seen = lt_semaphore_value(c->s);
  return 0;
}

static void test_semaphore_cancelled_waiter_passes_permit_on(void **state) {
  ctx c = {0};
  run_main(sem_cancel_main, &c);
  assert_int_equal(c.rc[1], -ECANCELED);
  assert_int_equal(c.rc[2], 0);
  assert_int_equal(c.rc[3], -ECANCELED);
  assert_int_equal(c.rc[4], 0);
  assert_rec(&c.r, (int[]){2, 4}, 2);
  assert_int_equal(c.value_seen, 0);
}

/* 3.11's Semaphore.acquire wakes one more waiter (when a permit is left) as it returns or gives
 * a handed permit back; 3.12's wakes as many as the value allows. So a permit a cancelled
 * waiter gives back reaches the next waiter, and the one after only once that one resumed:
 * CPython 3.11 records [-1, 10, 2, 11, 3, 12] (the differential tester found it). */
static int sem_wake_one_main(void *arg, void **res) {
  ctx *c = arg;
  c->s = lt_semaphore_new(2);
  warg a[3];
  lt_task *ts[3];
  for (int i = 0; i < 3; i++) a[i] = (warg){c, i + 1};
  lt_semaphore_acquire(c->s);
  lt_semaphore_acquire(c->s); /* value 0 */
  ts[0] = lt_spawn(sem_taker, &a[0]);
  lt_yield(); /* A queues */
  ts[1] = lt_spawn(sem_taker, &a[1]); /* B and C are ready, not queued yet */
  ts[2] = lt_spawn(sem_taker, &a[2]);
  lt_semaphore_release(c->s); /* handed to A */
  lt_semaphore_release(c->s); /* value 1; B and C will queue behind A's permit */
  lt_task_cancel(ts[0]);      /* A gives its permit back as it resumes: value 2 */
  for (int i = 0; i < 3; i++) {
    lt_yield();
    rec_add(&c->r, 10 + i);
  }
  join_all(ts, 3);
  lt_semaphore_free(c->s);
  return 0;
}

static void test_semaphore_wakes_one_waiter_more_as_311_does(void **state) {
  ctx c = {0};
  run_main(sem_wake_one_main, &c);
  assert_int_equal(c.rc[1], -ECANCELED);
  assert_rec(&c.r, (int[]){10, 2, 11, 3, 12}, 5);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_event_set_wakes_every_waiter_in_order),
      cmocka_unit_test(test_event_cancelled_waiter_gets_ecanceled),
      cmocka_unit_test(test_lock_waiters_acquire_in_fifo_order_one_at_a_time),
      cmocka_unit_test(test_lock_newcomer_does_not_jump_woken_waiter),
      cmocka_unit_test(test_lock_cancelled_waiter_passes_lock_on),
      cmocka_unit_test(test_lock_freed_while_waited_on),
      cmocka_unit_test(test_misuse_returns_errors),
      cmocka_unit_test(test_semaphore_admits_value_at_a_time_in_fifo_order),
      cmocka_unit_test(test_semaphore_locked_while_uncancelled_waiters_queue),
      cmocka_unit_test(test_semaphore_cancelled_waiter_passes_permit_on),
      cmocka_unit_test(test_semaphore_wakes_one_waiter_more_as_311_does),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

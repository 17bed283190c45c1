/* sync.c: lt_event, lt_lock and lt_semaphore: asyncio.Event, Lock, Semaphore and
 * BoundedSemaphore of CPython 3.11.7 (Lib/asyncio/locks.py), with their FIFO fairness and
 * their cancellation rules. Each is a loop-owned object; a task waiting on one holds a
 * reference to it until its wait returns. */
#include <limits.h>
#include <stdlib.h>

#include "sync_int.h"

static void sync_destroy(lt__obj *o) {
  /* No deque is walked: a task waiting still holds a reference, and when the loop closes its
   * waiters are freed by the loop on their own. */
  free(o);
}

void *lt__sync_new(size_t size, const char *who) {
  lt_loop *loop = lt__loop_check(who);
  if (!loop) {
    errno = EPERM;
    return NULL;
  }
  sync_obj *s = calloc(1, size);
  if (!s) return NULL;
  lt__obj_register(loop, &s->obj, sync_destroy);
  s->loop = loop;
  return s;
}

void lt__sync_free(sync_obj *s, const char *who) {
  if (!s) return;
  if (lt__sync_check(s->loop, who) < 0) return;
  lt__obj_release(&s->obj);
}

bool lt__null_arg(const void *p, const char *who) {
  if (p) return false;
  lt__misuse("%s on NULL", who);
  return true;
}

/* ---- Event ---- */

struct lt_event {
  sync_obj base;
  lt__flag flag;
};

lt_event *lt_event_new(void) {
  lt_event *e = lt__sync_new(sizeof *e, "lt_event_new");
  if (e) lt__flag_init(&e->flag, false);
  return e;
}

void lt_event_free(lt_event *e) { lt__sync_free(e ? &e->base : NULL, "lt_event_free"); }

void lt_event_set(lt_event *e) {
  if (lt__null_arg(e, "lt_event_set") || lt__sync_check(e->base.loop, "lt_event_set") < 0) return;
  lt__flag_set(&e->flag);
}

void lt_event_clear(lt_event *e) {
  if (lt__null_arg(e, "lt_event_clear") || lt__sync_check(e->base.loop, "lt_event_clear") < 0)
    return;
  e->flag.set = false;
}

bool lt_event_is_set(const lt_event *e) { return e && e->flag.set; }

int lt_event_wait_at(lt_event *e, const lt_srcloc *site) {
  if (lt__null_arg(e, "lt_event_wait")) return -EINVAL;
  lt_task *t = lt__sync_task(e->base.loop, "lt_event_wait");
  if (!t) return -EPERM;
  lt__obj_retain(&e->base.obj);
  int rc = lt__flag_wait(t, e->base.loop, &e->flag, LT__WAIT_EVENT, site);
  lt__obj_release(&e->base.obj);
  return rc;
}

/* ---- Lock ---- */

lt_lock *lt_lock_new(void) {
  lt_lock *l = lt__sync_new(sizeof *l, "lt_lock_new");
  if (l) lt__list_init(&l->waiters);
  return l;
}

void lt_lock_free(lt_lock *l) { lt__sync_free(l ? &l->base : NULL, "lt_lock_free"); }

bool lt_lock_locked(const lt_lock *l) { return l && l->locked; }

/* Lock._wake_up_first: only the head is looked at. A head that is already done will either
 * take the lock or, cancelled, pass it on from its own acquire. */
static void lock_wake_first(lt_lock *l) {
  lt__waiter *w = lt__deque_first(&l->waiters);
  if (w && !lt__waiter_done(w)) lt__waiter_wake(w);
}

int lt_lock_acquire_at(lt_lock *l, const lt_srcloc *site) {
  if (lt__null_arg(l, "lt_lock_acquire")) return -EINVAL;
  lt_task *t = lt__sync_task(l->base.loop, "lt_lock_acquire");
  if (!t) return -EPERM;
  return lt__lock_acquire(l, t, LT__WAIT_LOCK, site);
}

int lt__lock_acquire(lt_lock *l, lt_task *t, lt__wait_reason reason, const lt_srcloc *site) {
  /* Fair: jump the queue only when every waiter in it was cancelled. */
  if (!l->locked && !lt__deque_any_uncancelled(&l->waiters)) {
    l->locked = true;
    return 0;
  }
  lt__waiter *w = lt__waiter_push(l->base.loop, &l->waiters);
  if (!w) return -ENOMEM;
  lt__obj_retain(&l->base.obj);
  int rc = lt__waiter_park(t, w, reason, site);
  lt__waiter_drop(w);
  if (rc == 0)
    l->locked = true; /* taken on resuming, not at release */
  else if (rc == -ECANCELED && !l->locked)
    lock_wake_first(l); /* we will not take it: let the next one run */
  lt__obj_release(&l->base.obj);
  return rc;
}

int lt_lock_release(lt_lock *l) {
  if (lt__null_arg(l, "lt_lock_release")) return -EINVAL;
  int rc = lt__sync_check(l->base.loop, "lt_lock_release");
  if (rc < 0) return rc;
  if (!l->locked) {
    lt__misuse("lt_lock_release on a lock that is not acquired");
    return -EPERM;
  }
  l->locked = false;
  lock_wake_first(l);
  return 0;
}

/* ---- Semaphore ---- */

struct lt_semaphore {
  sync_obj base;
  unsigned value;
  unsigned bound; /* BoundedSemaphore's initial value; 0: not bounded */
  lt__list waiters;
};

lt_semaphore *lt_semaphore_new(unsigned value) {
  lt_semaphore *s = lt__sync_new(sizeof *s, "lt_semaphore_new");
  if (s) {
    s->value = value;
    lt__list_init(&s->waiters);
  }
  return s;
}

lt_semaphore *lt_bounded_semaphore_new(unsigned value) {
  lt_semaphore *s = lt_semaphore_new(value);
  if (s && value == 0) {
    lt__misuse("lt_bounded_semaphore_new(0): a bounded semaphore of 0 can never be released");
    lt__obj_release(&s->base.obj);
    errno = EINVAL;
    return NULL;
  }
  if (s) s->bound = value;
  return s;
}

void lt_semaphore_free(lt_semaphore *s) { lt__sync_free(s ? &s->base : NULL, "lt_semaphore_free"); }

unsigned lt_semaphore_value(const lt_semaphore *s) { return s ? s->value : 0; }

/* Cannot be acquired at once: no permit, or FIFO says others go first. */
bool lt_semaphore_locked(const lt_semaphore *s) {
  if (!s) return false;
  return s->value == 0 || lt__deque_any_uncancelled(&s->waiters);
}

/* Semaphore._wake_up_next: hands a permit to the first waiter not done yet. */
static bool sem_wake_next(lt_semaphore *s) {
  if (!lt__deque_wake_first_pending(&s->waiters)) return false;
  s->value--;
  return true;
}

int lt_semaphore_acquire_at(lt_semaphore *s, const lt_srcloc *site) {
  if (lt__null_arg(s, "lt_semaphore_acquire")) return -EINVAL;
  lt_task *t = lt__sync_task(s->base.loop, "lt_semaphore_acquire");
  if (!t) return -EPERM;
  if (!lt_semaphore_locked(s)) {
    s->value--;
    return 0;
  }
  lt__waiter *w = lt__waiter_push(s->base.loop, &s->waiters);
  if (!w) return -ENOMEM;
  lt__obj_retain(&s->base.obj);
  int rc = lt__waiter_park(t, w, LT__WAIT_SEMAPHORE, site);
  bool handed = lt__waiter_done(w) && !lt__waiter_cancelled(w);
  lt__waiter_drop(w);
  /* 3.11's acquire wakes one waiter more: when cancelled after being handed a permit, it gives
   * the permit back and wakes the next; when it takes its permit and one is left, the next
   * too (3.12 wakes as many as the value allows). */
  if (rc == -ECANCELED) {
    if (handed) {
      s->value++;
      sem_wake_next(s);
    }
  } else if (s->value > 0) {
    sem_wake_next(s);
  }
  lt__obj_release(&s->base.obj);
  return rc;
}

int lt_semaphore_release(lt_semaphore *s) {
  if (lt__null_arg(s, "lt_semaphore_release")) return -EINVAL;
  if (lt__sync_check(s->base.loop, "lt_semaphore_release") < 0) return -EPERM;
  if (s->bound && s->value >= s->bound) { /* BoundedSemaphore's ValueError */
    lt__misuse("lt_semaphore_release: a bounded semaphore released too many times");
    return -EINVAL;
  }
  if (s->value == UINT_MAX) {
    lt__misuse("lt_semaphore_release: the value would overflow an unsigned");
    return -EOVERFLOW;
  }
  s->value++;
  sem_wake_next(s);
  return 0;
}

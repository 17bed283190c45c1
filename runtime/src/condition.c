/* condition.c: lt_condition, asyncio.Condition of CPython 3.11.7 (Lib/asyncio/locks.py): a
 * FIFO deque of waiter futures over a Lock; wait releases the lock, waits to be notified and
 * takes the lock again even when cancelled. lt__cond_* take the wait reason, so that a
 * Barrier built on a Condition records its waits as the barrier's. */
#include <stdlib.h>

#include "condition.h"

static void cond_destroy(lt__obj *o) {
  lt_condition *c = lt__container_of(o, lt_condition, base.obj);
  /* When the loop closes, every object is freed regardless of references: touch none. */
  if (!atomic_load(&c->base.loop->closing)) lt__obj_release(&c->lock->base.obj);
  free(c);
}

lt_condition *lt_condition_new(lt_lock *lock) {
  lt_loop *loop = lt__loop_check("lt_condition_new");
  if (!loop) {
    errno = EPERM;
    return NULL;
  }
  if (lock && lock->base.loop != loop) {
    lt__misuse("lt_condition_new with a lock of another loop");
    errno = EINVAL;
    return NULL;
  }
  lt_condition *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  if (lock) {
    lt__obj_retain(&lock->base.obj);
  } else if (!(lock = lt_lock_new())) {
    free(c);
    return NULL;
  }
  lt__obj_register(loop, &c->base.obj, cond_destroy);
  c->base.loop = loop;
  c->lock = lock;
  lt__list_init(&c->waiters);
  return c;
}

void lt_condition_free(lt_condition *c) {
  lt__sync_free(c ? &c->base : NULL, "lt_condition_free");
}

lt_lock *lt_condition_lock(lt_condition *c) { return c ? c->lock : NULL; }

int lt_condition_acquire_at(lt_condition *c, const lt_srcloc *site) {
  if (lt__null_arg(c, "lt_condition_acquire")) return -EINVAL;
  return lt_lock_acquire_at(c->lock, site);
}

int lt_condition_release(lt_condition *c) {
  if (lt__null_arg(c, "lt_condition_release")) return -EINVAL;
  return lt_lock_release(c->lock);
}

bool lt_condition_locked(const lt_condition *c) { return c && c->lock->locked; }

int lt__cond_wait(lt_condition *c, lt_task *t, lt__wait_reason reason, const lt_srcloc *site) {
  if (!c->lock->locked) {
    lt__misuse("lt_condition_wait on a condition whose lock is not acquired");
    return -EPERM;
  }
  lt__obj_retain(&c->base.obj);
  lt_lock_release(c->lock);
  int rc;
  lt__waiter *w = lt__waiter_push(c->base.loop, &c->waiters);
  if (w) {
    rc = lt__waiter_park(t, w, reason, site);
    lt__waiter_drop(w);
  } else {
    rc = -ENOMEM;
  }
  /* The lock is taken again whatever happened; a cancellation meanwhile is reported after. */
  int again;
  while ((again = lt__lock_acquire(c->lock, t, reason, site)) != 0) {
    if (again != -ECANCELED) break; /* out of memory: cannot wait for the lock */
    rc = -ECANCELED;
  }
  if (again < 0 && rc == 0) rc = again;
  lt__obj_release(&c->base.obj);
  return rc;
}

int lt__cond_wait_for(lt_condition *c, lt_task *t, bool (*pred)(void *), void *arg,
                      lt__wait_reason reason, const lt_srcloc *site) {
  int rc = 0;
  while (rc == 0 && !pred(arg)) rc = lt__cond_wait(c, t, reason, site);
  return rc;
}

static lt_task *cond_task(lt_condition *c, const char *who) {
  if (lt__null_arg(c, who)) return NULL;
  return lt__sync_task(c->base.loop, who);
}

int lt_condition_wait_at(lt_condition *c, const lt_srcloc *site) {
  lt_task *t = cond_task(c, "lt_condition_wait");
  if (!t) return c ? -EPERM : -EINVAL;
  return lt__cond_wait(c, t, LT__WAIT_CONDITION, site);
}

int lt_condition_wait_for_at(lt_condition *c, bool (*pred)(void *arg), void *arg,
                             const lt_srcloc *site) {
  lt_task *t = cond_task(c, "lt_condition_wait_for");
  if (!t) return c ? -EPERM : -EINVAL;
  if (!pred) {
    lt__misuse("lt_condition_wait_for without a predicate");
    return -EINVAL;
  }
  return lt__cond_wait_for(c, t, pred, arg, LT__WAIT_CONDITION, site);
}

void lt__cond_notify(lt_condition *c, size_t n) {
  size_t idx = 0;
  for (lt__list *l = c->waiters.next; l != &c->waiters && idx < n; l = l->next) {
    lt__waiter *w = lt__waiter_of(l);
    if (!lt__waiter_done(w)) {
      idx++;
      lt__waiter_wake(w);
    }
  }
}

int lt_condition_notify(lt_condition *c, size_t n) {
  if (lt__null_arg(c, "lt_condition_notify")) return -EINVAL;
  int rc = lt__sync_check(c->base.loop, "lt_condition_notify");
  if (rc < 0) return rc;
  if (!c->lock->locked) {
    lt__misuse("lt_condition_notify on a condition whose lock is not acquired");
    return -EPERM;
  }
  lt__cond_notify(c, n);
  return 0;
}

int lt_condition_notify_all(lt_condition *c) { return lt_condition_notify(c, SIZE_MAX); }

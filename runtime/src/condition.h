/* condition.h: private to condition.c and barrier.c: the Condition object and its wait and
 * notify with the wait reason the caller records (a Barrier's are the barrier's). */
#ifndef LT_CONDITION_INT_H
#define LT_CONDITION_INT_H

#include "sync_int.h"

struct lt_condition {
  sync_obj base;
  lt_lock *lock;    /* referenced */
  lt__list waiters; /* lt__waiter, FIFO */
};

/* Condition.wait for t: the lock must be held. 0, -ECANCELED, -EPERM. */
int lt__cond_wait(lt_condition *c, lt_task *t, lt__wait_reason reason, const lt_srcloc *site);
/* Condition.wait_for: 0 once pred(arg), or -ECANCELED. */
int lt__cond_wait_for(lt_condition *c, lt_task *t, bool (*pred)(void *), void *arg,
                      lt__wait_reason reason, const lt_srcloc *site);
/* Condition.notify(n) once the caller checked that the lock is held. */
void lt__cond_notify(lt_condition *c, size_t n);

#endif

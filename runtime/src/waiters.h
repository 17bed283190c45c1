/* waiters.h: private to sync.c and queue.c: the FIFO deques of waiter futures that Event, Lock,
 * Semaphore and Queue park tasks on (asyncio's `_waiters` deques), the owner/thread checks they
 * share, and the flag (the core of an Event) that Queue.join reuses. */
#ifndef LT_WAITERS_H
#define LT_WAITERS_H

#include "internal.h"

/* One waiting call's future. It is its own loop-owned object: the waiting call holds one
 * reference, and lt__task_park / scheduled done callbacks hold more while they need it. */
typedef struct lt__waiter {
  lt_future fut; /* first: what the task parks on */
  lt__list link; /* in a deque while queued; self-linked once removed */
} lt__waiter;

static inline lt__waiter *lt__waiter_of(lt__list *l) {
  return lt__container_of(l, lt__waiter, link);
}
static inline bool lt__waiter_done(const lt__waiter *w) {
  return w->fut.state != LT_FUTURE_PENDING;
}
static inline bool lt__waiter_cancelled(const lt__waiter *w) {
  return w->fut.state == LT_FUTURE_CANCELLED;
}
static inline bool lt__waiter_queued(const lt__waiter *w) { return w->link.next != &w->link; }

/* A new pending waiter appended to deque, or NULL (ENOMEM). */
lt__waiter *lt__waiter_push(lt_loop *loop, lt__list *deque);
/* Removes w from its deque if it is still there (deque.remove) and drops the caller's reference. */
void lt__waiter_drop(lt__waiter *w);
/* Parks t on w; 0 once woken, -ECANCELED when cancelled (or another error from the park). */
int lt__waiter_park(lt_task *t, lt__waiter *w, lt__wait_reason reason, const lt_srcloc *site);
/* fut.set_result(True) on a pending waiter. */
void lt__waiter_wake(lt__waiter *w);
/* fut.cancel() on a waiter that is still pending. */
void lt__waiter_cancel(lt__waiter *w);

/* The waiter at the head of deque, or NULL. */
lt__waiter *lt__deque_first(lt__list *deque);
/* any(not w.cancelled() for w in deque) */
bool lt__deque_any_uncancelled(const lt__list *deque);
/* Wakes the first waiter that is not done, leaving it queued; false when there was none. */
bool lt__deque_wake_first_pending(lt__list *deque);
/* Queue._wakeup_next: pops waiters until one is not done and wakes it. */
void lt__deque_pop_wake(lt__list *deque);

/* 0 when called on the thread running owner, else a misuse report and -EPERM. */
int lt__sync_check(lt_loop *owner, const char *who);
/* The current task when called from a task of owner, else a misuse report and NULL. */
lt_task *lt__sync_task(lt_loop *owner, const char *who);

/* An Event's state, without the object around it. */
typedef struct lt__flag {
  bool set;
  lt__list waiters;
} lt__flag;

void lt__flag_init(lt__flag *f, bool set);
/* Sets the flag and wakes every waiter that is not done yet. */
void lt__flag_set(lt__flag *f);
/* Returns 0 at once if set, else parks t until set: 0, or -ECANCELED. */
int lt__flag_wait(lt_task *t, lt_loop *loop, lt__flag *f, lt__wait_reason reason,
                  const lt_srcloc *site);

#endif

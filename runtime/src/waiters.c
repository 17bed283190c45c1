/* waiters.c: the waiter futures and FIFO deques shared by sync.c and queue.c, their owner
 * checks, and the flag that is an Event's core (see waiters.h). */
#include <stdlib.h>

#include "waiters.h"

/* A waiter is freed only once nobody refers to it; by then it has left its deque. When the
 * loop closes it is freed regardless, together with its deque's owner: touch neither. */
static void waiter_destroy(lt__obj *o) {
  lt__waiter *w = lt__container_of(o, lt__waiter, fut.obj);
  lt__future_fini(&w->fut);
  free(w);
}

lt__waiter *lt__waiter_push(lt_loop *loop, lt__list *deque) {
  lt__waiter *w = malloc(sizeof *w);
  if (!w) return NULL;
  lt__obj_register(loop, &w->fut.obj, waiter_destroy);
  lt__future_init(&w->fut, loop, &w->fut.obj);
  lt__future_traced(&w->fut); /* a real future in asyncio too: the trace shows who resolved it */
  lt__list_push_back(deque, &w->link);
  return w;
}

void lt__waiter_drop(lt__waiter *w) {
  if (lt__waiter_queued(w)) lt__list_remove(&w->link);
  lt__obj_release(&w->fut.obj);
}

int lt__waiter_park(lt_task *t, lt__waiter *w, lt__wait_reason reason, const lt_srcloc *site) {
  return lt__task_park(t, &w->fut, reason, NULL, site);
}

void lt__waiter_wake(lt__waiter *w) { lt__future_complete(&w->fut, LT_FUTURE_RESULT, 0, NULL); }

void lt__waiter_cancel(lt__waiter *w) {
  if (!lt__waiter_done(w)) lt__future_complete(&w->fut, LT_FUTURE_CANCELLED, -ECANCELED, NULL);
}

lt__waiter *lt__deque_first(lt__list *deque) {
  return lt__list_empty(deque) ? NULL : lt__waiter_of(deque->next);
}

bool lt__deque_any_uncancelled(const lt__list *deque) {
  for (lt__list *l = deque->next; l != deque; l = l->next)
    if (!lt__waiter_cancelled(lt__waiter_of(l))) return true;
  return false;
}

bool lt__deque_wake_first_pending(lt__list *deque) {
  for (lt__list *l = deque->next; l != deque; l = l->next) {
    lt__waiter *w = lt__waiter_of(l);
    if (!lt__waiter_done(w)) {
      lt__waiter_wake(w);
      return true;
    }
  }
  return false;
}

void lt__deque_pop_wake(lt__list *deque) {
  while (!lt__list_empty(deque)) {
    lt__waiter *w = lt__waiter_of(deque->next);
    lt__list_remove(&w->link);
    if (!lt__waiter_done(w)) {
      lt__waiter_wake(w);
      return;
    }
  }
}

/* ---- owner checks ---- */

int lt__sync_check(lt_loop *owner, const char *who) {
  lt_loop *loop = lt__loop_check(who);
  if (!loop) return -EPERM;
  if (loop != owner) {
    lt__misuse("%s called from a thread that does not run the object's loop", who);
    return -EPERM;
  }
  return 0;
}

lt_task *lt__sync_task(lt_loop *owner, const char *who) {
  if (lt__sync_check(owner, who) < 0) return NULL;
  return lt__task_check(who);
}

/* ---- the flag: asyncio.Event without the object ---- */

void lt__flag_init(lt__flag *f, bool set) {
  f->set = set;
  lt__list_init(&f->waiters);
}

void lt__flag_set(lt__flag *f) {
  if (f->set) return;
  f->set = true;
  for (lt__list *l = f->waiters.next; l != &f->waiters; l = l->next) {
    lt__waiter *w = lt__waiter_of(l);
    if (!lt__waiter_done(w)) lt__waiter_wake(w);
  }
}

int lt__flag_wait(lt_task *t, lt_loop *loop, lt__flag *f, lt__wait_reason reason,
                  const lt_srcloc *site) {
  if (f->set) return 0;
  lt__waiter *w = lt__waiter_push(loop, &f->waiters);
  if (!w) return -ENOMEM;
  int rc = lt__waiter_park(t, w, reason, site);
  lt__waiter_drop(w);
  return rc;
}

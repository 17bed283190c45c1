/* wait_for.c: lt_wait_for (asyncio.wait_for as of CPython 3.11): the caller parks on a waiter
 * future that either the awaited future's done callback (_release_waiter) or a timer resolves;
 * on a timeout, or when the caller is cancelled, the awaited future is cancelled and waited for
 * (_cancel_and_wait) so that it is not running once wait_for returns. */
#include <stdlib.h>

#include "twaiter.h"

typedef lt__twaiter waiter;

/* asyncio's _release_waiter, as a done callback of the awaited future. */
static void release_waiter(lt_future *f, void *arg) {
  (void)f;
  waiter *w = arg;
  lt__twaiter_release(w);
  lt__twaiter_drop(w);
}

static int watch(lt_future *f, waiter *w) {
  lt__obj_retain(&w->fut.obj);
  int rc = lt_future_add_done_callback(f, release_waiter, w);
  if (rc < 0) lt__twaiter_drop(w);
  return rc;
}

static void unwatch(lt_future *f, waiter *w) {
  int removed = lt_future_remove_done_callback(f, release_waiter, w);
  for (int i = 0; i < removed; i++) lt__twaiter_drop(w);
}

/* asyncio's _cancel_and_wait: cancel f and wait until it is done, through a waiter of our own
 * so that this wait stays cancellable. 0, or -ECANCELED when the caller was cancelled. */
static int cancel_and_wait(lt_task *t, lt_future *f, const lt_srcloc *site) {
  waiter *w = lt__twaiter_new(t->fut.loop, sizeof *w);
  if (!w) return -ENOMEM;
  int rc = watch(f, w);
  if (rc == 0) {
    lt_future_cancel(f);
    rc = lt__task_park(t, &w->fut, LT__WAIT_GATHER, NULL, site);
    unwatch(f, w);
  }
  lt__twaiter_drop(w);
  return rc;
}

static int wait_for_timed(lt_task *t, lt_future *f, int64_t timeout_ns, void **value,
                          const lt_srcloc *site) {
  if (timeout_ns == 0) {
    /* The timeout already passed: the outcome if there is one, else cancel and wait. */
    if (f->state != LT_FUTURE_PENDING) return lt_future_result(f, value);
    int rc = cancel_and_wait(t, f, site);
    if (rc < 0) return rc;
    rc = lt_future_result(f, value);
    return rc == -ECANCELED ? -ETIMEDOUT : rc;
  }
  waiter *w = lt__twaiter_new(t->fut.loop, sizeof *w);
  if (!w) return -ENOMEM;
  int rc = lt__twaiter_arm(w, timeout_ns);
  if (rc < 0) goto out;
  rc = watch(f, w);
  if (rc < 0) goto out;
  rc = lt__task_park(t, &w->fut, LT__WAIT_GATHER, NULL, site);
  if (f->state != LT_FUTURE_PENDING) {
    /* Done, even if the caller was cancelled meanwhile: 3.11 returns the outcome. */
    rc = lt_future_result(f, value);
    goto out;
  }
  unwatch(f, w);
  if (rc < 0) {
    /* The caller was cancelled: f must not outlive this call. */
    cancel_and_wait(t, f, site);
    goto out;
  }
  rc = cancel_and_wait(t, f, site); /* the timeout */
  if (rc == 0) {
    rc = lt_future_result(f, value); /* f may have finished anyway, or failed */
    if (rc == -ECANCELED) rc = -ETIMEDOUT;
  }
out:
  lt__twaiter_disarm(w);
  lt__twaiter_drop(w);
  return rc;
}

int lt_wait_for_at(lt_future *f, int64_t timeout_ns, void **value, const lt_srcloc *site) {
  lt_task *t;
  int rc = lt__await_target("lt_wait_for", f, &t);
  if (rc < 0) return rc;
  if (timeout_ns < 0) return lt_await_at(f, value, site);
  lt__obj_retain(f->owner); /* f stays readable until we return */
  rc = wait_for_timed(t, f, timeout_ns, value, site);
  lt__obj_release(f->owner);
  return rc;
}

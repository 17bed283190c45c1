/* wait_for.c: lt_wait_for (asyncio.wait_for as of CPython 3.11): the caller parks on a waiter
 * future that either the awaited future's done callback (_release_waiter) or a timer resolves;
 * on a timeout, or when the caller is cancelled, the awaited future is cancelled and waited for
 * (_cancel_and_wait) so that it is not running once wait_for returns. */
#include <stdlib.h>

#include "internal.h"

/* A waiter future with its own timer. Loop-owned and reference counted: the caller holds one
 * reference, each registration of release_waiter one, and the armed timer one. */
typedef struct waiter {
  lt_future fut;
  lt_timer timer;
} waiter;

static void waiter_destroy(lt__obj *o) {
  waiter *w = lt__container_of(o, waiter, fut.obj);
  lt__future_fini(&w->fut);
  free(w);
}

static waiter *waiter_new(lt_loop *loop) {
  waiter *w = malloc(sizeof *w);
  if (!w) return NULL;
  lt__obj_register(loop, &w->fut.obj, waiter_destroy);
  lt__future_init(&w->fut, loop, &w->fut.obj);
  lt_timer_init(&w->timer);
  return w;
}

static void release_waiter_now(waiter *w) {
  if (w->fut.state == LT_FUTURE_PENDING) lt__future_complete(&w->fut, LT_FUTURE_RESULT, 0, NULL);
}

/* asyncio's _release_waiter, as a done callback of the awaited future. */
static void release_waiter(lt_future *f, void *arg) {
  (void)f;
  waiter *w = arg;
  release_waiter_now(w);
  lt__obj_release(&w->fut.obj);
}

/* ... and as the timeout handle's callback. */
static void timer_fired(void *arg) {
  waiter *w = arg;
  release_waiter_now(w);
  lt__obj_release(&w->fut.obj);
}

static int watch(lt_future *f, waiter *w) {
  lt__obj_retain(&w->fut.obj);
  int rc = lt_future_add_done_callback(f, release_waiter, w);
  if (rc < 0) lt__obj_release(&w->fut.obj);
  return rc;
}

static void unwatch(lt_future *f, waiter *w) {
  int removed = lt_future_remove_done_callback(f, release_waiter, w);
  for (int i = 0; i < removed; i++) lt__obj_release(&w->fut.obj);
}

/* The armed timer holds a reference; cancelling withdraws even a fire already queued. */
static void stop_timer(waiter *w) {
  if (lt_timer_cancel(&w->timer) == 1) lt__obj_release(&w->fut.obj);
}

/* asyncio's _cancel_and_wait: cancel f and wait until it is done, through a waiter of our own
 * so that this wait stays cancellable. 0, or -ECANCELED when the caller was cancelled. */
static int cancel_and_wait(lt_task *t, lt_future *f, const lt_srcloc *site) {
  waiter *w = waiter_new(t->fut.loop);
  if (!w) return -ENOMEM;
  int rc = watch(f, w);
  if (rc == 0) {
    lt_future_cancel(f);
    rc = lt__task_park(t, &w->fut, LT__WAIT_GATHER, NULL, site);
    unwatch(f, w);
  }
  lt__obj_release(&w->fut.obj);
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
  waiter *w = waiter_new(t->fut.loop);
  if (!w) return -ENOMEM;
  lt__obj_retain(&w->fut.obj); /* the timer's */
  int rc = lt_timer_start(&w->timer, timeout_ns, timer_fired, w);
  if (rc < 0) {
    lt__obj_release(&w->fut.obj);
    goto out;
  }
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
  stop_timer(w);
  lt__obj_release(&w->fut.obj);
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

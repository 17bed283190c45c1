/* twaiter.c: the waiter future with a timeout that wait_for and wait park on (twaiter.h). */
#include <stdlib.h>

#include "twaiter.h"

static void twaiter_destroy(lt__obj *o) {
  lt__twaiter *w = lt__container_of(o, lt__twaiter, fut.obj);
  lt__future_fini(&w->fut);
  free(w);
}

lt__twaiter *lt__twaiter_new(lt_loop *loop, size_t size) {
  lt__twaiter *w = malloc(size);
  if (!w) return NULL;
  lt__obj_register(loop, &w->fut.obj, twaiter_destroy);
  lt__future_init(&w->fut, loop, &w->fut.obj);
  lt_timer_init(&w->timer);
  return w;
}

void lt__twaiter_release(lt__twaiter *w) {
  if (w->fut.state == LT_FUTURE_PENDING) lt__future_complete(&w->fut, LT_FUTURE_RESULT, 0, NULL);
}

static void timer_fired(void *arg) {
  lt__twaiter *w = arg;
  lt__twaiter_release(w);
  lt__obj_release(&w->fut.obj); /* the timer's */
}

int lt__twaiter_arm(lt__twaiter *w, int64_t timeout_ns) {
  lt__obj_retain(&w->fut.obj);
  int rc = lt_timer_start(&w->timer, timeout_ns, timer_fired, w);
  if (rc < 0) lt__obj_release(&w->fut.obj);
  return rc;
}

void lt__twaiter_disarm(lt__twaiter *w) {
  if (lt_timer_cancel(&w->timer) == 1) lt__obj_release(&w->fut.obj);
}

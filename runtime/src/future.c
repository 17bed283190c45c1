/* future.c: futures: resolution, outcome, done callbacks scheduled in registration order. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "trace.h"

void lt__future_init(lt_future *f, lt_loop *loop, lt__obj *owner) {
  lt__future_init_as(f, loop, owner, ++loop->next_obj_id);
}

void lt__future_init_as(lt_future *f, lt_loop *loop, lt__obj *owner, uint64_t id) {
  f->owner = owner;
  f->loop = loop;
  f->state = LT_FUTURE_PENDING;
  f->is_task = 0;
  f->plain = 0;
  f->resolver_kind = LT_WAKER_NONE;
  f->resolver_id = 0;
  f->id = id;
  f->cancel = NULL;
  f->err = 0;
  f->value = NULL;
  f->ncb = 0;
  f->capcb = 1;
  f->cbs = f->cb_inline;
}

void lt__future_fini(lt_future *f) {
  if (f->cbs != f->cb_inline) free(f->cbs);
  f->cbs = f->cb_inline;
  f->ncb = 0;
  f->capcb = 1;
}

static void future_destroy(lt__obj *o) {
  lt_future *f = lt__container_of(o, lt_future, obj);
  lt__future_fini(f);
  free(f);
}

lt_future *lt_future_new(void) {
  lt_loop *loop = lt__loop_check("lt_future_new");
  if (!loop) {
    errno = EPERM;
    return NULL;
  }
  lt_future *f = malloc(sizeof *f);
  if (!f) return NULL;
  lt__obj_register(loop, &f->obj, future_destroy);
  lt__future_init(f, loop, &f->obj);
  lt__future_traced(f);
  return f;
}

void lt__future_traced(lt_future *f) {
  f->plain = 1;
  lt_loop *loop = f->loop;
  if (LT_TRACING(loop))
    lt__trace_simple(loop, LT_EV_FUTURE_CREATE, 0, loop->current ? (uint32_t)loop->current->id : 0,
                     f->id, 0);
}

void lt_future_retain(lt_future *f) { lt__obj_retain(f->owner); }
void lt_future_release(lt_future *f) {
  if (f) lt__obj_release(f->owner);
}

/* A scheduled done callback holds a reference to its future until it has run. */
static void done_callback_run(lt__ready *r) {
  lt_future *f = r->a;
  lt_loop *loop = f->loop;
  /* What a callback resolves was caused by what finished f: a task, or f's own resolver. */
  uint8_t kind = loop->waker_kind;
  uint64_t id = loop->waker_id;
  loop->waker_kind = f->is_task ? LT_WAKER_TASK : f->resolver_kind;
  loop->waker_id = f->is_task ? lt__task_of(f)->id : f->resolver_id;
  if (LT_TRACING(loop))
    lt__trace_simple(loop, LT_EV_FUTURE_CALLBACK, f->is_task, 0,
                     f->is_task ? lt__task_of(f)->id : f->id, 0);
  r->cb.done(f, r->b);
  loop->waker_kind = kind;
  loop->waker_id = id;
  if (LT_TRACING(loop)) lt__trace_stamp(loop); /* it may have run long: see trace.h */
  lt__obj_release(f->owner);
}

static void schedule_callback(lt_future *f, lt_done_callback cb, void *arg) {
  lt__ready *r = lt__ready_slot(f->loop);
  r->cb.done = cb;
  r->a = f;
  r->b = arg;
  if (cb == lt__task_wakeup) {
    /* A parked task's wake-up: task.c runs it (and may hand the CPU straight to it). The
     * parked task holds f until it has read the outcome: the entry needs no reference. */
    r->run = lt__task_wakeup_entry;
    if (LT_TRACING(f->loop))
      lt__trace_task_ready(f->loop, arg, LT_CAUSE_WAKEUP, f->is_task ? lt__task_of(f)->id : f->id);
    return;
  }
  r->run = done_callback_run;
  lt__obj_retain(f->owner);
}

void lt__future_complete(lt_future *f, lt_future_state state, int err, void *value) {
  f->state = (uint8_t)state;
  f->err = err;
  f->value = value;
  lt_loop *loop = f->loop;
  f->resolver_kind = loop->waker_kind;
  f->resolver_id = loop->waker_id;
  if (f->plain && LT_TRACING(loop))
    lt__trace_simple(loop, LT_EV_FUTURE_RESOLVE,
                     state == LT_FUTURE_RESULT  ? LT_OUTCOME_RESULT
                     : state == LT_FUTURE_ERROR ? LT_OUTCOME_ERROR
                                                : LT_OUTCOME_CANCELLED,
                     0, f->id, (uint64_t)(int64_t)err);
  /* asyncio's __schedule_callbacks: all of them, in registration order, then forget them. */
  uint32_t n = f->ncb;
  f->ncb = 0;
  for (uint32_t i = 0; i < n; i++) schedule_callback(f, f->cbs[i].cb, f->cbs[i].arg);
}

static bool owned_here(const lt_future *f, const char *who) {
  if (f->loop == lt__tls_loop) return true;
  lt__misuse("%s called from a thread that does not run the future's loop", who);
  return false;
}

int lt_future_set_result(lt_future *f, void *value) {
  if (!owned_here(f, "lt_future_set_result")) return -EPERM;
  if (f->is_task) {
    lt__misuse("lt_future_set_result on a task: a task's outcome is what its function returns");
    return -EINVAL;
  }
  if (f->state != LT_FUTURE_PENDING) {
    lt__misuse("lt_future_set_result on a future that is already done");
    return -EINVAL;
  }
  lt__future_complete(f, LT_FUTURE_RESULT, 0, value);
  return 0;
}

int lt_future_set_error(lt_future *f, int err) {
  if (!owned_here(f, "lt_future_set_error")) return -EPERM;
  if (f->is_task) {
    lt__misuse("lt_future_set_error on a task: a task's outcome is what its function returns");
    return -EINVAL;
  }
  if (err >= 0) {
    lt__misuse("lt_future_set_error needs a negative errno, got %d", err);
    return -EINVAL;
  }
  if (f->state != LT_FUTURE_PENDING) {
    lt__misuse("lt_future_set_error on a future that is already done");
    return -EINVAL;
  }
  if (err == -ECANCELED) {
    lt__future_complete(f, LT_FUTURE_CANCELLED, -ECANCELED, NULL);
    return 0;
  }
  lt__future_complete(f, LT_FUTURE_ERROR, err, NULL);
  return 0;
}

int lt_future_cancel(lt_future *f) {
  if (!owned_here(f, "lt_future_cancel")) return -EPERM;
  if (f->cancel) return f->cancel(f);
  if (f->state != LT_FUTURE_PENDING) return 0;
  lt__future_complete(f, LT_FUTURE_CANCELLED, -ECANCELED, NULL);
  return 1;
}

lt_future_state lt_future_state_of(const lt_future *f) { return (lt_future_state)f->state; }
bool lt_future_done(const lt_future *f) { return f->state != LT_FUTURE_PENDING; }
bool lt_future_cancelled(const lt_future *f) { return f->state == LT_FUTURE_CANCELLED; }

int lt_future_result(const lt_future *f, void **value) {
  switch (f->state) {
    case LT_FUTURE_PENDING: return -EAGAIN;
    case LT_FUTURE_RESULT:
      if (value) *value = f->value;
      return 0;
    default: return f->err;
  }
}

int lt_future_add_done_callback(lt_future *f, lt_done_callback cb, void *arg) {
  if (!owned_here(f, "lt_future_add_done_callback")) return -EPERM;
  if (f->state != LT_FUTURE_PENDING) {
    schedule_callback(f, cb, arg);
    return 0;
  }
  if (f->ncb == f->capcb) {
    uint32_t cap = f->capcb * 2;
    lt__donecb *n = malloc(cap * sizeof *n);
    if (!n) return -ENOMEM;
    memcpy(n, f->cbs, f->ncb * sizeof *n);
    if (f->cbs != f->cb_inline) free(f->cbs);
    f->cbs = n;
    f->capcb = cap;
  }
  f->cbs[f->ncb++] = (lt__donecb){cb, arg};
  return 0;
}

int lt_future_remove_done_callback(lt_future *f, lt_done_callback cb, void *arg) {
  uint32_t kept = 0, removed = 0;
  for (uint32_t i = 0; i < f->ncb; i++) {
    if (f->cbs[i].cb == cb && f->cbs[i].arg == arg)
      removed++;
    else
      f->cbs[kept++] = f->cbs[i];
  }
  f->ncb = kept;
  return (int)removed;
}

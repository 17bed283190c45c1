/* shield.c: lt_shield, asyncio.shield of CPython 3.11: an outer future that copies the inner
 * one's outcome (_inner_done_callback) and, once done itself, withdraws that callback if the
 * inner is still running (_outer_done_callback), so that cancelling the outer (as cancelling
 * the task awaiting it does) leaves the inner running. */
#include <stdlib.h>

#include "internal.h"

/* The outer future. Its own reference counts: the caller's, and one held by the inner's
 * registration of inner_done while it is registered or scheduled. */
typedef struct shield {
  lt_future fut;
  lt_future *inner; /* referenced */
} shield;

static void shield_destroy(lt__obj *o) {
  shield *s = lt__container_of(o, shield, fut.obj);
  /* When the loop closes, every object is freed regardless of references: touch none. */
  if (!atomic_load(&s->fut.loop->closing)) lt_future_release(s->inner);
  lt__future_fini(&s->fut);
  free(s);
}

static void inner_done(lt_future *inner, void *arg) {
  shield *s = arg;
  if (s->fut.state == LT_FUTURE_PENDING) {
    if (inner->state == LT_FUTURE_CANCELLED)
      lt_future_cancel(&s->fut);
    else
      lt__future_complete(&s->fut, (lt_future_state)inner->state, inner->err, inner->value);
  }
  lt__obj_release(&s->fut.obj);
}

static void outer_done(lt_future *outer, void *arg) {
  shield *s = arg;
  (void)outer;
  if (s->inner->state == LT_FUTURE_PENDING) {
    int removed = lt_future_remove_done_callback(s->inner, inner_done, s);
    for (int i = 0; i < removed; i++) lt__obj_release(&s->fut.obj);
  }
}

lt_future *lt_shield(lt_future *f) {
  lt_loop *loop = lt__loop_check("lt_shield");
  if (!loop) {
    errno = EPERM;
    return NULL;
  }
  if (!f || f->loop != loop) {
    lt__misuse("lt_shield on %s", f ? "a future of another loop" : "NULL");
    errno = EINVAL;
    return NULL;
  }
  if (f->state != LT_FUTURE_PENDING) { /* asyncio's shortcut: inner itself */
    lt_future_retain(f);
    return f;
  }
  shield *s = malloc(sizeof *s);
  if (!s) return NULL;
  lt__obj_register(loop, &s->fut.obj, shield_destroy);
  lt__future_init(&s->fut, loop, &s->fut.obj);
  lt__future_traced(&s->fut); /* loop.create_future() */
  s->inner = f;
  lt_future_retain(f);
  lt__obj_retain(&s->fut.obj);
  if (lt_future_add_done_callback(f, inner_done, s) < 0 ||
      lt_future_add_done_callback(&s->fut, outer_done, s) < 0) {
    lt_future_remove_done_callback(f, inner_done, s);
    lt__obj_release(&s->fut.obj);
    lt__obj_release(&s->fut.obj);
    errno = ENOMEM;
    return NULL;
  }
  return &s->fut;
}

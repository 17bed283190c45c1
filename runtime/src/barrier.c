/* barrier.c: lt_barrier, asyncio.Barrier of CPython 3.11.7 (Lib/asyncio/locks.py): a count of
 * arrivals and a state (filling, draining, resetting, broken) under a Condition, exactly as
 * asyncio builds it, so that its tasks wake in the same order; every wait inside it (for the
 * Condition's lock too) is recorded with the reason barrier. */
#include <stdlib.h>

#include "condition.h"

enum { FILLING, DRAINING, RESETTING, BROKEN };

struct lt_barrier {
  sync_obj base;
  lt_condition *cond; /* referenced */
  unsigned parties;
  unsigned count;
  int state;
};

static void barrier_destroy(lt__obj *o) {
  lt_barrier *b = lt__container_of(o, lt_barrier, base.obj);
  if (!atomic_load(&b->base.loop->closing)) lt__obj_release(&b->cond->base.obj);
  free(b);
}

lt_barrier *lt_barrier_new(unsigned parties) {
  lt_loop *loop = lt__loop_check("lt_barrier_new");
  if (!loop) {
    errno = EPERM;
    return NULL;
  }
  if (parties < 1) {
    lt__misuse("lt_barrier_new: parties must be > 0");
    errno = EINVAL;
    return NULL;
  }
  lt_barrier *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->cond = lt_condition_new(NULL);
  if (!b->cond) {
    free(b);
    return NULL;
  }
  lt__obj_register(loop, &b->base.obj, barrier_destroy);
  b->base.loop = loop;
  b->parties = parties;
  b->state = FILLING;
  return b;
}

void lt_barrier_free(lt_barrier *b) { lt__sync_free(b ? &b->base : NULL, "lt_barrier_free"); }

static bool not_draining(void *arg) {
  lt_barrier *b = arg;
  return b->state != DRAINING && b->state != RESETTING;
}

static bool not_filling(void *arg) { return ((lt_barrier *)arg)->state != FILLING; }

/* Barrier._exit */
static void barrier_exit(lt_barrier *b) {
  if (b->count == 0) {
    if (b->state == RESETTING || b->state == DRAINING) b->state = FILLING;
    lt__cond_notify(b->cond, SIZE_MAX);
  }
}

/* The body of Barrier.wait, inside `async with self._cond`. */
static int wait_locked(lt_barrier *b, lt_task *t, const lt_srcloc *site) {
  /* _block: wait while it drains or resets; broken is an error */
  int rc = lt__cond_wait_for(b->cond, t, not_draining, b, LT__WAIT_BARRIER, site);
  if (rc < 0) return rc;
  if (b->state == BROKEN) return -EPIPE;
  unsigned index = b->count++;
  if (index + 1 == b->parties) {
    b->state = DRAINING; /* _release */
    lt__cond_notify(b->cond, SIZE_MAX);
  } else {
    rc = lt__cond_wait_for(b->cond, t, not_filling, b, LT__WAIT_BARRIER, site); /* _wait */
    if (rc == 0 && (b->state == BROKEN || b->state == RESETTING)) rc = -EPIPE;
  }
  b->count--;
  barrier_exit(b);
  return rc < 0 ? rc : (int)index;
}

/* `async with self._cond:` around body(b): the lock is released however the body ends. */
static int with_cond(lt_barrier *b, const char *who, int (*body)(lt_barrier *, lt_task *,
                                                                 const lt_srcloc *),
                     const lt_srcloc *site) {
  if (lt__null_arg(b, who)) return -EINVAL;
  lt_task *t = lt__sync_task(b->base.loop, who);
  if (!t) return -EPERM;
  lt__obj_retain(&b->base.obj);
  int rc = lt__lock_acquire(b->cond->lock, t, LT__WAIT_BARRIER, site);
  if (rc == 0) {
    rc = body(b, t, site);
    lt_lock_release(b->cond->lock);
  }
  lt__obj_release(&b->base.obj);
  return rc;
}

int lt_barrier_wait_at(lt_barrier *b, const lt_srcloc *site) {
  return with_cond(b, "lt_barrier_wait", wait_locked, site);
}

static int reset_locked(lt_barrier *b, lt_task *t, const lt_srcloc *site) {
  (void)t, (void)site;
  b->state = b->count > 0 ? RESETTING : FILLING;
  lt__cond_notify(b->cond, SIZE_MAX);
  return 0;
}

static int abort_locked(lt_barrier *b, lt_task *t, const lt_srcloc *site) {
  (void)t, (void)site;
  b->state = BROKEN;
  lt__cond_notify(b->cond, SIZE_MAX);
  return 0;
}

int lt_barrier_reset_at(lt_barrier *b, const lt_srcloc *site) {
  return with_cond(b, "lt_barrier_reset", reset_locked, site);
}

int lt_barrier_abort_at(lt_barrier *b, const lt_srcloc *site) {
  return with_cond(b, "lt_barrier_abort", abort_locked, site);
}

unsigned lt_barrier_parties(const lt_barrier *b) { return b ? b->parties : 0; }
unsigned lt_barrier_n_waiting(const lt_barrier *b) {
  return b && b->state == FILLING ? b->count : 0;
}
bool lt_barrier_broken(const lt_barrier *b) { return b && b->state == BROKEN; }

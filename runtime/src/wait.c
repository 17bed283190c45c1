/* wait.c: lt_wait (asyncio.wait and its _wait, CPython 3.11): a done callback per distinct
 * future (_on_completion) counts them down and resolves a waiter future once `when` holds; an
 * optional timer (_release_waiter) resolves it at the timeout. The caller parks on the waiter,
 * so the hops are child done -> _on_completion -> the caller's wake-up, as in asyncio. */
#include <stdlib.h>

#include "distinct.h"
#include "twaiter.h"

/* The waiter (twaiter.h), with _on_completion's state. */
typedef struct waiter {
  lt__twaiter tw;
  size_t counter;
  lt_wait_when when;
} waiter;

/* asyncio's _on_completion. */
static void on_completion(lt_future *f, void *arg) {
  waiter *w = arg;
  w->counter--;
  if (w->counter == 0 || w->when == LT_FIRST_COMPLETED ||
      (w->when == LT_FIRST_EXCEPTION && f->state == LT_FUTURE_ERROR)) {
    lt__twaiter_disarm(&w->tw);
    lt__twaiter_release(&w->tw);
  }
  lt__twaiter_drop(&w->tw);
}

static int check_args(lt_future *const *futs, size_t n, lt_wait_when when, lt_loop *loop) {
  if (n == 0 || !futs) {
    lt__misuse("lt_wait on an empty set of futures");
    return -EINVAL;
  }
  if (when != LT_ALL_COMPLETED && when != LT_FIRST_COMPLETED && when != LT_FIRST_EXCEPTION) {
    lt__misuse("lt_wait: invalid `when` %d", (int)when);
    return -EINVAL;
  }
  for (size_t i = 0; i < n; i++) {
    if (!futs[i] || futs[i]->loop != loop) {
      lt__misuse("lt_wait: future %zu is %s", i, futs[i] ? "of another loop" : "NULL");
      return -EINVAL;
    }
  }
  return 0;
}

/* The distinct futures of futs, in the order given (a malloc'd array of *m), or NULL. */
static lt_future **distinct(lt_future *const *futs, size_t n, size_t *m) {
  lt_future **out = malloc(n * sizeof *out);
  bool *dup = calloc(n, sizeof *dup);
  if (!out || !dup || lt__find_duplicates(futs, n, dup) < 0) {
    free(out);
    free(dup);
    return NULL;
  }
  *m = 0;
  for (size_t i = 0; i < n; i++)
    if (!dup[i]) out[(*m)++] = futs[i];
  free(dup);
  return out;
}

/* Registers _on_completion on the first k of fs; returns how many got it. */
static size_t watch(lt_future **fs, size_t k, waiter *w) {
  for (size_t i = 0; i < k; i++) {
    lt__obj_retain(&w->tw.fut.obj);
    if (lt_future_add_done_callback(fs[i], on_completion, w) < 0) {
      lt__twaiter_drop(&w->tw);
      return i;
    }
  }
  return k;
}

static void unwatch(lt_future **fs, size_t k, waiter *w) {
  for (size_t i = 0; i < k; i++) {
    int removed = lt_future_remove_done_callback(fs[i], on_completion, w);
    for (int r = 0; r < removed; r++) lt__twaiter_drop(&w->tw);
  }
}

int lt_wait_at(lt_future *const *futs, size_t n, lt_wait_when when, int64_t timeout_ns,
               lt_future **done, size_t *ndone, lt_future **pending, size_t *npending,
               const lt_srcloc *site) {
  if (ndone) *ndone = 0;
  if (npending) *npending = 0;
  lt_task *t = lt__task_check("lt_wait");
  if (!t) return -EPERM;
  int rc = check_args(futs, n, when, t->fut.loop);
  if (rc < 0) return rc;
  for (size_t i = 0; i < n; i++)
    if (futs[i] == &t->fut) {
      lt__misuse("lt_wait: task %s waits for itself", lt_task_name(t));
      return -EDEADLK;
    }
  size_t m;
  lt_future **fs = distinct(futs, n, &m);
  waiter *w = fs ? (waiter *)lt__twaiter_new(t->fut.loop, sizeof *w) : NULL;
  if (!w) {
    free(fs);
    return -ENOMEM;
  }
  w->counter = m;
  w->when = when;
  for (size_t i = 0; i < m; i++) lt_future_retain(fs[i]); /* readable until we return */
  if (timeout_ns >= 0) rc = lt__twaiter_arm(&w->tw, timeout_ns);
  size_t watched = rc < 0 ? 0 : watch(fs, m, w);
  if (rc == 0 && watched < m) rc = -ENOMEM;
  if (rc == 0) rc = lt__task_park(t, &w->tw.fut, LT__WAIT_GATHER, NULL, site);
  lt__twaiter_disarm(&w->tw);
  unwatch(fs, watched, w);
  if (rc == 0) {
    size_t d = 0, p = 0;
    for (size_t i = 0; i < m; i++) {
      if (fs[i]->state != LT_FUTURE_PENDING) {
        if (done) done[d] = fs[i];
        d++;
      } else {
        if (pending) pending[p] = fs[i];
        p++;
      }
    }
    if (ndone) *ndone = d;
    if (npending) *npending = p;
  }
  for (size_t i = 0; i < m; i++) lt_future_release(fs[i]);
  free(fs);
  lt__twaiter_drop(&w->tw);
  return rc;
}

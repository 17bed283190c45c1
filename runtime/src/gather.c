/* gather.c: lt_gather: one future over many (asyncio.gather and its _GatheringFuture). */
#include <stdlib.h>

#include "internal.h"

typedef struct gather {
  lt_future fut;
  lt_future **children;
  size_t n, nfinished;
  unsigned flags;
  bool cancel_requested;
} gather;

static void gather_destroy(lt__obj *o) {
  gather *g = lt__container_of(o, gather, fut.obj);
  /* When the loop closes, every object is freed regardless of references: touch none. */
  if (!atomic_load(&g->fut.loop->closing))
    for (size_t i = 0; i < g->n; i++) lt_future_release(g->children[i]);
  free(g->children);
  lt__future_fini(&g->fut);
  free(g);
}

/* asyncio's _GatheringFuture.cancel: cancel the children, not the gather itself. */
static int gather_cancel(lt_future *f) {
  gather *g = (gather *)f;
  if (f->state != LT_FUTURE_PENDING) return 0;
  int ret = 0;
  for (size_t i = 0; i < g->n; i++)
    if (lt_future_cancel(g->children[i]) == 1) ret = 1;
  if (ret) g->cancel_requested = true;
  return ret;
}

/* asyncio.gather's _done_callback, run once per child as it finishes. */
static void gather_child_done(lt_future *child, void *arg) {
  gather *g = arg;
  g->nfinished++;
  if (g->fut.state == LT_FUTURE_PENDING) {
    if (!(g->flags & LT_GATHER_RETURN_ERRORS) && child->state != LT_FUTURE_RESULT) {
      lt__future_complete(&g->fut, child->state == LT_FUTURE_CANCELLED ? LT_FUTURE_CANCELLED
                                                                       : LT_FUTURE_ERROR,
                          child->err, NULL);
    } else if (g->nfinished == g->n) {
      if (g->cancel_requested)
        lt__future_complete(&g->fut, LT_FUTURE_CANCELLED, -ECANCELED, NULL);
      else
        lt__future_complete(&g->fut, LT_FUTURE_RESULT, 0, NULL);
    }
  }
  lt__obj_release(&g->fut.obj); /* the reference this pending callback held */
}

lt_future *lt_gather_start(lt_future *const *futs, size_t n, unsigned flags) {
  lt_loop *loop = lt__loop_check("lt_gather");
  if (!loop) {
    errno = EPERM;
    return NULL;
  }
  gather *g = calloc(1, sizeof *g);
  if (!g) return NULL;
  g->children = malloc((n ? n : 1) * sizeof *g->children);
  if (!g->children) {
    free(g);
    return NULL;
  }
  lt__obj_register(loop, &g->fut.obj, gather_destroy);
  lt__future_init(&g->fut, loop, &g->fut.obj);
  g->fut.cancel = gather_cancel;
  lt__future_traced(&g->fut);
  g->flags = flags;
  g->n = n;
  if (n == 0) {
    lt__future_complete(&g->fut, LT_FUTURE_RESULT, 0, NULL);
    return &g->fut;
  }
  for (size_t i = 0; i < n; i++) {
    g->children[i] = futs[i];
    lt_future_retain(futs[i]);
  }
  for (size_t i = 0; i < n; i++) {
    lt__obj_retain(&g->fut.obj);
    if (lt_future_add_done_callback(futs[i], gather_child_done, g) < 0) {
      lt__obj_release(&g->fut.obj);
      g->nfinished++; /* counted as finished: its outcome is read from the child itself */
    }
  }
  return &g->fut;
}

int lt_gather_at(lt_future *const *futs, size_t n, void **values, int *errs, unsigned flags,
                 const lt_srcloc *site) {
  if (!lt__task_check("lt_gather")) return -EPERM;
  lt_future *g = lt_gather_start(futs, n, flags);
  if (!g) return -errno;
  int rc = lt_future_done(g) ? 0 : lt__task_park(lt_current_task(), g, LT__WAIT_GATHER, NULL, site);
  for (size_t i = 0; i < n; i++) {
    void *v = NULL;
    int st = lt_future_result(futs[i], &v);
    if (values) values[i] = st == 0 ? v : NULL;
    if (errs) errs[i] = st;
  }
  lt_future_release(g);
  return rc;
}

/* as_completed.c: lt_as_completed (asyncio.as_completed, 3.11): a done callback per future
 * (_on_completion) feeds an internal FIFO that consumers drain in completion order; a waiting
 * consumer is woken through a getter future, exactly as asyncio.Queue.get does, so the hops are
 * child done -> _on_completion -> consumer wakeup. An optional timer (_on_timeout) queues one
 * timeout marker per future still pending. */
#include <stdlib.h>

#include "distinct.h"
#include "internal.h"

typedef struct ac_entry {
  lt_future *f;
  struct lt_as_completed *ac;
  bool in_todo; /* its _on_completion is registered and has not run */
} ac_entry;

/* A consumer parked in lt_as_completed_next (asyncio.Queue's _getters). Lives on its stack. */
typedef struct ac_getter {
  lt__list link;
  lt_future *fut;
} ac_getter;

struct lt_as_completed {
  lt__obj obj;        /* the user's reference, one per registered callback, one for the timer */
  lt_loop *loop;
  ac_entry *entries;  /* the distinct futures, in the order given */
  size_t n;           /* how many; also how many items the FIFO ever holds */
  size_t ntodo;       /* entries still in_todo */
  lt_future **fifo;   /* finished futures, or NULL for a timeout marker */
  size_t head, tail;  /* fifo[head..tail) is queued; tail <= n */
  size_t returned;    /* items handed out by next */
  lt__list getters;
  lt_timer timer;
  bool freed;         /* lt_as_completed_free ran: callbacks still in flight do nothing */
};

static void ac_destroy(lt__obj *o) {
  lt_as_completed *ac = lt__container_of(o, lt_as_completed, obj);
  free(ac->entries);
  free(ac->fifo);
  free(ac);
}

/* The armed timer holds a reference; cancelling withdraws even a fire already queued. */
static void stop_timer(lt_as_completed *ac) {
  if (lt_timer_cancel(&ac->timer) == 1) lt__obj_release(&ac->obj);
}

/* asyncio.Queue._wakeup_next: wake the first consumer still waiting. */
static void wakeup_next(lt_as_completed *ac) {
  for (lt__list *l = ac->getters.next; l != &ac->getters; l = l->next) {
    ac_getter *g = lt__container_of(l, ac_getter, link);
    if (g->fut->state == LT_FUTURE_PENDING) {
      lt__list_remove(&g->link);
      lt__future_complete(g->fut, LT_FUTURE_RESULT, 0, NULL);
      return;
    }
  }
}

static void put(lt_as_completed *ac, lt_future *item) {
  ac->fifo[ac->tail++] = item;
  wakeup_next(ac);
}

static void on_completion(lt_future *f, void *arg) {
  ac_entry *e = arg;
  lt_as_completed *ac = e->ac;
  if (!ac->freed && ac->ntodo > 0 && e->in_todo) {
    e->in_todo = false;
    ac->ntodo--;
    put(ac, f);
    if (ac->ntodo == 0) stop_timer(ac);
  }
  lt__obj_release(&ac->obj); /* the reference this registration held */
}

static void on_timeout(void *arg) {
  lt_as_completed *ac = arg;
  if (!ac->freed) {
    for (size_t i = 0; i < ac->n; i++) {
      ac_entry *e = &ac->entries[i];
      if (!e->in_todo) continue;
      int removed = lt_future_remove_done_callback(e->f, on_completion, e);
      for (int k = 0; k < removed; k++) lt__obj_release(&ac->obj);
      e->in_todo = false;
      put(ac, NULL);
    }
    ac->ntodo = 0;
  }
  lt__obj_release(&ac->obj); /* the timer's */
}

lt_as_completed *lt_as_completed_new(lt_future *const *futs, size_t n, int64_t timeout_ns) {
  lt_loop *loop = lt__loop_check("lt_as_completed_new");
  if (!loop) {
    errno = EPERM;
    return NULL;
  }
  if (n > 0 && !futs) {
    lt__misuse("lt_as_completed_new: futs is NULL");
    errno = EINVAL;
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    if (!futs[i] || futs[i]->loop != loop) {
      lt__misuse("lt_as_completed_new: future %zu is %s", i,
                 futs[i] ? "of another loop" : "NULL");
      errno = EINVAL;
      return NULL;
    }
  }
  lt_as_completed *ac = calloc(1, sizeof *ac);
  size_t cap = n ? n : 1;
  bool *dup = calloc(cap, sizeof *dup);
  if (ac) ac->entries = malloc(cap * sizeof *ac->entries);
  if (ac) ac->fifo = malloc(cap * sizeof *ac->fifo);
  if (!ac || !dup || !ac->entries || !ac->fifo || lt__find_duplicates(futs, n, dup) < 0) {
    if (ac) {
      free(ac->entries);
      free(ac->fifo);
    }
    free(ac);
    free(dup);
    errno = ENOMEM;
    return NULL;
  }
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (!dup[i]) ac->entries[m++] = (ac_entry){.f = futs[i], .ac = ac, .in_todo = false};
  free(dup);
  ac->n = m;
  ac->loop = loop;
  lt__list_init(&ac->getters);
  lt_timer_init(&ac->timer);
  lt__obj_register(loop, &ac->obj, ac_destroy);
  for (size_t i = 0; i < m; i++) lt_future_retain(ac->entries[i].f);
  for (size_t i = 0; i < m; i++) {
    ac_entry *e = &ac->entries[i];
    lt__obj_retain(&ac->obj);
    if (lt_future_add_done_callback(e->f, on_completion, e) < 0) {
      lt__obj_release(&ac->obj);
      lt_as_completed_free(ac);
      errno = ENOMEM;
      return NULL;
    }
    e->in_todo = true;
    ac->ntodo++;
  }
  if (ac->ntodo > 0 && timeout_ns >= 0) {
    lt__obj_retain(&ac->obj);
    if (lt_timer_start(&ac->timer, timeout_ns, on_timeout, ac) < 0) {
      lt__obj_release(&ac->obj);
      lt_as_completed_free(ac);
      errno = ENOMEM;
      return NULL;
    }
  }
  return ac;
}

int lt_as_completed_next_at(lt_as_completed *ac, void **value, lt_future **which,
                            const lt_srcloc *site) {
  if (which) *which = NULL;
  lt_task *t = lt__task_check("lt_as_completed_next");
  if (!t) return -EPERM;
  if (!ac) {
    lt__misuse("lt_as_completed_next on NULL");
    return -EINVAL;
  }
  if (ac->freed || ac->returned >= ac->n) return -ENOENT;
  lt__obj_retain(&ac->obj);
  int rc = 0;
  /* asyncio.Queue.get: wait while the FIFO is empty. */
  while (ac->head == ac->tail) {
    ac_getter g;
    g.fut = lt_future_new();
    if (!g.fut) {
      rc = -ENOMEM;
      goto out;
    }
    lt__list_push_back(&ac->getters, &g.link);
    rc = lt__task_park(t, g.fut, LT__WAIT_GATHER, NULL, site);
    lt_future_cancel(g.fut); /* no-op unless it is still pending */
    bool was_cancelled = g.fut->state == LT_FUTURE_CANCELLED;
    lt__list_remove(&g.link); /* harmless when wakeup_next already took it */
    lt_future_release(g.fut);
    if (rc < 0) {
      /* Handed a wake-up we will not use: pass it on, as Queue.get does. */
      if (!ac->freed && ac->head != ac->tail && !was_cancelled) wakeup_next(ac);
      goto out;
    }
    if (ac->freed) {
      rc = -ENOENT;
      goto out;
    }
  }
  lt_future *f = ac->fifo[ac->head++];
  ac->returned++;
  if (!f) {
    rc = -ETIMEDOUT; /* _on_timeout's marker */
  } else {
    if (which) *which = f;
    rc = lt_future_result(f, value);
  }
out:
  lt__obj_release(&ac->obj);
  return rc;
}

void lt_as_completed_free(lt_as_completed *ac) {
  if (!ac || ac->freed) return;
  ac->freed = true;
  for (size_t i = 0; i < ac->n; i++) {
    ac_entry *e = &ac->entries[i];
    if (e->in_todo) {
      int removed = lt_future_remove_done_callback(e->f, on_completion, e);
      for (int k = 0; k < removed; k++) lt__obj_release(&ac->obj);
      e->in_todo = false;
    }
  }
  ac->ntodo = 0;
  stop_timer(ac);
  /* Consumers still parked wake up to -ENOENT. */
  while (!lt__list_empty(&ac->getters)) {
    ac_getter *g = lt__container_of(ac->getters.next, ac_getter, link);
    lt__list_remove(&g->link);
    if (g->fut->state == LT_FUTURE_PENDING)
      lt__future_complete(g->fut, LT_FUTURE_RESULT, 0, NULL);
  }
  for (size_t i = 0; i < ac->n; i++) lt_future_release(ac->entries[i].f);
  lt__obj_release(&ac->obj);
}

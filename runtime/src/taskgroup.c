/* taskgroup.c: lt_taskgroup (asyncio.TaskGroup, CPython 3.11's taskgroups.py): children carry a
 * done callback (_on_task_done); the first child error aborts the group (cancels the other
 * children) and cancels the owner task once; lt_taskgroup_end is __aexit__. The group is a scope
 * on its owner task, so a task that returns with the group still open has it closed for it. */
#include <stdlib.h>

#include "internal.h"

/* A child still running (asyncio's _tasks set): the argument of its _on_task_done. */
typedef struct tg_child {
  lt__list link;
  lt_task *task;
  struct lt_taskgroup *tg;
} tg_child;

typedef struct tg_error {
  int err;
  lt_task *task; /* NULL for the body's own error */
} tg_error;

struct lt_taskgroup {
  lt__obj obj;          /* the user's reference, and one per child callback not yet run */
  lt__scope scope;      /* on parent->groups while the group is open */
  lt_task *parent;      /* the owner (asyncio's _parent_task), retained */
  lt__list children;    /* tg_child, in spawn order */
  size_t nchildren;
  bool exiting, aborting, parent_cancel_requested, ended, freed;
  lt_future *on_completed; /* what end() waits on while children run */
  tg_error *errors;
  size_t nerrors, caperrors;
};

static void tg_destroy(lt__obj *o) {
  lt_taskgroup *tg = lt__container_of(o, lt_taskgroup, obj);
  /* At loop close every object is freed regardless of references: touch no other object. */
  while (!lt__list_empty(&tg->children)) {
    tg_child *c = lt__container_of(tg->children.next, tg_child, link);
    lt__list_remove(&c->link);
    free(c);
  }
  free(tg->errors);
  free(tg);
}

static void record_error(lt_taskgroup *tg, int err, lt_task *task) {
  if (tg->nerrors == tg->caperrors) {
    size_t cap = tg->caperrors ? tg->caperrors * 2 : 4;
    tg_error *e = realloc(tg->errors, cap * sizeof *e);
    if (!e) {
      lt__misuse("task group: out of memory recording error %d (%s)", err, lt_strerror(err));
      return;
    }
    tg->errors = e;
    tg->caperrors = cap;
  }
  if (task) lt_task_retain(task);
  tg->errors[tg->nerrors++] = (tg_error){err, task};
}

/* asyncio's TaskGroup._abort: cancel every child still running, in spawn order. */
static void tg_abort(lt_taskgroup *tg) {
  tg->aborting = true;
  for (lt__list *l = tg->children.next; l != &tg->children; l = l->next) {
    tg_child *c = lt__container_of(l, tg_child, link);
    if (!lt_task_done(c->task)) lt_task_cancel(c->task);
  }
}

/* asyncio's TaskGroup._on_task_done. */
static void on_task_done(lt_future *f, void *arg) {
  tg_child *c = arg;
  lt_taskgroup *tg = c->tg;
  lt_task *task = lt__task_of(f);
  lt__list_remove(&c->link);
  free(c);
  tg->nchildren--;
  if (tg->on_completed && tg->nchildren == 0 && !lt_future_done(tg->on_completed))
    lt__future_complete(tg->on_completed, LT_FUTURE_RESULT, 0, NULL);
  int err = f->state == LT_FUTURE_ERROR ? f->err : 0;
  if (err < 0 && !tg->freed) {
    record_error(tg, err, task);
    if (lt_task_done(tg->parent)) {
      lt__misuse("task %s of a task group failed (%s) after its owner %s had finished",
                 lt_task_name(task), lt_strerror(err), lt_task_name(tg->parent));
    } else if (!tg->aborting && !tg->parent_cancel_requested) {
      /* Interrupt whatever the owner awaits in the body; end() withdraws this request. */
      tg_abort(tg);
      tg->parent_cancel_requested = true;
      lt_task_cancel(tg->parent);
    }
  }
  lt__obj_release(&tg->obj); /* the reference this callback held */
}

/* Waits until every child is done. Returns -ECANCELED if any wait was interrupted by a
 * cancellation of the owner, else 0. */
static int wait_children(lt_taskgroup *tg, const lt_srcloc *site, bool *cancelled_outside) {
  /* A loop: each cancellation of the owner interrupts one wait. */
  while (tg->nchildren > 0) {
    if (!tg->on_completed) {
      tg->on_completed = lt_future_new();
      if (!tg->on_completed) return -ENOMEM;
    }
    int rc = lt__task_park(tg->parent, tg->on_completed, LT__WAIT_GATHER, NULL, site);
    if (rc == -ECANCELED && !tg->aborting) {
      /* The owner is cancelled from outside while its children still run. */
      *cancelled_outside = true;
      tg_abort(tg);
    }
    lt_future_release(tg->on_completed);
    tg->on_completed = NULL;
  }
  return 0;
}

static void tg_close(lt_taskgroup *tg) {
  tg->ended = true;
  lt__list_remove(&tg->scope.link);
}

/* The owner returned with the group still open: close it for the task, and say so. */
static int tg_abandon(lt__scope *s, lt_task *owner, int status) {
  lt_taskgroup *tg = lt__container_of(s, lt_taskgroup, scope);
  lt__misuse("task %s returned (%s) with a task group still open: lt_taskgroup_end was never "
             "called; cancelling its %zu running children and waiting for them",
             lt_task_name(owner), lt_strerror(status), tg->nchildren);
  lt__obj_retain(&tg->obj);
  tg->exiting = true;
  if (tg->parent_cancel_requested) lt_task_uncancel(owner);
  tg_abort(tg);
  bool ignored = false;
  while (tg->nchildren > 0) {
    if (wait_children(tg, LT_HERE, &ignored) < 0) break; /* out of memory: cannot wait */
  }
  tg_close(tg);
  lt__obj_release(&tg->obj);
  return -EBUSY;
}

lt_taskgroup *lt_taskgroup_new(void) {
  lt_task *t = lt__task_check("lt_taskgroup_new");
  if (!t) {
    errno = EPERM;
    return NULL;
  }
  lt_taskgroup *tg = calloc(1, sizeof *tg);
  if (!tg) return NULL;
  lt__obj_register(t->fut.loop, &tg->obj, tg_destroy);
  tg->parent = t;
  lt_task_retain(t);
  lt__list_init(&tg->children);
  tg->scope.abandon = tg_abandon;
  /* At the front: a task that returns with nested groups open closes the innermost first. */
  lt__list_push_back(t->groups.next, &tg->scope.link);
  return tg;
}

lt_task *lt_taskgroup_spawn_at(lt_taskgroup *tg, lt_task_fn fn, void *arg,
                               const lt_task_opts *opts, const lt_srcloc *site) {
  if (!lt__loop_check("lt_taskgroup_spawn")) {
    errno = EPERM;
    return NULL;
  }
  if (!tg || tg->freed) {
    lt__misuse("lt_taskgroup_spawn on a %s task group", tg ? "freed" : "NULL");
    errno = EINVAL;
    return NULL;
  }
  if (tg->ended || (tg->exiting && tg->nchildren == 0)) {
    lt__misuse("lt_taskgroup_spawn: the task group has finished");
    errno = EINVAL;
    return NULL;
  }
  if (tg->aborting) {
    errno = ESHUTDOWN; /* asyncio: "TaskGroup is shutting down" */
    return NULL;
  }
  tg_child *c = malloc(sizeof *c);
  if (!c) return NULL;
  lt_task *t = lt_spawn_at(fn, arg, opts, site);
  if (!t) {
    free(c);
    return NULL;
  }
  c->task = t;
  c->tg = tg;
  lt__obj_retain(&tg->obj);
  if (lt_future_add_done_callback(&t->fut, on_task_done, c) < 0) {
    lt__obj_release(&tg->obj);
    free(c);
    lt_task_cancel(t); /* it has not started: it never runs */
    lt_task_release(t);
    errno = ENOMEM;
    return NULL;
  }
  lt__list_push_back(&tg->children, &c->link);
  tg->nchildren++;
  return t;
}

int lt_taskgroup_end_at(lt_taskgroup *tg, int body_status, const lt_srcloc *site) {
  lt_task *t = lt__task_check("lt_taskgroup_end");
  if (!t) return -EPERM;
  if (!tg || tg->freed) {
    lt__misuse("lt_taskgroup_end on a %s task group", tg ? "freed" : "NULL");
    return -EINVAL;
  }
  if (t != tg->parent) {
    lt__misuse("lt_taskgroup_end called by task %s; the group belongs to task %s",
               lt_task_name(t), lt_task_name(tg->parent));
    return -EPERM;
  }
  if (tg->exiting) {
    lt__misuse("lt_taskgroup_end called twice on one task group");
    return -EINVAL;
  }
  if (body_status > 0) {
    lt__misuse("lt_taskgroup_end: body_status %d is not 0 or a negative errno", body_status);
    body_status = -EINVAL;
  }
  lt__obj_retain(&tg->obj);
  tg->exiting = true;
  bool propagate_cancel = body_status == -ECANCELED;
  if (tg->parent_cancel_requested) {
    /* The group cancelled its owner: withdraw that request. Only if no other cancellation is
     * pending does the body's -ECANCELED stop here (3.11 does this before waiting). */
    if (lt_task_uncancel(t) == 0) propagate_cancel = false;
  }
  if (body_status != 0 && !tg->aborting) tg_abort(tg);
  bool cancelled_outside = false;
  int rc = wait_children(tg, site, &cancelled_outside);
  if (cancelled_outside) propagate_cancel = true;
  tg_close(tg);
  if (rc == 0) {
    if (propagate_cancel && tg->nerrors == 0) {
      rc = -ECANCELED; /* errors take priority over a cancellation */
    } else {
      if (body_status != 0 && body_status != -ECANCELED) record_error(tg, body_status, NULL);
      rc = tg->nerrors ? tg->errors[0].err : 0;
    }
  }
  lt__obj_release(&tg->obj);
  return rc;
}

size_t lt_taskgroup_error_count(const lt_taskgroup *tg) { return tg ? tg->nerrors : 0; }

int lt_taskgroup_error(const lt_taskgroup *tg, size_t i, lt_task **task) {
  if (task) *task = NULL;
  if (!tg || i >= tg->nerrors) return 0;
  if (task) *task = tg->errors[i].task;
  return tg->errors[i].err;
}

void lt_taskgroup_free(lt_taskgroup *tg) {
  if (!tg || tg->freed) return;
  if (!tg->ended) {
    /* Freed while open: it cannot wait here, so it aborts and lets its children finish. */
    lt__misuse("lt_taskgroup_free on a task group that was not ended; cancelling its %zu "
               "children", tg->nchildren);
    tg_abort(tg);
    tg_close(tg);
  }
  tg->freed = true;
  for (size_t i = 0; i < tg->nerrors; i++) lt_task_release(tg->errors[i].task);
  tg->nerrors = 0;
  lt_task_release(tg->parent);
  lt__obj_release(&tg->obj);
}

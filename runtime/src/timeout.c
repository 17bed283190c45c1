/* timeout.c: lt_timeout, asyncio.timeout / timeout_at of CPython 3.11.7 (Lib/asyncio/
 * timeouts.py): a scope on its task's list of open scopes whose handler (a timer, or a
 * call_soon when the deadline has passed already) cancels the task and marks the scope
 * expiring; leaving the scope uncancels the task and turns the cancellation into -ETIMEDOUT
 * when nobody else asked for it. Reschedulable while open. */
#include <stdlib.h>

#include "internal.h"

enum { ENTERED = 1, EXPIRING, EXPIRED, EXITED };

/* A call_soon(_on_timeout) in flight: cancelling it marks it dead (asyncio's Handle.cancel). */
typedef struct soon {
  struct lt_timeout *tm;
  bool live;
} soon;

struct lt_timeout {
  lt__obj obj;     /* the user's reference, and one for each armed handler */
  lt__scope scope; /* on task->groups while entered */
  lt_loop *loop;
  lt_task *task;   /* only while entered: it runs, so it lives */
  int state;
  int64_t when;
  int cancelling;  /* task.cancelling() on entering */
  lt_timer timer;
  soon *soon;      /* the pending call_soon handler, or NULL */
};

static void timeout_destroy(lt__obj *o) {
  lt_timeout *tm = lt__container_of(o, lt_timeout, obj);
  if (tm->soon) tm->soon->live = false; /* the loop is closing: its entry may still run */
  free(tm);
}

/* asyncio's _on_timeout. */
static void on_timeout(lt_timeout *tm) {
  if (tm->state != ENTERED) return;
  lt_task_cancel(tm->task);
  tm->state = EXPIRING;
}

static void timer_fired(void *arg) {
  lt_timeout *tm = arg;
  on_timeout(tm);
  lt__obj_release(&tm->obj);
}

static void soon_run(void *arg) {
  soon *s = arg;
  if (s->live) {
    s->tm->soon = NULL;
    on_timeout(s->tm);
    lt__obj_release(&s->tm->obj);
  }
  free(s);
}

/* The handler's cancel(). */
static void cancel_handler(lt_timeout *tm) {
  if (lt_timer_cancel(&tm->timer) == 1) lt__obj_release(&tm->obj);
  if (tm->soon) {
    tm->soon->live = false;
    tm->soon = NULL;
    lt__obj_release(&tm->obj);
  }
}

/* Timeout.reschedule once the state allows it. */
static int arm(lt_timeout *tm, int64_t when) {
  tm->when = when;
  cancel_handler(tm);
  if (when == LT_NEVER) return 0;
  if (when <= lt_now()) {
    soon *s = malloc(sizeof *s);
    if (!s) return -ENOMEM;
    *s = (soon){tm, true};
    int rc = lt_call_soon(soon_run, s);
    if (rc < 0) {
      free(s);
      return rc;
    }
    tm->soon = s;
  } else {
    int rc = lt_timer_start_at(&tm->timer, when, timer_fired, tm);
    if (rc < 0) return rc;
  }
  lt__obj_retain(&tm->obj);
  return 0;
}

static void close_scope(lt_timeout *tm, int state) {
  cancel_handler(tm);
  tm->state = state;
  lt__list_remove(&tm->scope.link);
}

static int timeout_abandon(lt__scope *sc, lt_task *owner, int status) {
  lt_timeout *tm = lt__container_of(sc, lt_timeout, scope);
  lt__misuse("task %s returned (%s) with a timeout scope still open: lt_timeout_end was never "
             "called", lt_task_name(owner), lt_strerror(status));
  close_scope(tm, tm->state == EXPIRING ? EXPIRED : EXITED);
  return -EBUSY;
}

lt_timeout *lt_timeout_at_new(int64_t when) {
  lt_task *t = lt__task_check("lt_timeout_new");
  if (!t) {
    errno = EPERM;
    return NULL;
  }
  lt_timeout *tm = calloc(1, sizeof *tm);
  if (!tm) return NULL;
  lt__obj_register(t->fut.loop, &tm->obj, timeout_destroy);
  lt_timer_init(&tm->timer);
  tm->loop = t->fut.loop;
  tm->task = t;
  tm->state = ENTERED;
  tm->cancelling = lt_task_cancelling(t);
  tm->scope.abandon = timeout_abandon;
  /* At the front: the innermost open scope is closed first (see taskgroup.c). */
  lt__list_push_back(t->groups.next, &tm->scope.link);
  int rc = arm(tm, when);
  if (rc < 0) {
    close_scope(tm, EXITED);
    lt__obj_release(&tm->obj);
    errno = -rc;
    return NULL;
  }
  return tm;
}

lt_timeout *lt_timeout_new(int64_t delay_ns) {
  if (!lt__task_check("lt_timeout_new")) {
    errno = EPERM;
    return NULL;
  }
  return lt_timeout_at_new(delay_ns < 0 ? LT_NEVER : lt_now() + delay_ns);
}

static bool bad_timeout(const lt_timeout *tm, const char *who) {
  if (!tm) {
    lt__misuse("%s on NULL", who);
    return true;
  }
  if (tm->loop != lt__tls_loop) {
    lt__misuse("%s called from a thread that does not run the scope's loop", who);
    return true;
  }
  return false;
}

int lt_timeout_reschedule(lt_timeout *tm, int64_t when) {
  if (bad_timeout(tm, "lt_timeout_reschedule")) return -EINVAL;
  if (tm->state != ENTERED) {
    lt__misuse("lt_timeout_reschedule on a timeout scope that has %s",
               tm->state == EXPIRING ? "expired" : "ended");
    return -EINVAL;
  }
  return arm(tm, when);
}

int64_t lt_timeout_when(const lt_timeout *tm) { return tm ? tm->when : LT_NEVER; }

bool lt_timeout_expired(const lt_timeout *tm) {
  return tm && (tm->state == EXPIRING || tm->state == EXPIRED);
}

int lt_timeout_end(lt_timeout *tm, int body_status) {
  if (bad_timeout(tm, "lt_timeout_end")) return -EINVAL;
  if (tm->state != ENTERED && tm->state != EXPIRING) {
    lt__misuse("lt_timeout_end on a timeout scope already ended");
    return -EINVAL;
  }
  if (lt_current_task() != tm->task) {
    lt__misuse("lt_timeout_end called outside the task that began the scope");
    return -EPERM;
  }
  if (tm->state == ENTERED) {
    close_scope(tm, EXITED);
    return body_status;
  }
  close_scope(tm, EXPIRED);
  /* No new cancellation requests since entering: the cancellation was ours. */
  if (lt_task_uncancel(tm->task) <= tm->cancelling && body_status == -ECANCELED)
    return -ETIMEDOUT;
  return body_status;
}

void lt_timeout_free(lt_timeout *tm) {
  if (!tm || bad_timeout(tm, "lt_timeout_free")) return;
  if (tm->state == ENTERED || tm->state == EXPIRING) {
    lt__misuse("lt_timeout_free on a timeout scope still open: it is ended first");
    close_scope(tm, tm->state == EXPIRING ? EXPIRED : EXITED);
  }
  lt__obj_release(&tm->obj);
}

/* interp_ops.c: the op table of the differential tester's C side: each op of ir.py run on the
 * runtime, printing exactly the `label outcome` lines its Python emitter prints. Adding an op
 * is one row of DI_OPS here (and one row in ir.py's OPS and gen.py's GEN). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "interp.h"

#define V(x) ((void *)(intptr_t)(x))
#define I(p) ((int)(intptr_t)(p))

/* ---- one program's objects (one program per process) ---- */

const di_prog *di_prog_run;
static lt_task *T[DI_MAX_SLOTS];
static lt_task *created[4 * DI_MAX_SLOTS];
static int created_slot[4 * DI_MAX_SLOTS], ncreated;
static lt_future *F[DI_MAX_OBJS];
static lt_event *E[DI_MAX_OBJS];
static lt_lock *L[DI_MAX_OBJS];
static lt_semaphore *SEM[DI_MAX_OBJS];
static lt_queue *Q[DI_MAX_OBJS];
static lt_taskgroup *G[DI_MAX_LABELS];
static lt_condition *COND[DI_MAX_OBJS];
static int CN[DI_MAX_OBJS]; /* notifies so far, per condition (vloop.cnotify) */
static lt_barrier *BAR[DI_MAX_OBJS];
static int PAIR[DI_MAX_OBJS][2]; /* [0] is written, [1] read (vloop.pairs) */

/* ---- printing outcomes as vloop.fmt does ---- */

typedef enum { VAL_INT, VAL_NONE, VAL_TRUE } val_kind;

static const char *fmt_rc(char *buf, size_t n, int rc, void *v, val_kind k) {
  if (rc == -ECANCELED) return "cancelled";
  if (rc == -ETIMEDOUT) return "timeout";
  if (rc < 0) snprintf(buf, n, "err%d", -rc);
  else if (k == VAL_NONE) return "none";
  else if (k == VAL_TRUE) return "True";
  else snprintf(buf, n, "%d", I(v));
  return buf;
}

__attribute__((format(printf, 2, 3))) static void say(const di_stmt *s, const char *fmt, ...) {
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  lt_print("%s %s", s->label, text);
}

/* A waiting statement's outcome line (`ok V`, or what the await raised), then its policy. */
static int outcome(const di_stmt *s, int rc, void *v, val_kind k) {
  char b[32];
  if (rc == 0) say(s, "ok %s", fmt_rc(b, sizeof b, rc, v, k));
  else say(s, "%s", fmt_rc(b, sizeof b, rc, v, k));
  if (rc == 0) return 0;
  if (rc == -ECANCELED) {
    switch (s->pc) {
    case 's': return 0;
    case 'u': say(s, "uncancel %d", lt_task_uncancel(lt_current_task())); return 0;
    case 'c':
      say(s, "%s", lt_sleep(0) == -ECANCELED ? "cleanup cancelled" : "cleanup ok");
      return -ECANCELED;
    default: return rc;
    }
  }
  return s->pe == 'r' ? rc : 0;
}

/* ---- tasks ---- */

static int task_body(void *arg, void **result) {
  int slot = I(arg);
  int rc = di_body_run(&di_prog_run->funcs[slot]);
  if (rc < 0) return rc;
  *result = V(100 + slot);
  return 0;
}

static void add_created(int slot, lt_task *t) {
  T[slot] = t;
  created[ncreated] = t;
  created_slot[ncreated++] = slot;
}

static int x_spawn(const di_stmt *s) {
  int k = s->args[0].n;
  add_created(k, lt_spawn(task_body, V(k)));
  return 0;
}

static int x_tgspawn(const di_stmt *s) {
  int k = s->args[0].n;
  lt_task *t = lt_taskgroup_spawn(G[s->args[1].n], task_body, V(k));
  if (!t) say(s, "shutdown");
  else add_created(k, t);
  return 0;
}

/* A coroutine element (sMS, eI, gI, pI V) run as its own task, as asyncio wraps one. */
typedef struct coro {
  di_tok what;
  int value;
} coro;

static int coro_run(const coro *c, void **v, val_kind *k) {
  *k = VAL_NONE;
  switch (c->what.kind) {
  case 's': *v = V(c->what.n); *k = VAL_INT; return lt_sleep(LT_MSEC(c->what.n));
  case 'e': *k = VAL_TRUE; return lt_event_wait(E[c->what.n]);
  case 'g': *k = VAL_INT; return lt_queue_get(Q[c->what.n], v);
  case 'r': {
    char buf[64];
    ssize_t n = lt_read(PAIR[c->what.n][1], buf, sizeof buf);
    *k = VAL_INT;
    *v = V(n);
    return n < 0 ? (int)n : 0;
  }
  default: return lt_queue_put(Q[c->what.n], V(c->value));
  }
}

static int coro_task(void *arg, void **result) {
  val_kind k;
  int rc = coro_run(arg, result, &k);
  free(arg);
  return rc;
}

static lt_task *coro_spawn(di_tok what, int value) {
  coro *c = malloc(sizeof *c);
  *c = (coro){what, value};
  return lt_spawn(coro_task, c);
}

/* The future of an element, or NULL for a task slot not spawned; *helper: a task made for a
 * coroutine element (the caller releases it). */
static lt_future *element(di_tok e, lt_task **helper) {
  *helper = NULL;
  if (e.kind == 't') return T[e.n] ? lt_task_future(T[e.n]) : NULL;
  if (e.kind == 'f') return F[e.n];
  *helper = coro_spawn(e, 0);
  return lt_task_future(*helper);
}

static int elements(const di_stmt *s, int from, lt_future **futs, lt_task **helpers) {
  int n = 0;
  for (int i = from; i < s->nargs; i++) {
    lt_future *f = element(s->args[i], &helpers[n]);
    if (f) futs[n++] = f;
  }
  return n;
}

static void release_all(lt_task **ts, int n) {
  for (int i = 0; i < n; i++)
    if (ts[i]) lt_task_release(ts[i]);
}

/* ---- waits ---- */

static int x_sleep(const di_stmt *s) {
  return outcome(s, lt_sleep(LT_MSEC(s->args[0].n)), NULL, VAL_NONE);
}

static int x_await(const di_stmt *s) {
  lt_task *h;
  lt_future *f = element(s->args[0], &h);
  if (!f) {
    say(s, "none");
    return 0;
  }
  void *v = NULL;
  int rc = lt_await(f, &v);
  return outcome(s, rc, v, VAL_INT);
}

static int x_gather(const di_stmt *s) {
  lt_future *futs[DI_MAX_ARGS] = {0};
  lt_task *helpers[DI_MAX_ARGS] = {0};
  int n = elements(s, 1, futs, helpers);
  void *values[DI_MAX_ARGS] = {0};
  int errs[DI_MAX_ARGS] = {0};
  bool ret = s->args[0].n;
  unsigned flags = ret ? LT_GATHER_RETURN_ERRORS : 0;
  int rc = lt_gather(futs, (size_t)n, values, ret ? errs : NULL, flags);
  release_all(helpers, n);
  if (rc < 0) return outcome(s, rc, NULL, VAL_INT);
  char list[256] = "[", b[32];
  for (int i = 0; i < n; i++) {
    size_t len = strlen(list);
    snprintf(list + len, sizeof list - len, "%s%s", i ? "," : "",
             fmt_rc(b, sizeof b, errs[i], values[i], VAL_INT));
  }
  strcat(list, "]");
  say(s, "ok %s", list);
  return 0;
}

static int x_ascompleted(const di_stmt *s) {
  lt_future *futs[DI_MAX_ARGS] = {0};
  lt_task *helpers[DI_MAX_ARGS] = {0};
  int n = elements(s, 1, futs, helpers), done = 0;
  for (int i = 0; i < n; i++) done += lt_future_done(futs[i]);
  if (done > 1) { /* asyncio takes already-done futures in set order: unspecified */
    say(s, "skip");
    return 0;
  }
  int to = s->args[0].n;
  lt_as_completed *ac = lt_as_completed_new(futs, (size_t)n, to < 0 ? -1 : LT_MSEC(to));
  int rc = 0;
  for (int i = 0; i < n && rc == 0; i++) {
    void *v = NULL;
    int got = lt_as_completed_next(ac, &v, NULL);
    rc = outcome(s, got, v, VAL_INT);
  }
  lt_as_completed_free(ac);
  return rc;
}

static int x_waitfor(const di_stmt *s) {
  int to = s->args[0].n;
  di_tok what = s->args[1];
  void *v = NULL;
  if (what.kind == 't' || what.kind == 'f') {
    lt_task *h;
    lt_future *f = element(what, &h);
    if (!f) {
      say(s, "none");
      return 0;
    }
    int rc = to < 0 ? lt_await(f, &v) : lt_wait_for(f, LT_MSEC(to), &v);
    return outcome(s, rc, v, VAL_INT);
  }
  coro c = {what, s->nargs > 2 ? s->args[2].n : 0};
  val_kind k = what.kind == 'e' ? VAL_TRUE : what.kind == 'p' ? VAL_NONE : VAL_INT;
  if (to < 0) { /* wait_for(coro, None) awaits the coroutine itself: no task */
    int rc = coro_run(&c, &v, &k);
    return outcome(s, rc, v, k);
  }
  lt_task *h = coro_spawn(what, c.value);
  int rc = lt_wait_for(h, LT_MSEC(to), &v);
  lt_task_release(h);
  return outcome(s, rc, v, k);
}

static int x_evwait(const di_stmt *s) {
  return outcome(s, lt_event_wait(E[s->args[0].n]), NULL, VAL_TRUE);
}

static int x_evset(const di_stmt *s) {
  lt_event_set(E[s->args[0].n]);
  say(s, "ok");
  return 0;
}

static int x_evclear(const di_stmt *s) {
  lt_event_clear(E[s->args[0].n]);
  say(s, "ok");
  return 0;
}

static int x_lockblock(const di_stmt *s) {
  lt_lock *l = L[s->args[0].n];
  int got = lt_lock_acquire(l);
  int rc = outcome(s, got, NULL, VAL_TRUE);
  if (got < 0) return rc;
  rc = di_body_run(&s->body);
  lt_lock_release(l);
  return rc;
}

static int x_semblock(const di_stmt *s) {
  lt_semaphore *m = SEM[s->args[0].n];
  int got = lt_semaphore_acquire(m);
  int rc = outcome(s, got, NULL, VAL_TRUE);
  if (got < 0) return rc;
  rc = di_body_run(&s->body);
  /* a bounded semaphore released past its value (by a bsrel): vloop.block_release says so */
  if (lt_semaphore_release(m) < 0) say(s, "release err22");
  return rc;
}

static int x_qput(const di_stmt *s) {
  return outcome(s, lt_queue_put(Q[s->args[0].n], V(s->args[1].n)), NULL, VAL_NONE);
}

static int x_qget(const di_stmt *s) {
  void *v = NULL;
  int got = lt_queue_get(Q[s->args[0].n], &v);
  int rc = outcome(s, got, v, VAL_INT);
  if (got == 0 && s->args[1].n) lt_queue_task_done(Q[s->args[0].n]);
  return rc;
}

static int x_qputnw(const di_stmt *s) {
  int rc = lt_queue_put_nowait(Q[s->args[0].n], V(s->args[1].n));
  say(s, "%s", rc == -EAGAIN ? "full" : "ok");
  return 0;
}

static int x_qgetnw(const di_stmt *s) {
  void *v;
  if (lt_queue_get_nowait(Q[s->args[0].n], &v) == -EAGAIN) say(s, "empty");
  else say(s, "ok %d", I(v));
  return 0;
}

static int x_swrite(const di_stmt *s) {
  char buf[8] = "xxxxxxx";
  ssize_t n = write(PAIR[s->args[0].n][0], buf, (size_t)s->args[1].n);
  say(s, "%s", n == s->args[1].n ? "ok" : "short");
  return 0;
}

static int x_sread(const di_stmt *s) {
  char buf[64];
  ssize_t n = lt_read(PAIR[s->args[0].n][1], buf, sizeof buf);
  return outcome(s, n < 0 ? (int)n : 0, V(n), VAL_INT);
}

static int x_join(const di_stmt *s) {
  return outcome(s, lt_queue_join(Q[s->args[0].n]), NULL, VAL_NONE);
}

static int x_tg(const di_stmt *s) {
  int g = s->args[0].n;
  lt_taskgroup *tg = lt_taskgroup_new();
  G[g] = tg;
  int body = di_body_run(&s->body);
  int rc = lt_taskgroup_end(tg, body);
  size_t n = lt_taskgroup_error_count(tg);
  G[g] = NULL;
  if (n == 0) {
    lt_taskgroup_free(tg);
    if (rc == 0) {
      say(s, "ok");
      return 0;
    }
    return outcome(s, rc, NULL, VAL_NONE);
  }
  char list[256] = "group[", b[32];
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(list);
    snprintf(list + len, sizeof list - len, "%s%s", i ? "," : "",
             fmt_rc(b, sizeof b, lt_taskgroup_error(tg, i, NULL), NULL, VAL_INT));
  }
  int first = lt_taskgroup_error(tg, 0, NULL);
  lt_taskgroup_free(tg);
  say(s, "%s]", list);
  return s->pe == 'r' ? first : 0;
}

/* ---- cancellation ---- */

static int x_cancel(const di_stmt *s) {
  lt_task *t = T[s->args[0].n];
  if (!t) say(s, "none");
  else say(s, "%d", lt_task_cancel(t));
  return 0;
}

static int x_cancelself(const di_stmt *s) {
  say(s, "%d", lt_task_cancel(lt_current_task()));
  return 0;
}

static int x_uncancel(const di_stmt *s) {
  say(s, "%d", lt_task_uncancel(lt_current_task()));
  return 0;
}

static int x_cancelling(const di_stmt *s) {
  say(s, "%d", lt_task_cancelling(lt_current_task()));
  return 0;
}

static int x_raise(const di_stmt *s) {
  say(s, "ok");
  return -s->args[0].n;
}

/* ---- futures and callbacks ---- */

static int x_futset(const di_stmt *s) {
  say(s, "%s", lt_future_set_result(F[s->args[0].n], V(s->args[1].n)) < 0 ? "invalid" : "ok");
  return 0;
}

static int x_futerr(const di_stmt *s) {
  say(s, "%s", lt_future_set_error(F[s->args[0].n], -s->args[1].n) < 0 ? "invalid" : "ok");
  return 0;
}

static int x_futcancel(const di_stmt *s) {
  say(s, "%d", lt_future_cancel(F[s->args[0].n]));
  return 0;
}

static void on_done(lt_future *f, void *arg) {
  const di_stmt *s = arg;
  void *v = NULL;
  char b[32];
  int rc = lt_future_result(f, &v);
  lt_print("%s! %s", s->label, fmt_rc(b, sizeof b, rc, v, VAL_INT));
}

static int x_futcb(const di_stmt *s) {
  lt_task *h;
  lt_future *f = element(s->args[0], &h);
  if (!f) {
    say(s, "none");
    return 0;
  }
  lt_future_add_done_callback(f, on_done, (void *)s);
  say(s, "ok");
  return 0;
}

static int x_rmcb(const di_stmt *s) {
  lt_task *h;
  lt_future *f = element(s->args[0], &h);
  if (!f) {
    say(s, "none");
    return 0;
  }
  say(s, "%d", s->target ? lt_future_remove_done_callback(f, on_done, (void *)s->target) : 0);
  return 0;
}

static void on_call(void *arg) {
  const di_stmt *s = arg;
  lt_print("%s!", s->label);
  di_body_run(&s->body);
}

static int x_callsoon(const di_stmt *s) {
  lt_call_soon(on_call, (void *)s);
  say(s, "ok");
  return 0;
}

static int x_calllater(const di_stmt *s) {
  lt_call_later(LT_MSEC(s->args[0].n), on_call, (void *)s);
  say(s, "ok");
  return 0;
}

/* ---- the executor (main's prologue only) ---- */

static int job(void *arg, void **result) {
  *result = arg;
  return I(arg) < 0 ? I(arg) : 0;
}

typedef struct exec_cb {
  const di_stmt *s;
  char tag;
} exec_cb;

static void on_exec(lt_future *f, void *arg) {
  exec_cb *c = arg;
  void *v = NULL;
  char b[32];
  int rc = lt_future_result(f, &v);
  lt_print("%s!%c %s", c->s->label, c->tag, fmt_rc(b, sizeof b, rc, v, VAL_INT));
}

static int x_exec(const di_stmt *s) {
  static exec_cb cbs[2 * DI_MAX_LABELS];
  exec_cb *before = &cbs[2 * s->num], *after = &cbs[2 * s->num + 1];
  *before = (exec_cb){s, 'b'};
  *after = (exec_cb){s, 'a'};
  lt_future *f = lt_executor_submit(job, V(s->args[0].n));
  if (s->args[1].n) lt_future_add_done_callback(f, on_exec, before);
  void *v = NULL;
  int got = lt_await(f, &v);
  int rc = outcome(s, got, v, VAL_INT);
  if (rc == 0 && s->args[2].n) lt_future_add_done_callback(f, on_exec, after);
  return rc;
}

static int x_tothread(const di_stmt *s) {
  void *v = NULL;
  int rc = lt_to_thread(job, V(s->args[0].n), &v);
  return outcome(s, rc, v, VAL_INT);
}

/* ---- part 2: wait, timeout scopes, shield, Condition, Barrier, BoundedSemaphore ---- */

static int x_wait(const di_stmt *s) {
  lt_future *futs[DI_MAX_ARGS] = {0}, *done[DI_MAX_ARGS];
  lt_task *helpers[DI_MAX_ARGS] = {0};
  int n = elements(s, 2, futs, helpers), to = s->args[1].n;
  if (n == 0) {
    say(s, "none");
    return 0;
  }
  static const lt_wait_when when[] = {LT_ALL_COMPLETED, LT_FIRST_COMPLETED, LT_FIRST_EXCEPTION};
  size_t nd = 0;
  int rc = lt_wait(futs, (size_t)n, when[s->args[0].n], to < 0 ? -1 : LT_MSEC(to), done, &nd,
                   NULL, NULL);
  if (rc < 0) return outcome(s, rc, NULL, VAL_NONE);
  char dp[DI_MAX_ARGS + 1] = "";
  for (int i = 0; i < n; i++) {
    dp[i] = 'p';
    for (size_t j = 0; j < nd; j++)
      if (done[j] == futs[i]) dp[i] = 'd';
  }
  say(s, "ok %s", dp);
  return 0;
}

static int x_tmo(const di_stmt *s) {
  int d = s->args[0].n, r = s->args[1].n;
  lt_timeout *tm = lt_timeout_new(d < 0 ? -1 : LT_MSEC(d));
  if (r != -2) {
    int got = lt_timeout_reschedule(tm, r < 0 ? LT_NEVER : lt_now() + LT_MSEC(r));
    say(s, "resched %s", got < 0 ? "err22" : "ok");
  }
  int rc = lt_timeout_end(tm, di_body_run(&s->body));
  lt_timeout_free(tm);
  if (rc == 0) {
    say(s, "ok");
    return 0;
  }
  return outcome(s, rc, NULL, VAL_NONE);
}

static int x_shield(const di_stmt *s) {
  lt_task *h;
  lt_future *f = element(s->args[0], &h);
  if (!f) {
    say(s, "none");
    return 0;
  }
  lt_future *sf = lt_shield(f);
  void *v = NULL;
  int rc = lt_await(sf, &v);
  lt_future_release(sf);
  if (h) lt_task_release(h);
  return outcome(s, rc, v, VAL_INT);
}

static bool enough_notifies(void *arg) {
  const di_stmt *s = arg;
  return CN[s->args[0].n] >= s->args[1].n;
}

static int x_cwait(const di_stmt *s) {
  lt_condition *c = COND[s->args[0].n];
  int rc = lt_condition_acquire(c);
  if (rc == 0) {
    rc = s->args[1].n ? lt_condition_wait_for(c, enough_notifies, (void *)s)
                      : lt_condition_wait(c);
    lt_condition_release(c);
  }
  return outcome(s, rc, NULL, VAL_TRUE);
}

static int x_cnotify(const di_stmt *s) {
  int i = s->args[0].n, n = s->args[1].n;
  int rc = lt_condition_acquire(COND[i]);
  if (rc == 0) {
    CN[i]++;
    if (n) lt_condition_notify(COND[i], (size_t)n);
    else lt_condition_notify_all(COND[i]);
    lt_condition_release(COND[i]);
  }
  return outcome(s, rc, NULL, VAL_NONE);
}

static int x_bwait(const di_stmt *s) {
  int rc = lt_barrier_wait(BAR[s->args[0].n]);
  return outcome(s, rc < 0 ? rc : 0, V(rc), VAL_INT);
}

static int x_babort(const di_stmt *s) {
  return outcome(s, lt_barrier_abort(BAR[s->args[0].n]), NULL, VAL_NONE);
}

static int x_breset(const di_stmt *s) {
  return outcome(s, lt_barrier_reset(BAR[s->args[0].n]), NULL, VAL_NONE);
}

static int x_qputs(const di_stmt *s) {
  char r[DI_MAX_ARGS + 1] = "";
  for (int i = 1; i < s->nargs; i++)
    r[i - 1] = lt_queue_put_nowait(Q[s->args[0].n], V(s->args[i].n)) == -EAGAIN ? 'f' : 'o';
  say(s, "ok %s", r);
  return 0;
}

static int x_qgets(const di_stmt *s) {
  char r[64] = "";
  for (int i = 0; i < s->args[1].n; i++) {
    void *v;
    size_t len = strlen(r);
    if (lt_queue_get_nowait(Q[s->args[0].n], &v) == -EAGAIN)
      snprintf(r + len, sizeof r - len, "%se", i ? "," : "");
    else snprintf(r + len, sizeof r - len, "%s%d", i ? "," : "", I(v));
  }
  say(s, "ok %s", r);
  return 0;
}

static int x_bsrel(const di_stmt *s) {
  say(s, "%s", lt_semaphore_release(SEM[s->args[0].n]) < 0 ? "err22" : "ok");
  return 0;
}

/* ---- the table ---- */

#define DI_OPS(X)                                                                            \
  X(spawn, x_spawn) X(tgspawn, x_tgspawn) X(sleep, x_sleep) X(await, x_await)              \
  X(gather, x_gather) X(ascompleted, x_ascompleted) X(waitfor, x_waitfor)                  \
  X(evwait, x_evwait) X(evset, x_evset) X(evclear, x_evclear)                              \
  X(lock, x_lockblock) X(sem, x_semblock)                                                   \
  X(qput, x_qput) X(qget, x_qget) X(qputnw, x_qputnw) X(qgetnw, x_qgetnw) X(join, x_join)  \
  X(tg, x_tg) X(cancel, x_cancel) X(cancelself, x_cancelself) X(uncancel, x_uncancel)      \
  X(cancelling, x_cancelling) X(raise, x_raise)                                            \
  X(futset, x_futset) X(futerr, x_futerr) X(futcancel, x_futcancel) X(futcb, x_futcb)      \
  X(rmcb, x_rmcb) X(callsoon, x_callsoon) X(calllater, x_calllater)                        \
  X(exec, x_exec) X(tothread, x_tothread) X(swrite, x_swrite) X(sread, x_sread)            \
  X(wait, x_wait) X(tmo, x_tmo) X(shield, x_shield) X(cwait, x_cwait) X(cnotify, x_cnotify) \
  X(bwait, x_bwait) X(babort, x_babort) X(breset, x_breset) X(bsrel, x_bsrel)   \
  X(qputs, x_qputs) X(qgets, x_qgets)

#define DI_ROW(name, fn) {#name, fn},
const di_op di_ops[] = {DI_OPS(DI_ROW){NULL, NULL}};

int di_op_find(const char *name) {
  for (int i = 0; di_ops[i].name; i++)
    if (strcmp(di_ops[i].name, name) == 0) return i;
  return -1;
}

int di_body_run(const di_body *b) {
  for (int i = 0; i < b->n; i++) {
    int rc = di_ops[b->s[i].op].exec(&b->s[i]);
    if (rc < 0) return rc;
  }
  return 0;
}

/* ---- main: the objects, the prologue, the watchdog, the body, the drain ---- */

static lt_timer wd;
static lt_task *main_task;
static int wd_fired;

/* vloop.watchdog: a deadlock; cancel what is left, then main; the third time, stop. */
static void watchdog(void *arg) {
  (void)arg;
  lt_print("deadlock");
  if (++wd_fired >= 3) {
    fflush(stdout);
    _exit(0);
  }
  for (int i = 0; i < ncreated; i++)
    if (!lt_task_done(created[i])) lt_task_cancel(created[i]);
  lt_task_cancel(main_task);
  lt_timer_start(&wd, LT_SEC(1000), watchdog, NULL);
}

/* vloop.PItem: a priority queue's items ordered by their value mod 3 alone (equal keys). */
static int by_key(const void *a, const void *b) {
  return I(a) % 3 - I(b) % 3;
}

static lt_queue *new_queue(size_t maxsize, int kind) {
  if (kind == 1) return lt_lifo_queue_new(maxsize);
  if (kind == 2) return lt_priority_queue_new(maxsize, by_key);
  return lt_queue_new(maxsize);
}

int di_main(void *arg, void **result) {
  (void)result;
  const di_prog *p = di_prog_run = arg;
  for (int i = 0; i < p->nfut; i++) F[i] = lt_future_new();
  for (int i = 0; i < p->nev; i++) E[i] = lt_event_new();
  for (int i = 0; i < p->nlock; i++) L[i] = lt_lock_new();
  for (int i = 0; i < p->nsem; i++)
    SEM[i] = (p->sbound[i] ? lt_bounded_semaphore_new : lt_semaphore_new)((unsigned)p->sems[i]);
  for (int i = 0; i < p->nq; i++) Q[i] = new_queue((size_t)p->qmax[i], p->qkind[i]);
  for (int i = 0; i < p->ncond; i++) COND[i] = lt_condition_new(NULL);
  for (int i = 0; i < p->nbar; i++) BAR[i] = lt_barrier_new((unsigned)p->bars[i]);
  for (int i = 0; i < p->npair; i++) {
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, PAIR[i]) < 0) return -errno;
    lt_set_nonblocking(PAIR[i][0]);
    lt_set_nonblocking(PAIR[i][1]);
  }
  di_body_run(&p->prologue);
  main_task = lt_current_task();
  lt_timer_init(&wd);
  lt_timer_start(&wd, LT_SEC(1000), watchdog, NULL);
  di_body_run(&p->funcs[0]);
  /* vloop.drain: cancel what is left in creation order, then await each */
  for (int i = 0; i < ncreated; i++)
    if (!lt_task_done(created[i])) lt_task_cancel(created[i]);
  for (int i = 0; i < ncreated; i++) {
    void *v = NULL;
    char b[32];
    int rc = lt_await(created[i], &v);
    lt_print("end t%d %s", created_slot[i], fmt_rc(b, sizeof b, rc, v, VAL_INT));
  }
  lt_timer_cancel(&wd);
  return 0;
}

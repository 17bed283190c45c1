/* lint.c: the lints of a session (see lint.h), found in one pass over its records, track by
 * track in sequence order, following each task from step to step. */
#include "model/lint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/map-inl.h"
#include "wire/reader.h"

#define MAX_PER_KIND 1000 /* findings kept per lint: the worst are what a person reads */

static const char *const names[] = {
#define LTC__LINT(name, text, what) text,
    LTC_LINT_MAP(LTC__LINT)
#undef LTC__LINT
};
static const char *const whats[] = {
#define LTC__LINT(name, text, what) what,
    LTC_LINT_MAP(LTC__LINT)
#undef LTC__LINT
};
const char *ltc_lint_name(unsigned k) { return k < LTC_LINT_COUNT ? names[k] : "unknown"; }
const char *ltc_lint_what(unsigned k) { return k < LTC_LINT_COUNT ? whats[k] : "unknown"; }

void ltc_lint_defaults(ltc_lint_opts *o) {
  *o = (ltc_lint_opts){.long_step = 100000000, .never_yield = 1000000000,
                       .late_timer = 20000000, .ready_delay = 50000000,
                       .long_wait = 100000000, .cancel_grace = 1000000000,
                       .self_wake_pct = 50};
}

typedef struct tinfo {
  uint64_t key; /* ltc_map_key(track, task) */
  char name[64];
  uint64_t spawn_site, last_site;
  int64_t resumed, ready_at; /* -1: not running / not ready */
  bool suspended_once, waiting, done, shutdown_cancel;
  uint8_t reason;
  uint64_t wait_obj, wait_site;
  int64_t wait_since, cancel_at; /* cancel_at -1: none pending */
  uint64_t suspends, yields, yield_site;
  int64_t first_yield;
} tinfo;

typedef struct samples {
  int64_t *v;
  size_t n, cap;
} samples;

typedef struct linter {
  const ltc_lint_opts *o;
  const ltc_session_strings *strings;
  ltc_map tasks; /* of tinfo */
  ltc_map mains; /* by track (id 0): the track's first task, and whether it is done */
  ltc_map timers; /* by (track, timer id): the task that armed it */
  ltc_lint *out;
  size_t cap, per_kind[LTC_LINT_COUNT];
  samples late, ready, step;
  int64_t end;
  bool oom;
} linter;

typedef struct timerslot {
  uint64_t key;
  uint32_t task;
} timerslot;

typedef struct mainslot {
  uint64_t key;
  uint32_t task;
  bool done;
} mainslot;

static void sample(linter *l, samples *s, int64_t v) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 1024;
    int64_t *p = realloc(s->v, cap * sizeof *p);
    if (!p) {
      l->oom = true;
      return;
    }
    s->v = p;
    s->cap = cap;
  }
  s->v[s->n++] = v;
}

static void site_of(linter *l, uint32_t track, uint64_t site, ltc_finding *f) {
  const char *file, *func;
  int64_t line;
  if (!site || ltc_sites_get(l->strings, track, site, &file, &func, &line) < 0 || !file) return;
  const char *base = strrchr(file, '/');
  snprintf(f->file, sizeof f->file, "%s", base ? base + 1 : file);
  f->line = line;
}

static void find(linter *l, unsigned kind, const tinfo *t, uint64_t site, int64_t at,
                 int64_t value, uint64_t object) {
  if (l->per_kind[kind] >= MAX_PER_KIND) return;
  if (l->out->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 64;
    ltc_finding *p = realloc(l->out->f, cap * sizeof *p);
    if (!p) {
      l->oom = true;
      return;
    }
    l->out->f = p;
    l->cap = cap;
  }
  l->per_kind[kind]++;
  ltc_finding *f = &l->out->f[l->out->n++];
  *f = (ltc_finding){.kind = (uint8_t)kind, .track = ltc_map_key_track(t->key),
                     .task = ltc_map_key_id(t->key), .at_ns = at, .value = value,
                     .object = object};
  snprintf(f->name, sizeof f->name, "%s", t->name);
  snprintf(f->reason, sizeof f->reason, "%s",
           kind == LTC_LINT_LONG_WAIT || kind == LTC_LINT_LOST_WAKER
               ? ltc_reason_name(t->reason) : "");
  site_of(l, f->track, site, f);
}

static tinfo *task_of(linter *l, uint32_t track, uint32_t task) {
  bool fresh;
  tinfo *t = ltc_map_put(&l->tasks, ltc_map_key(track, task), &fresh);
  if (!t) {
    l->oom = true;
    return NULL;
  }
  if (fresh) {
    uint64_t key = t->key;
    *t = (tinfo){.key = key, .resumed = -1, .ready_at = -1, .cancel_at = -1};
    snprintf(t->name, sizeof t->name, "task %u", task);
  }
  return t;
}

/* A step ends (a suspend, the task's end, or the session's end): long, or never yielded. */
static void step_end(linter *l, tinfo *t, int64_t ts, uint64_t end_site) {
  if (t->resumed < 0) return;
  int64_t d = ts - t->resumed;
  sample(l, &l->step, d);
  if (!t->suspended_once && d >= l->o->never_yield)
    find(l, LTC_LINT_NEVER_YIELDED, t, end_site ? end_site : t->spawn_site, t->resumed, d, 0);
  else if (d >= l->o->long_step)
    find(l, LTC_LINT_LONG_STEP, t, end_site ? end_site : t->last_site, t->resumed, d, 0);
  t->resumed = -1;
}

static bool sync_wait(uint8_t reason) {
  return reason == LT_REASON_LOCK || reason == LT_REASON_QUEUE ||
         reason == LT_REASON_SEMAPHORE || reason == LT_REASON_EVENT;
}

/* The wait t was in ends at ts (it became ready). */
static void wait_end(linter *l, tinfo *t, int64_t ts) {
  if (!t->waiting) return;
  t->waiting = false;
  int64_t d = ts - t->wait_since;
  if (sync_wait(t->reason) && d >= l->o->long_wait)
    find(l, LTC_LINT_LONG_WAIT, t, t->wait_site, t->wait_since, d, t->wait_obj);
}

static void on_event(void *user, const ltc_event *e) {
  linter *l = user;
  if (l->oom) return;
  if (e->ts > l->end) l->end = e->ts;
  if (e->kind == LT_EV_TIMER_ARM && e->task) {
    timerslot *ts = ltc_map_put(&l->timers, ltc_map_key(e->track, e->a[0]), NULL);
    if (ts) ts->task = e->task;
    return;
  }
  if (e->kind == LT_EV_TIMER_FIRE) {
    int64_t late = (int64_t)e->a[1];
    sample(l, &l->late, late);
    timerslot *ts = ltc_map_find(&l->timers, ltc_map_key(e->track, e->a[0]));
    uint32_t owner = e->task ? e->task : ts ? ts->task : 0;
    if (late >= l->o->late_timer && owner) {
      tinfo *t = task_of(l, e->track, owner);
      if (t) find(l, LTC_LINT_LATE_TIMER, t, t->waiting ? t->wait_site : t->last_site,
                  e->ts, late, e->a[0]);
    }
    return;
  }
  if (e->kind < LT_EV_TASK_CREATE || e->kind > LT_EV_TASK_CANCEL || !e->task) return;
  tinfo *t = task_of(l, e->track, e->task);
  if (!t) return;
  switch (e->kind) {
    case LT_EV_TASK_CREATE: {
      const char *name = ltc_strings_get(l->strings, e->track, e->a[1]);
      if (name) snprintf(t->name, sizeof t->name, "%s", name);
      t->spawn_site = e->a[2];
      bool fresh;
      mainslot *m = ltc_map_put(&l->mains, ltc_map_key(e->track, 0), &fresh);
      if (m && fresh) m->task = e->task;
      break;
    }
    case LT_EV_TASK_READY:
      wait_end(l, t, e->ts);
      t->ready_at = e->ts;
      break;
    case LT_EV_TASK_RESUME:
      wait_end(l, t, e->ts);
      if (t->ready_at >= 0) {
        int64_t d = e->ts - t->ready_at;
        sample(l, &l->ready, d);
        if (d >= l->o->ready_delay)
          find(l, LTC_LINT_READY_DELAY, t, t->last_site ? t->last_site : t->spawn_site,
               t->ready_at, d, 0);
      }
      t->ready_at = -1;
      t->resumed = e->ts;
      break;
    case LT_EV_TASK_SUSPEND:
      step_end(l, t, e->ts, e->a[1]);
      t->suspended_once = true;
      t->last_site = e->a[1];
      t->suspends++;
      t->reason = e->flags;
      if (e->flags == LT_REASON_YIELD) { /* it wakes itself: ready at once */
        if (!t->yields++) t->first_yield = e->ts;
        t->yield_site = e->a[1];
        t->ready_at = e->ts;
      } else {
        t->waiting = true;
        t->wait_obj = e->a[0];
        t->wait_site = e->a[1];
        t->wait_since = e->ts;
      }
      break;
    case LT_EV_TASK_CANCEL: {
      if (t->cancel_at < 0) t->cancel_at = e->ts;
      mainslot *m = ltc_map_find(&l->mains, ltc_map_key(e->track, 0));
      /* the loop cancelling what is left once main returned: a task still waiting on a
       * plain future then was never going to be woken */
      if (m && m->done && e->a[0] == 0 && t->waiting && t->reason == LT_REASON_FUTURE) {
        t->shutdown_cancel = true;
        find(l, LTC_LINT_LOST_WAKER, t, t->wait_site, t->wait_since, e->ts - t->wait_since,
             t->wait_obj);
      }
      break;
    }
    case LT_EV_TASK_DONE: {
      step_end(l, t, e->ts, 0);
      if (t->cancel_at >= 0 && e->ts - t->cancel_at >= l->o->cancel_grace)
        find(l, LTC_LINT_CANCEL_STUCK, t, t->last_site, t->cancel_at, e->ts - t->cancel_at, 0);
      t->done = true;
      t->waiting = false;
      mainslot *m = ltc_map_find(&l->mains, ltc_map_key(e->track, 0));
      if (m && m->task == e->task) m->done = true;
      break;
    }
    default: break;
  }
}

/* What is still open at the session's end. */
static void finish(linter *l) {
  for (size_t i = 0; i < l->tasks.cap; i++) {
    tinfo *t = ltc_map_at(&l->tasks, i);
    if (!t->key || t->done) continue;
    step_end(l, t, l->end, 0);
    if (t->waiting && t->reason == LT_REASON_FUTURE && !t->shutdown_cancel)
      find(l, LTC_LINT_LOST_WAKER, t, t->wait_site, t->wait_since, l->end - t->wait_since,
           t->wait_obj);
    if (t->cancel_at >= 0 && l->end - t->cancel_at >= l->o->cancel_grace)
      find(l, LTC_LINT_CANCEL_STUCK, t, t->last_site, t->cancel_at, l->end - t->cancel_at, 0);
    t->waiting = false;
  }
  for (size_t i = 0; i < l->tasks.cap; i++) {
    tinfo *t = ltc_map_at(&l->tasks, i);
    if (!t->key) continue;
    l->out->wakes += t->suspends;
    l->out->self_wakes += t->yields;
    if (t->suspends >= 10 && t->yields * 100 > t->suspends * (uint64_t)l->o->self_wake_pct)
      find(l, LTC_LINT_SELF_WAKE, t, t->yield_site, t->first_yield,
           (int64_t)(t->yields * 100 / t->suspends), 0);
  }
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static ltc_pct pct(samples *s) {
  ltc_pct p = {.n = s->n};
  if (!s->n) return p;
  qsort(s->v, s->n, sizeof *s->v, cmp_i64);
  p.p50 = s->v[(s->n - 1) * 50 / 100];
  p.p99 = s->v[(s->n - 1) * 99 / 100];
  p.max = s->v[s->n - 1];
  return p;
}

/* Findings in lint order; within a lint the worst first, then by moment, task. */
static int cmp_finding(const void *pa, const void *pb) {
  const ltc_finding *a = pa, *b = pb;
  if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
  if (a->value != b->value) return a->value > b->value ? -1 : 1;
  if (a->at_ns != b->at_ns) return a->at_ns < b->at_ns ? -1 : 1;
  if (a->track != b->track) return a->track < b->track ? -1 : 1;
  return a->task < b->task ? -1 : a->task > b->task;
}

int ltc_lint_session(ltc_store *s, int64_t id, const ltc_lint_opts *o, ltc_lint *out,
                     ltc_err *err) {
  memset(out, 0, sizeof *out);
  ltc_lint_opts defaults;
  if (!o) {
    ltc_lint_defaults(&defaults);
    o = &defaults;
  }
  linter l = {.o = o, .tasks = LTC_MAP_OF(tinfo), .mains = LTC_MAP_OF(mainslot),
              .timers = LTC_MAP_OF(timerslot), .out = out};
  /* strings of its own: findings made after the scan (at the session's end) name sites too */
  ltc_session_strings *text = ltc_store_strings(s, id);
  if (!text) return ltc_fail(err, -ENOMEM, "linting: out of memory");
  l.strings = text;
  const ltc_session_strings *scan_strings;
  int rc = ltc_store_session_events(s, id, &scan_strings, on_event, &l, err);
  if (rc == 0 && !l.oom) finish(&l);
  if (rc == 0 && l.oom) rc = ltc_fail(err, -ENOMEM, "linting session %lld: out of memory",
                                      (long long)id);
  out->late = pct(&l.late);
  out->ready = pct(&l.ready);
  out->step = pct(&l.step);
  if (out->n) qsort(out->f, out->n, sizeof *out->f, cmp_finding);
  free(l.late.v);
  free(l.ready.v);
  free(l.step.v);
  ltc_map_free(&l.tasks);
  ltc_map_free(&l.mains);
  ltc_map_free(&l.timers);
  ltc_strings_free(text);
  if (rc < 0) ltc_lint_free(out);
  return rc;
}

void ltc_lint_free(ltc_lint *l) {
  free(l->f);
  memset(l, 0, sizeof *l);
}

static bool alike(const ltc_finding *a, const ltc_finding *b) {
  return a->kind == b->kind && strcmp(a->name, b->name) == 0 &&
         strcmp(a->file, b->file) == 0 && a->line == b->line;
}

static void grew(ltc_lint_regress *r, const char *what, int64_t a, int64_t b, int tol_pct,
                 int64_t tol_ns) {
  if (a - b <= tol_ns || (double)a <= (double)b * (1 + tol_pct / 100.0)) return;
  size_t len = strlen(r->grew);
  snprintf(r->grew + len, sizeof r->grew - len, "%s%s %.3f ms -> %.3f ms", len ? "; " : "",
           what, (double)b / 1e6, (double)a / 1e6);
  r->ngrew++;
}

int ltc_lint_against(const ltc_lint *a, const ltc_lint *b, int tol_pct, int64_t tol_ns,
                     ltc_lint_regress *out) {
  memset(out, 0, sizeof *out);
  out->fresh = calloc(a->n + 1, sizeof *out->fresh);
  if (!out->fresh) return -ENOMEM;
  for (size_t i = 0; i < a->n; i++) {
    bool seen = false;
    for (size_t j = 0; j < b->n && !seen; j++) seen = alike(&a->f[i], &b->f[j]);
    if (!seen) out->fresh[out->nfresh++] = &a->f[i];
  }
  grew(out, "late timers p99", a->late.p99, b->late.p99, tol_pct, tol_ns);
  grew(out, "late timers max", a->late.max, b->late.max, tol_pct, tol_ns);
  grew(out, "ready->running p99", a->ready.p99, b->ready.p99, tol_pct, tol_ns);
  grew(out, "ready->running max", a->ready.max, b->ready.max, tol_pct, tol_ns);
  grew(out, "steps p99", a->step.p99, b->step.p99, tol_pct, tol_ns);
  grew(out, "steps max", a->step.max, b->step.max, tol_pct, tol_ns);
  return 0;
}

void ltc_lint_regress_free(ltc_lint_regress *r) {
  free(r->fresh);
  memset(r, 0, sizeof *r);
}

/* ordering.c: a stored session read back as its ordering (see ordering.h): task identities
 * from the tasks table, then one pass over the records (track by track, in sequence order)
 * that turns the scheduling records into steps with keys, and follows every task through the
 * task state machine for its busy / scheduled / waiting times. */
#define _GNU_SOURCE
#include "model/ordering.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/map-inl.h"
#include "model/taskstate.h"

/* ---- interned strings ---- */

/* Texts by content: each kept once, found by its hash. Two texts whose hashes collide are
 * told apart by probing the keys that follow the hash (key, key + 1, ...). */
typedef struct pool {
  char **s; /* by id */
  size_t n, cap;
  ltc_map ids; /* of pool_entry */
} pool;

typedef struct pool_entry {
  uint64_t key; /* the text's hash, or a later key after a collision; never 0 */
  uint32_t id;
} pool_entry;

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h | 1; /* never 0, an empty slot's key */
}

/* The entry of s, or (*key) the first key where it would go. */
static pool_entry *pool_lookup(const pool *p, const char *s, uint64_t *key) {
  for (uint64_t k = hash_str(s);; k += 2) {
    pool_entry *e = ltc_map_find(&p->ids, k);
    if (!e || strcmp(p->s[e->id], s) == 0) {
      *key = k;
      return e;
    }
  }
}

static int64_t pool_find(const pool *p, const char *s) {
  uint64_t key;
  pool_entry *e = pool_lookup(p, s, &key);
  return e ? (int64_t)e->id : -1;
}

/* The id of s, adding it when new; -1 when out of memory. */
static int64_t pool_add(pool *p, const char *s) {
  if (!p->ids.size) p->ids = LTC_MAP_OF(pool_entry);
  uint64_t key;
  pool_entry *e = pool_lookup(p, s, &key);
  if (e) return e->id;
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 256;
    char **n = realloc(p->s, cap * sizeof *n);
    if (!n) return -1;
    p->s = n;
    p->cap = cap;
  }
  char *copy = strdup(s);
  if (!copy || !(e = ltc_map_put(&p->ids, key, NULL))) {
    free(copy);
    return -1;
  }
  e->id = (uint32_t)p->n;
  p->s[p->n] = copy;
  return (int64_t)p->n++;
}

static void pool_free(pool *p) {
  for (size_t i = 0; i < p->n; i++) free(p->s[i]);
  free(p->s);
  ltc_map_free(&p->ids);
}

/* ---- the ordering's private part ---- */

struct ltc_opriv {
  pool keys, texts;
  size_t stepcap;
  uint32_t *loop_tracks; /* the tracks that have tasks, in order: a task's loop ordinal */
  size_t nloops;
  ltc_taskstates timers; /* pending timers and who armed them (ltc_timers_apply) */
  ltc_taskstates states;
  const ltc_session_strings *strings;
  bool portable; /* keys without await sites (ltc_ordering_match_across) */
  char *buf; /* a scratch buffer for keys */
  size_t buflen;
  int err;
};

/* Formats into the scratch buffer and interns the result in p. */
__attribute__((format(printf, 3, 4))) static const char *intern(ltc_ordering *o, pool *p,
                                                                const char *fmt, ...) {
  struct ltc_opriv *v = o->priv;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(v->buf, v->buflen, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    if ((size_t)n < v->buflen) break;
    char *b = realloc(v->buf, (size_t)n + 1);
    if (!b) return NULL;
    v->buf = b;
    v->buflen = (size_t)n + 1;
  }
  int64_t id = pool_add(p, v->buf);
  return id < 0 ? NULL : p->s[id];
}

static const char *base_name(const char *path) {
  const char *slash = path ? strrchr(path, '/') : NULL;
  return slash ? slash + 1 : path ? path : "";
}

static int32_t task_index(const ltc_ordering *o, uint32_t track, uint32_t task) {
  size_t lo = 0, hi = o->ntasks;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    const ltc_otask *t = &o->tasks[mid];
    if (t->track == track && t->task == task) return (int32_t)mid;
    if (t->track < track || (t->track == track && t->task < task))
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

/* ---- tasks and their identities ---- */

static void add_task(void *user, const ltc_task_row *r) {
  ltc_ordering *o = user;
  struct ltc_opriv *v = o->priv;
  if (v->err) return;
  ltc_otask *n = realloc(o->tasks, (o->ntasks + 1) * sizeof *n);
  if (!n) {
    v->err = -ENOMEM;
    return;
  }
  o->tasks = n;
  ltc_otask *t = &n[o->ntasks++];
  *t = (ltc_otask){.track = r->track,
                   .task = r->task,
                   .spawn_line = r->spawn_line,
                   .created_ns = r->created_ns,
                   .finished_ns = r->finished_ns};
  t->name = intern(o, &v->texts, "%s", r->name ? r->name : "?");
  t->spawn_file = r->spawn_file ? intern(o, &v->texts, "%s", r->spawn_file) : NULL;
  t->spawn_func = r->spawn_func ? intern(o, &v->texts, "%s", r->spawn_func) : NULL;
  t->outcome = r->outcome ? intern(o, &v->texts, "%s", r->outcome) : NULL;
  if (!t->name || (r->spawn_file && !t->spawn_file) || (r->spawn_func && !t->spawn_func) ||
      (r->outcome && !t->outcome))
    v->err = -ENOMEM;
}

static bool same_site(const ltc_otask *a, const ltc_otask *b) {
  return a->spawn_line == b->spawn_line &&
         strcmp(base_name(a->spawn_file), base_name(b->spawn_file)) == 0 &&
         strcmp(a->spawn_func ? a->spawn_func : "", b->spawn_func ? b->spawn_func : "") == 0;
}

/* ident: [Lk:]name@file:line(func)#ordinal; label: the name, unless another task of the
 * session shares it. */
static int name_tasks(ltc_ordering *o) {
  struct ltc_opriv *v = o->priv;
  for (size_t i = 0; i < o->ntasks; i++) {
    ltc_otask *t = &o->tasks[i];
    if (!v->nloops || v->loop_tracks[v->nloops - 1] != t->track) {
      uint32_t *n = realloc(v->loop_tracks, (v->nloops + 1) * sizeof *n);
      if (!n) return -ENOMEM;
      v->loop_tracks = n;
      n[v->nloops++] = t->track;
    }
    size_t loop = v->nloops - 1;
    int ordinal = 0, same_name = 0, same_both = 0;
    for (size_t j = 0; j < o->ntasks; j++) {
      const ltc_otask *u = &o->tasks[j];
      if (u->track != t->track || strcmp(u->name, t->name) != 0) continue;
      same_name++;
      if (!same_site(t, u)) continue;
      same_both++;
      if (j < i) ordinal++;
    }
    char loopname[24] = "";
    if (loop) snprintf(loopname, sizeof loopname, "L%zu:", loop + 1);
    const char *file = base_name(t->spawn_file);
    t->ident =
        intern(o, &v->texts, "%s%s@%s:%lld(%s)#%d", loopname, t->name, t->spawn_file ? file : "-",
               (long long)t->spawn_line, t->spawn_func ? t->spawn_func : "", ordinal + 1);
    if (same_name == 1)
      t->label = intern(o, &v->texts, "%s%s", loopname, t->name);
    else if (same_both == same_name)
      t->label = intern(o, &v->texts, "%s%s#%d", loopname, t->name, ordinal + 1);
    else if (same_both == 1)
      t->label = intern(o, &v->texts, "%s%s@%s:%lld", loopname, t->name, t->spawn_file ? file : "-",
                        (long long)t->spawn_line);
    else
      t->label = intern(o, &v->texts, "%s%s@%s:%lld#%d", loopname, t->name,
                        t->spawn_file ? file : "-", (long long)t->spawn_line, ordinal + 1);
    if (!t->ident || !t->label) return -ENOMEM;
  }
  return 0;
}

const char *ltc_ordering_task_label(const ltc_ordering *o, int32_t t) {
  return t >= 0 && (size_t)t < o->ntasks ? o->tasks[t].label : "loop";
}

static const char *task_ident(const ltc_ordering *o, int32_t t) {
  return t >= 0 && (size_t)t < o->ntasks ? o->tasks[t].ident : "loop";
}

/* ---- the steps ---- */

/* A step's key: what happened, in terms of task identities. Portable keys (tasks matched
 * across languages, ltc_ordering_match_across) leave out the await's site. */
static const char *step_key(ltc_ordering *o, uint8_t kind, uint8_t flags, int32_t task,
                            int32_t obj, const char *text) {
  struct ltc_opriv *v = o->priv;
  const char *who = task_ident(o, task);
  switch (kind) {
    case LTC_STEP_RESUME: return intern(o, &v->keys, "resume\x1e%s", who);
    case LTC_STEP_SUSPEND:
      return intern(o, &v->keys, "suspend\x1e%s\x1e%s\x1e%s\x1e%s", who, ltc_reason_name(flags),
                    text && !v->portable ? text : "", obj >= 0 ? task_ident(o, obj) : "");
    case LTC_STEP_DONE: return intern(o, &v->keys, "done\x1e%s\x1e%u", who, flags);
    case LTC_STEP_MARK: return intern(o, &v->keys, "mark\x1e%s\x1e%s", who, text ? text : "");
    default: return intern(o, &v->keys, "fire\x1e%s", obj >= 0 ? task_ident(o, obj) : "-");
  }
}

static void add_step(ltc_ordering *o, const ltc_event *e, uint8_t kind, uint8_t flags, int32_t task,
                     int32_t obj, const char *text) {
  struct ltc_opriv *v = o->priv;
  const char *key = step_key(o, kind, flags, task, obj, text);
  if (!key) {
    v->err = -ENOMEM;
    return;
  }
  if (o->nsteps == v->stepcap) {
    size_t cap = v->stepcap ? v->stepcap * 2 : 1024;
    ltc_ostep *n = realloc(o->steps, cap * sizeof *n);
    if (!n) {
      v->err = -ENOMEM;
      return;
    }
    o->steps = n;
    v->stepcap = cap;
  }
  o->steps[o->nsteps++] = (ltc_ostep){.key = (uint32_t)pool_find(&v->keys, key),
                                      .kind = kind,
                                      .flags = flags,
                                      .task = task,
                                      .obj = obj,
                                      .ts = e->ts,
                                      .track = e->track,
                                      .seq = e->seq,
                                      .text = text};
}

/* The task state machine moves: each stay in a state is added to the task's sums. */
static void on_move(void *user, const ltc_event *e, ltc_task_slot *was, ltc_task_state to,
                    uint8_t reason) {
  ltc_ordering *o = user;
  if (!was->data) {
    int32_t t = task_index(o, e->track, e->task);
    if (t < 0) return;
    was->data = &o->tasks[t];
  }
  ltc_otask *t = was->data;
  int64_t d = ltc_ns_sub(e->ts, was->since);
  if (was->state == LTC_TASK_RUNNING)
    t->busy_ns = ltc_ns_add(t->busy_ns, d);
  else if (was->state == LTC_TASK_READY)
    t->ready_ns = ltc_ns_add(t->ready_ns, d);
  else if (was->state == LTC_TASK_WAITING)
    t->waiting_ns = ltc_ns_add(t->waiting_ns, d);
}

static void close_task(void *user, uint32_t track, uint32_t task, ltc_task_slot *slot) {
  ltc_ordering *o = user;
  ltc_event end = {.track = track, .task = task, .ts = o->end_ns};
  if (slot->state != LTC_TASK_NONE) on_move(o, &end, slot, LTC_TASK_NONE, 0);
}

static void on_event(void *user, const ltc_event *e) {
  ltc_ordering *o = user;
  struct ltc_opriv *v = o->priv;
  if (v->err) return;
  if (ltc_taskstates_apply(&v->states, e, on_move, o) < 0) {
    v->err = -ENOMEM;
    return;
  }
  int32_t task = e->task ? task_index(o, e->track, e->task) : -1;
  switch (e->kind) {
    case LT_EV_TASK_RESUME: add_step(o, e, LTC_STEP_RESUME, 0, task, -1, NULL); break;
    case LT_EV_TASK_SUSPEND: {
      const char *file, *func, *site = NULL;
      int64_t line;
      if (e->a[1] && ltc_sites_get(v->strings, e->track, e->a[1], &file, &func, &line) == 0 &&
          !(site = intern(o, &v->texts, "%s:%lld", base_name(file), (long long)line))) {
        v->err = -ENOMEM;
        return;
      }
      int32_t obj = e->flags == LT_REASON_TASK ? task_index(o, e->track, (uint32_t)e->a[0]) : -1;
      add_step(o, e, LTC_STEP_SUSPEND, e->flags, task, obj, site);
      break;
    }
    case LT_EV_TASK_DONE: add_step(o, e, LTC_STEP_DONE, e->flags, task, -1, NULL); break;
    case LT_EV_MARK: {
      const char *text = ltc_strings_get(v->strings, e->track, e->a[0]);
      if (!(text = intern(o, &v->texts, "%s", text ? text : "?"))) {
        v->err = -ENOMEM;
        return;
      }
      add_step(o, e, LTC_STEP_MARK, 0, task, -1, text);
      break;
    }
    case LT_EV_TIMER_FIRE: {
      /* named by the task that armed it (read before the fire ends the timer below) */
      ltc_task_slot *t = ltc_taskstates_slot(&v->timers, e->track, (uint32_t)e->a[0]);
      int32_t armer = t && t->state == LTC_TASK_WAITING && t->detail
                          ? task_index(o, e->track, (uint32_t)t->detail)
                          : -1;
      add_step(o, e, LTC_STEP_FIRE, 0, -1, armer, NULL);
      break;
    }
    default: break;
  }
  if (ltc_timers_apply(&v->timers, e) < 0) v->err = -ENOMEM;
}

int ltc_ordering_load(ltc_store *s, int64_t id, ltc_ordering **out, ltc_err *err) {
  *out = NULL;
  ltc_ordering *o = calloc(1, sizeof *o);
  struct ltc_opriv *v = o ? calloc(1, sizeof *v) : NULL;
  if (!v) {
    free(o);
    return ltc_fail(err, -ENOMEM, "out of memory");
  }
  o->priv = v;
  o->session = id;
  ltc_session_row row;
  int rc = ltc_store_session_row(s, id, &row, err);
  if (rc == 0) {
    o->start_ns = row.start_ns;
    o->end_ns = row.end_ns;
    /* the row's text lives in the store until the next row is read: keep copies */
    o->label = intern(o, &v->texts, "%s", row.label ? row.label : "");
    o->program = intern(o, &v->texts, "%s", row.program ? row.program : "");
    o->clock = intern(o, &v->texts, "%s", row.clock ? row.clock : "");
    o->status = intern(o, &v->texts, "%s", row.status ? row.status : "");
    o->argv = intern(o, &v->texts, "%s", row.argv ? row.argv : "[]");
    if (!o->label || !o->program || !o->clock || !o->status || !o->argv) rc = -ENOMEM;
  }
  if (rc == 0) {
    o->shuffled = row.shuffled;
    o->seed = row.shuffle_seed;
  }
  if (rc == 0) rc = ltc_store_tasks(s, id, add_task, o, err);
  if (rc == 0) rc = v->err;
  if (rc == 0) rc = name_tasks(o);
  if (rc == 0) {
    rc = ltc_store_session_events(s, id, &v->strings, on_event, o, err);
    if (rc == 0) rc = v->err;
  }
  if (rc == 0) ltc_taskstates_each(&v->states, close_task, o);
  ltc_taskstates_free(&v->states);
  ltc_taskstates_free(&v->timers);
  if (rc == -ENOMEM) ltc_fail(err, rc, "out of memory reading session %lld", (long long)id);
  if (rc < 0) {
    ltc_ordering_free(o);
    return rc;
  }
  o->keys = (const char *const *)v->keys.s;
  o->nkeys = v->keys.n;
  *out = o;
  return 0;
}

void ltc_ordering_free(ltc_ordering *o) {
  if (!o) return;
  struct ltc_opriv *v = o->priv;
  pool_free(&v->keys);
  pool_free(&v->texts);
  ltc_taskstates_free(&v->states);
  ltc_taskstates_free(&v->timers);
  free(v->loop_tracks);
  free(v->buf);
  free(v);
  free(o->tasks);
  free(o->steps);
  free(o);
}

int64_t ltc_ordering_find_key(const ltc_ordering *o, const char *key) {
  return pool_find(&o->priv->keys, key);
}

void ltc_ordering_step_text(const ltc_ordering *o, size_t i, char *buf, size_t len) {
  const ltc_ostep *st = &o->steps[i];
  const char *who = ltc_ordering_task_label(o, st->task);
  char at[300] = "";
  switch (st->kind) {
    case LTC_STEP_RESUME: snprintf(buf, len, "%s resumes", who); break;
    case LTC_STEP_SUSPEND:
      if (st->text) snprintf(at, sizeof at, " at %s", st->text);
      if (st->flags == LT_REASON_YIELD)
        snprintf(buf, len, "%s yields%s", who, at);
      else if (st->flags == LT_REASON_SLEEP)
        snprintf(buf, len, "%s sleeps%s", who, at);
      else if (st->flags == LT_REASON_TASK)
        snprintf(buf, len, "%s awaits %s%s", who,
                 st->obj >= 0 ? ltc_ordering_task_label(o, st->obj) : "a task", at);
      else
        snprintf(buf, len, "%s waits on %s%s", who, ltc_reason_name(st->flags), at);
      break;
    case LTC_STEP_DONE:
      snprintf(buf, len, "%s ends (%s)", who, ltc_outcome_name(st->flags));
      break;
    case LTC_STEP_MARK: snprintf(buf, len, "%s prints \"%s\"", who, st->text); break;
    default:
      if (st->obj >= 0)
        snprintf(buf, len, "timer of %s fires", ltc_ordering_task_label(o, st->obj));
      else
        snprintf(buf, len, "a timer fires");
      break;
  }
}

/* ---- across languages ---- */

/* The extension of the first spawn site's file ("py", "c"), or NULL when no task has one. */
static const char *language(const ltc_ordering *o) {
  for (size_t i = 0; i < o->ntasks; i++) {
    const char *f = o->tasks[i].spawn_file, *dot = f ? strrchr(base_name(f), '.') : NULL;
    if (dot) return dot + 1;
  }
  return NULL;
}

/* Task-N: the name asyncio and the runtime give a task that was given none (a counter). */
static bool default_name(const char *name) {
  if (strncmp(name, "Task-", 5) != 0 || !name[5]) return false;
  for (const char *p = name + 5; *p; p++)
    if (*p < '0' || *p > '9') return false;
  return true;
}

/* The tasks of o's loop tracks are numbered in order: a task's loop ordinal. */
static size_t loop_of(const ltc_ordering *o, size_t t) {
  size_t k = 0;
  while (k + 1 < o->priv->nloops && o->priv->loop_tracks[k] != o->tasks[t].track) k++;
  return k;
}

typedef struct by_name_ctx {
  const ltc_ordering *o;
  const size_t *loop;
} by_name_ctx;

/* (loop, name, creation order) */
static int by_name(const void *x, const void *y, void *ctx) {
  const by_name_ctx *c = ctx;
  size_t i = *(const size_t *)x, j = *(const size_t *)y;
  if (c->loop[i] != c->loop[j]) return c->loop[i] < c->loop[j] ? -1 : 1;
  int d = strcmp(c->o->tasks[i].name, c->o->tasks[j].name);
  return d ? d : i < j ? -1 : i > j;
}

/* o's tasks with a name of their own, sorted by_name; *n of them. */
static size_t *named(const ltc_ordering *o, const size_t *loop, size_t *n) {
  size_t *idx = malloc((o->ntasks + 1) * sizeof *idx);
  if (!idx) return NULL;
  *n = 0;
  for (size_t i = 0; i < o->ntasks; i++)
    if (!default_name(o->tasks[i].name)) idx[(*n)++] = i;
  qsort_r(idx, *n, sizeof *idx, by_name, &(by_name_ctx){o, loop});
  return idx;
}

static int rekey(ltc_ordering *o) {
  struct ltc_opriv *v = o->priv;
  pool_free(&v->keys);
  memset(&v->keys, 0, sizeof v->keys);
  v->portable = true;
  for (size_t i = 0; i < o->nsteps; i++) {
    ltc_ostep *st = &o->steps[i];
    const char *key = step_key(o, st->kind, st->flags, st->task, st->obj, st->text);
    if (!key) return -ENOMEM;
    st->key = (uint32_t)pool_find(&v->keys, key);
  }
  o->keys = (const char *const *)v->keys.s;
  o->nkeys = v->keys.n;
  return 0;
}

int ltc_ordering_match_across(ltc_ordering *a, ltc_ordering *b) {
  const char *la = language(a), *lb = language(b);
  if (!la || !lb || strcmp(la, lb) == 0) return 0;
  size_t *loop_a = malloc((a->ntasks + 1) * sizeof *loop_a);
  size_t *loop_b = malloc((b->ntasks + 1) * sizeof *loop_b);
  int64_t *match = malloc((b->ntasks + 1) * sizeof *match); /* b's task -> a's, or -1 */
  bool *taken = calloc(a->ntasks + 1, sizeof *taken);
  size_t na = 0, nb = 0, *ia = NULL, *ib = NULL;
  int rc = -ENOMEM;
  if (!loop_a || !loop_b || !match || !taken) goto done;
  for (size_t i = 0; i < a->ntasks; i++) loop_a[i] = loop_of(a, i);
  for (size_t j = 0; j < b->ntasks; j++) loop_b[j] = loop_of(b, j), match[j] = -1;
  /* 1: a name of its own that both runs have: the k-th of it in a is the k-th in b */
  if (!(ia = named(a, loop_a, &na)) || !(ib = named(b, loop_b, &nb))) goto done;
  for (size_t x = 0, y = 0; x < na && y < nb;) {
    size_t i = ia[x], j = ib[y];
    int d = loop_a[i] != loop_b[j] ? (loop_a[i] < loop_b[j] ? -1 : 1)
                                   : strcmp(a->tasks[i].name, b->tasks[j].name);
    if (d == 0) match[j] = (int64_t)i, taken[i] = true;
    x += d <= 0;
    y += d >= 0;
  }
  /* 2: the others in creation order, loop by loop */
  for (size_t i = 0, j = 0; i < a->ntasks && j < b->ntasks;) {
    if (taken[i]) {
      i++;
    } else if (match[j] >= 0) {
      j++;
    } else if (loop_a[i] < loop_b[j]) {
      i++;
    } else if (loop_b[j] < loop_a[i]) {
      j++;
    } else {
      match[j++] = (int64_t)i;
      taken[i++] = true;
    }
  }
  /* b's tasks take the identities of a's they match; the unmatched are told apart */
  rc = 0;
  for (size_t j = 0; j < b->ntasks && rc == 0; j++) {
    ltc_otask *t = &b->tasks[j];
    t->ident = match[j] >= 0 ? intern(b, &b->priv->texts, "%s", a->tasks[match[j]].ident)
                             : intern(b, &b->priv->texts, "%s~%s", lb, t->ident);
    if (!t->ident) rc = -ENOMEM;
  }
  if (rc == 0) rc = rekey(a);
  if (rc == 0) rc = rekey(b);
  if (rc == 0) rc = 1;
done:
  free(loop_a);
  free(loop_b);
  free(match);
  free(taken);
  free(ia);
  free(ib);
  return rc;
}

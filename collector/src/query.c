/* query.c: the API's reads (see query.h, docs/api.md): sessions, one session, its tasks, the
 * records of a time window, and per-bucket summaries of task states for zoomed-out views. */
#define _GNU_SOURCE
#include "query.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_compare.h"
#include "replay.h"
#include "taskstate.h"

static const char *const state_names[] = {"none", "ready", "running", "waiting"};

/* ---- records as JSON ---- */

static const char *strings_string(const void *ctx, uint32_t track, uint64_t id) {
  return ltc_strings_get(ctx, track, id);
}
static int strings_site(const void *ctx, uint32_t track, uint64_t id, const char **file,
                        const char **func, int64_t *line) {
  return ltc_sites_get(ctx, track, id, file, func, line);
}
ltc_resolver ltc_resolver_of_strings(const ltc_session_strings *strings) {
  return (ltc_resolver){strings_string, strings_site, strings};
}

static const char *reader_string(const void *ctx, uint32_t track, uint64_t id) {
  return ltc_reader_string(ctx, track, id, NULL);
}
static int reader_site(const void *ctx, uint32_t track, uint64_t id, const char **file,
                       const char **func, int64_t *line) {
  uint32_t l = 0;
  int rc = ltc_reader_site(ctx, track, id, file, func, &l);
  *line = l;
  return rc;
}
ltc_resolver ltc_resolver_of_reader(const ltc_reader *reader) {
  return (ltc_resolver){reader_string, reader_site, reader};
}

void ltc_query_event_text(const ltc_resolver *r, const ltc_event *e, ltc_event_text *t) {
  *t = (ltc_event_text){0};
  uint64_t site = 0;
  if (e->kind == LT_EV_MARK) t->text = r->string(r->ctx, e->track, e->a[0]);
  if (e->kind == LT_EV_TASK_CREATE) {
    t->text = r->string(r->ctx, e->track, e->a[1]);
    site = e->a[2];
  }
  if (e->kind == LT_EV_TASK_SUSPEND) site = e->a[1];
  if (site && r->site(r->ctx, e->track, site, &t->file, &t->func, &t->line) < 0)
    t->file = t->func = NULL;
}

static const char *outcome_name(uint8_t o) {
  return o == LT_OUTCOME_RESULT ? "result" : o == LT_OUTCOME_ERROR ? "error" : "cancelled";
}

static const char *waker_name(uint8_t w) {
  static const char *const names[] = {"none", "task", "timer", "io", "thread", "loop"};
  return w < sizeof names / sizeof *names ? names[w] : "unknown";
}

void ltc_query_event_json(ltc_jsonbuf *b, const ltc_event *e, const ltc_event_text *t) {
  ltc_jsonbuf_printf(b, "{\"track\":%u,\"seq\":%llu,\"ts\":%lld,\"kind\":\"%s\",\"flags\":%u,"
                        "\"task\":%u,\"args\":[",
                     e->track, (unsigned long long)e->seq, (long long)e->ts,
                     ltc_kind_name(e->kind), e->flags, e->task);
  uint32_t nargs = e->kind == LT_EV_STRING ? 1 : e->nargs; /* a STRING's text stays in strings */
  for (uint32_t i = 0; i < nargs && i < 8; i++)
    ltc_jsonbuf_printf(b, "%s%llu", i ? "," : "", (unsigned long long)e->a[i]);
  ltc_jsonbuf_put(b, "]", 1);
  if (e->kind == LT_EV_TASK_SUSPEND)
    ltc_jsonbuf_printf(b, ",\"reason\":\"%s\"", ltc_reason_name(e->flags));
  if (e->kind == LT_EV_TASK_READY)
    ltc_jsonbuf_printf(b, ",\"cause\":\"%s\",\"waker\":\"%s\"",
                       (e->flags & 15) == LT_CAUSE_SPAWN ? "spawn" : "wakeup",
                       waker_name(e->flags >> 4));
  if (e->kind == LT_EV_TASK_DONE || e->kind == LT_EV_FUTURE_RESOLVE)
    ltc_jsonbuf_printf(b, ",\"outcome\":\"%s\"", outcome_name(e->flags));
  if (t && t->text) {
    ltc_jsonbuf_puts(b, e->kind == LT_EV_TASK_CREATE ? ",\"name\":" : ",\"text\":");
    ltc_jsonbuf_string(b, t->text, SIZE_MAX);
  }
  if (t && t->file) {
    ltc_jsonbuf_puts(b, ",\"site\":{\"file\":");
    ltc_jsonbuf_string(b, t->file, SIZE_MAX);
    ltc_jsonbuf_puts(b, ",\"func\":");
    ltc_jsonbuf_string(b, t->func, SIZE_MAX);
    ltc_jsonbuf_printf(b, ",\"line\":%lld}", (long long)t->line);
  }
  ltc_jsonbuf_put(b, "}", 1);
}

/* ---- arguments ---- */

static int fail(ltc_query_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(ltc_query_error *err, int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  err->status = status;
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return -1;
}

/* An integer argument: absent gives def; present must be a whole number in [min, max]. */
static int int_arg(const cJSON *args, const char *name, int64_t def, int64_t min, int64_t max,
                   int64_t *out, ltc_query_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
  if (!v || cJSON_IsNull(v)) {
    *out = def;
    return 0;
  }
  double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
  if (cJSON_IsString(v)) { /* from a URL query string */
    char *end;
    d = strtod(v->valuestring, &end);
    if (end == v->valuestring || *end) d = NAN;
  }
  if (!(d == floor(d)) || d < (double)min || d > (double)max)
    return fail(err, 400, "'%s' must be a whole number from %lld to %lld", name, (long long)min,
                (long long)max);
  *out = (int64_t)d;
  return 0;
}

/* The session named by args' "session", with its row. */
static int session_arg(ltc_store *s, const cJSON *args, ltc_session_row *row,
                       ltc_query_error *err) {
  int64_t id;
  if (!cJSON_GetObjectItemCaseSensitive(args, "session"))
    return fail(err, 400, "which session? ('session' is missing)");
  if (int_arg(args, "session", 0, 1, INT64_MAX / 2, &id, err) < 0) return -1;
  int rc = ltc_store_session_row(s, id, row);
  if (rc == -ENOENT) return fail(err, 404, "no session %lld", (long long)id);
  if (rc < 0) return fail(err, 500, "%s", ltc_store_error(s));
  return 0;
}

/* from / to: default to the session's first and last record. */
static int window_args(const cJSON *args, const ltc_session_row *row, int64_t *lo, int64_t *hi,
                       ltc_query_error *err) {
  if (int_arg(args, "from", row->start_ns, INT64_MIN / 2, INT64_MAX / 2, lo, err) < 0 ||
      int_arg(args, "to", row->end_ns, INT64_MIN / 2, INT64_MAX / 2, hi, err) < 0)
    return -1;
  if (*hi < *lo) return fail(err, 400, "'to' is before 'from'");
  return 0;
}

/* ---- sessions and tasks ---- */

cJSON *ltc_query_session_json(const ltc_session_row *row) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "id", (double)row->id);
  cJSON_AddStringToObject(o, "program", row->program ? row->program : "");
  cJSON *argv = row->argv ? cJSON_Parse(row->argv) : NULL;
  cJSON_AddItemToObject(o, "argv", argv ? argv : cJSON_CreateArray());
  cJSON_AddStringToObject(o, "label", row->label ? row->label : "");
  cJSON_AddNumberToObject(o, "pid", (double)row->pid);
  cJSON_AddStringToObject(o, "clock", row->clock ? row->clock : "");
  cJSON_AddStringToObject(o, "status", row->status ? row->status : "");
  char wall[32]; /* ns since 1970 do not fit a double: written as the exact integer */
  snprintf(wall, sizeof wall, "%lld", (long long)row->started_wall_ns);
  cJSON_AddRawToObject(o, "started_wall_ns", wall);
  cJSON_AddNumberToObject(o, "start_ns", (double)row->start_ns);
  cJSON_AddNumberToObject(o, "end_ns", (double)row->end_ns);
  cJSON_AddNumberToObject(o, "events", (double)row->events);
  cJSON_AddNumberToObject(o, "lost", (double)row->lost);
  cJSON_AddNumberToObject(o, "tasks", (double)row->tasks);
  if (row->error) cJSON_AddStringToObject(o, "error", row->error);
  if (row->shuffled) { /* exact: a seed may not fit a double */
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)row->shuffle_seed);
    cJSON_AddRawToObject(o, "shuffle_seed", seed);
  }
  return o;
}

static void add_session(void *user, const ltc_session_row *row) {
  cJSON_AddItemToArray(user, ltc_query_session_json(row));
}

static void add_task(void *user, const ltc_task_row *t) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "track", t->track);
  cJSON_AddNumberToObject(o, "task", t->task);
  cJSON_AddNumberToObject(o, "parent", t->parent);
  cJSON_AddStringToObject(o, "name", t->name ? t->name : "?");
  if (t->spawn_file) {
    cJSON *site = cJSON_AddObjectToObject(o, "spawn");
    cJSON_AddStringToObject(site, "file", t->spawn_file);
    cJSON_AddStringToObject(site, "func", t->spawn_func ? t->spawn_func : "");
    cJSON_AddNumberToObject(site, "line", (double)t->spawn_line);
  }
  cJSON_AddNumberToObject(o, "created_ns", (double)t->created_ns);
  if (t->finished_ns >= 0) {
    cJSON_AddNumberToObject(o, "finished_ns", (double)t->finished_ns);
    cJSON_AddStringToObject(o, "outcome", t->outcome ? t->outcome : "");
    cJSON_AddNumberToObject(o, "status", (double)t->status);
  }
  cJSON_AddItemToArray(user, o);
}

/* ---- the records of a window ---- */

typedef struct window {
  int64_t lo, hi, max, cutoff;
  ltc_event *ev;
  size_t n, cap;
  bool trimmed, oom;
  ltc_taskstates states; /* for the tasks' states at lo */
  ltc_taskstates timers; /* timers pending at lo, by (track, id): obj deadline, detail task */
  const ltc_session_strings *strings;
} window;

static int by_time(const void *pa, const void *pb) {
  const ltc_event *a = pa, *b = pb;
  if (a->ts != b->ts) return a->ts < b->ts ? -1 : 1;
  if (a->track != b->track) return a->track < b->track ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Keeps the max earliest records: everything later than the cutoff can be skipped. */
static void trim(window *w) {
  if (w->n) qsort(w->ev, w->n, sizeof *w->ev, by_time);
  if (w->n > (size_t)w->max) {
    w->n = (size_t)w->max;
    w->trimmed = true;
  }
  w->cutoff = w->n ? w->ev[w->n - 1].ts : w->lo;
}

static int window_block(void *user, uint32_t track, int64_t start_ns, uint64_t first_seq) {
  window *w = user;
  if (w->n < (size_t)w->max) return 0;
  trim(w);
  /* blocks come in start order: one starting after the cutoff has nothing earlier */
  if (start_ns > w->cutoff) {
    w->trimmed = true;
    return 1;
  }
  return 0;
}

static void window_event(void *user, const ltc_event *e) {
  window *w = user;
  if (e->ts < w->lo || e->ts > w->hi || ltc_kind_defines(e->kind)) return;
  if (w->n == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 1024;
    ltc_event *n = realloc(w->ev, cap * sizeof *n);
    if (!n) {
      w->oom = true;
      return;
    }
    w->ev = n;
    w->cap = cap;
  }
  w->ev[w->n] = *e;
  w->ev[w->n++].text = NULL;
}

/* Puts slots (a checkpoint's) into table t as they were. */
static int restore_slots(ltc_taskstates *t, const ltc_task_slot *slots, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    ltc_task_slot *d = ltc_taskstates_slot(t, ltc_task_slot_track(&slots[i]),
                                           ltc_task_slot_task(&slots[i]));
    if (!d) return -ENOMEM;
    void *data = d->data;
    *d = slots[i];
    d->data = data;
  }
  return 0;
}

static void window_restore(void *user, const ltc_replay_point *p) {
  window *w = user;
  if (restore_slots(&w->states, p->tasks, p->ntasks) < 0 ||
      restore_slots(&w->timers, p->timers, p->ntimers) < 0)
    w->oom = true;
}

static void before_event(void *user, const ltc_event *e) {
  window *w = user;
  if (e->ts >= w->lo) return;
  if (ltc_taskstates_apply(&w->states, e, NULL, NULL) < 0 || ltc_timers_apply(&w->timers, e) < 0)
    w->oom = true;
}

typedef struct initial_out {
  cJSON *list;
  const ltc_session_strings *strings;
} initial_out;

static void add_initial(void *user, uint32_t track, uint32_t task, ltc_task_slot *slot) {
  initial_out *out = user;
  if (slot->state == LTC_TASK_NONE) return;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "track", track);
  cJSON_AddNumberToObject(o, "task", task);
  cJSON_AddStringToObject(o, "state", state_names[slot->state]);
  cJSON_AddNumberToObject(o, "since", (double)slot->since);
  cJSON_AddNumberToObject(o, "seq", (double)slot->seq);
  if (slot->state == LTC_TASK_WAITING) {
    cJSON_AddStringToObject(o, "reason", ltc_reason_name(slot->reason));
    cJSON_AddNumberToObject(o, "obj", (double)slot->obj);
    cJSON_AddNumberToObject(o, "detail", (double)slot->detail);
    const char *file, *func;
    int64_t line;
    if (slot->site && ltc_sites_get(out->strings, track, slot->site, &file, &func, &line) == 0) {
      cJSON *site = cJSON_AddObjectToObject(o, "site");
      cJSON_AddStringToObject(site, "file", file);
      cJSON_AddStringToObject(site, "func", func);
      cJSON_AddNumberToObject(site, "line", (double)line);
    }
  }
  cJSON_AddItemToArray(out->list, o);
}

static void add_timer(void *user, uint32_t track, uint32_t id, ltc_task_slot *slot) {
  if (slot->state == LTC_TASK_NONE) return;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "track", track);
  cJSON_AddNumberToObject(o, "id", id);
  cJSON_AddNumberToObject(o, "task", (double)slot->detail);
  cJSON_AddNumberToObject(o, "deadline", (double)slot->obj);
  cJSON_AddNumberToObject(o, "armed", (double)slot->since);
  cJSON_AddItemToArray(user, o);
}

static cJSON *query_events(ltc_store *s, const cJSON *args, ltc_query_error *err) {
  ltc_session_row row;
  window w = {0};
  if (session_arg(s, args, &row, err) < 0 || window_args(args, &row, &w.lo, &w.hi, err) < 0 ||
      int_arg(args, "max", 10000, 1, LTC_QUERY_MAX_EVENTS, &w.max, err) < 0)
    return NULL;
  int64_t id = row.id;
  /* Without bounds, the window is the whole session: also the records stamped outside its
   * first and last event (a worker track's TRACK record, on the real clock). */
  int64_t shown_lo = w.lo, shown_hi = w.hi;
  if (!cJSON_GetObjectItemCaseSensitive(args, "from")) w.lo = INT64_MIN / 2;
  if (!cJSON_GetObjectItemCaseSensitive(args, "to")) w.hi = INT64_MAX / 2;
  /* what every task was doing when the window opens: a replay of what came before */
  ltc_replay before = {.lo = w.lo, .hi = w.lo, .restore = window_restore,
                       .event = before_event, .user = &w};
  ltc_scan in = {.lo = w.lo, .hi = w.hi, .by_time = true, .block = window_block,
                 .event = window_event, .user = &w};
  ltc_session_strings *strings = ltc_store_strings(s, id);
  int rc = strings ? ltc_replay_run(s, id, &before) : -EIO;
  if (rc == 0) rc = ltc_store_scan(s, id, &in, NULL);
  cJSON *out = NULL;
  if (rc < 0 || w.oom) {
    fail(err, 500, "reading session %lld: %s", (long long)id,
         rc == -EPROTO ? "a damaged event block" : w.oom ? "out of memory" : ltc_store_error(s));
  } else {
    trim(&w);
    ltc_jsonbuf b = {0};
    ltc_resolver r = ltc_resolver_of_strings(strings);
    ltc_jsonbuf_put(&b, "[", 1);
    for (size_t i = 0; i < w.n; i++) {
      ltc_event_text t;
      ltc_query_event_text(&r, &w.ev[i], &t);
      if (i) ltc_jsonbuf_put(&b, ",", 1);
      ltc_query_event_json(&b, &w.ev[i], &t);
    }
    ltc_jsonbuf_put(&b, "]", 1);
    out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "session", (double)id);
    cJSON_AddNumberToObject(out, "from", (double)shown_lo);
    cJSON_AddNumberToObject(out, "to", (double)shown_hi);
    cJSON_AddBoolToObject(out, "complete", !w.trimmed);
    /* with complete false, the next request starts here (dedupe by track and seq) */
    if (w.trimmed) cJSON_AddNumberToObject(out, "next_from", (double)w.cutoff);
    cJSON_AddNumberToObject(out, "estimate", (double)ltc_store_count_window(s, id, w.lo, w.hi));
    initial_out init = {cJSON_AddArrayToObject(out, "initial"), strings};
    ltc_taskstates_each(&w.states, add_initial, &init);
    ltc_taskstates_each(&w.timers, add_timer, cJSON_AddArrayToObject(out, "timers"));
    const char *text = ltc_jsonbuf_text(&b);
    cJSON_AddItemToObject(out, "events", cJSON_CreateRaw(text ? text : "[]"));
    ltc_jsonbuf_free(&b);
  }
  ltc_strings_free(strings);
  ltc_taskstates_free(&w.states);
  ltc_taskstates_free(&w.timers);
  free(w.ev);
  return out;
}

/* ---- summaries: time per task state per bucket ---- */

enum { SUM_BUSY, SUM_READY, SUM_WAIT, SUM_COLS };

typedef struct lane {
  uint32_t track;
  uint8_t state; /* 0 off, 1 busy, 2 idle */
  int64_t since;
  int64_t *v; /* nb * 3: busy, idle, records */
} lane;

typedef struct task_acc {
  uint64_t key;     /* the task's slot key: sorts by track, then task */
  int64_t *v;       /* nb * SUM_COLS */
  int64_t *best;    /* nb: the longest waiting piece, whose reason names the bucket */
  uint8_t *reason;  /* nb */
} task_acc;

typedef struct summary {
  int64_t lo, hi, end; /* end: where open states stop (the session's last record) */
  int64_t nb;
  double width;
  ltc_taskstates states; /* each slot's data: its task_acc, once it has time in the window */
  task_acc **acc;
  size_t acc_cap, acc_len;
  lane *lanes;
  size_t nlanes;
  bool oom;
  uint64_t *only; /* "tasks": the slot keys of the tasks wanted, sorted (NULL: all) */
  size_t nonly;
} summary;

static int cmp_u64(const void *pa, const void *pb) {
  uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
  return a < b ? -1 : a > b;
}

/* "tasks": "TRACK:TASK,TRACK:TASK,...": sum only those (the lanes a view shows). */
static int tasks_arg(const cJSON *args, summary *m, ltc_query_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, "tasks");
  if (!v || cJSON_IsNull(v)) return 0;
  const char *p = cJSON_IsString(v) ? v->valuestring : NULL;
  size_t cap = 0;
  while (p && *p) {
    char *end;
    unsigned long track = strtoul(p, &end, 10);
    if (end == p || *end != ':') break;
    const char *q = end + 1;
    unsigned long task = strtoul(q, &end, 10);
    if (end == q || (*end && *end != ',') || track > 0x7fffffff || task > 0xffffffff) break;
    if (m->nonly == cap) {
      cap = cap ? cap * 2 : 16;
      uint64_t *n = realloc(m->only, cap * sizeof *n);
      if (!n) return fail(err, 500, "out of memory");
      m->only = n;
    }
    m->only[m->nonly++] = (uint64_t)track << 32 | task | 1ull << 63;
    p = *end ? end + 1 : end;
  }
  if (!p || *p || m->nonly == 0)
    return fail(err, 400, "'tasks' lists TRACK:TASK pairs separated by commas");
  qsort(m->only, m->nonly, sizeof *m->only, cmp_u64);
  return 0;
}

/* Adds [a, b) to column col of buckets (stride cols), calling back for each piece. */
static void spread(summary *m, int64_t a, int64_t b, int64_t *v, int cols, int col,
                   int64_t *best, uint8_t *reason, uint8_t why) {
  if (a < m->lo) a = m->lo;
  if (b > m->hi) b = m->hi;
  if (b <= a) return;
  int64_t i = (int64_t)((double)(a - m->lo) / m->width);
  for (; i < m->nb; i++) {
    int64_t bs = m->lo + (int64_t)((double)i * m->width);
    int64_t be = i + 1 == m->nb ? m->hi : m->lo + (int64_t)((double)(i + 1) * m->width);
    if (bs >= b) break;
    int64_t piece = (b < be ? b : be) - (a > bs ? a : bs);
    if (piece <= 0) continue;
    v[i * cols + col] += piece;
    if (best && piece > best[i]) {
      best[i] = piece;
      reason[i] = why;
    }
  }
}

/* The sums of the task in slot, made when it first has time in the window. */
static task_acc *acc_of(summary *m, ltc_task_slot *slot) {
  if (slot->data) return slot->data;
  if (m->acc_len == m->acc_cap) {
    size_t cap = m->acc_cap ? m->acc_cap * 2 : 64;
    task_acc **n = realloc(m->acc, cap * sizeof *n);
    if (!n) return NULL;
    m->acc = n;
    m->acc_cap = cap;
  }
  task_acc *a = calloc(1, sizeof *a);
  if (a) {
    a->key = slot->key;
    a->v = calloc((size_t)m->nb * SUM_COLS, sizeof *a->v);
    a->best = calloc((size_t)m->nb, sizeof *a->best);
    a->reason = calloc((size_t)m->nb, 1);
  }
  if (!a || !a->v || !a->best || !a->reason) {
    if (a) free(a->v), free(a->best), free(a->reason);
    free(a);
    return NULL;
  }
  m->acc[m->acc_len++] = a;
  slot->data = a;
  return a;
}

/* A task's stay in one state from since to t. */
static void task_span(summary *m, ltc_task_slot *was, int64_t t) {
  if (was->state == LTC_TASK_NONE || t <= m->lo || was->since >= m->hi) return;
  if (m->only && !bsearch(&was->key, m->only, m->nonly, sizeof *m->only, cmp_u64)) return;
  task_acc *a = acc_of(m, was);
  if (!a) {
    m->oom = true;
    return;
  }
  int col = was->state == LTC_TASK_RUNNING ? SUM_BUSY
            : was->state == LTC_TASK_READY ? SUM_READY
                                           : SUM_WAIT;
  spread(m, was->since, t, a->v, SUM_COLS, col, col == SUM_WAIT ? a->best : NULL, a->reason,
         was->reason);
}

static void on_task_move(void *user, const ltc_event *e, ltc_task_slot *was,
                         ltc_task_state to, uint8_t reason) {
  task_span(user, was, e->ts);
}

static lane *lane_of(summary *m, uint32_t track) {
  for (size_t i = 0; i < m->nlanes; i++)
    if (m->lanes[i].track == track) return &m->lanes[i];
  lane *n = realloc(m->lanes, (m->nlanes + 1) * sizeof *n);
  int64_t *v = calloc((size_t)m->nb * 3, sizeof *v);
  if (n) m->lanes = n;
  if (!n || !v) {
    free(v);
    m->oom = true;
    return NULL;
  }
  n[m->nlanes] = (lane){.track = track, .v = v};
  return &n[m->nlanes++];
}

/* The loop's lane (and a worker's): busy running callbacks or jobs, idle polling / waiting. */
static void lane_move(summary *m, lane *l, uint8_t to, int64_t t) {
  if (l->state) spread(m, l->since, t, l->v, 3, l->state == LTC_LANE_BUSY ? 0 : 1, NULL, NULL, 0);
  l->state = to;
  l->since = t;
}

static void summary_event(void *user, const ltc_event *e) {
  summary *m = user;
  if (ltc_kind_defines(e->kind) || e->ts > m->hi) return;
  if (ltc_taskstates_apply(&m->states, e, on_task_move, m) < 0) m->oom = true;
  lane *l = lane_of(m, e->track);
  if (!l) return;
  if (e->ts >= m->lo) {
    int64_t i = (int64_t)((double)(e->ts - m->lo) / m->width);
    if (i >= m->nb) i = m->nb - 1;
    l->v[i * 3 + 2]++;
  }
  int to = ltc_lane_next(e);
  if (to >= 0) lane_move(m, l, (uint8_t)to, e->ts);
}

/* A track's state where its replay starts: its tasks, and its lane. */
static void summary_restore(void *user, const ltc_replay_point *p) {
  summary *m = user;
  if (restore_slots(&m->states, p->tasks, p->ntasks) < 0) m->oom = true;
  lane *l = lane_of(m, p->track);
  if (l) {
    l->state = p->lane;
    l->since = p->lane_since;
  }
}

static void close_task(void *user, uint32_t track, uint32_t task, ltc_task_slot *slot) {
  summary *m = user;
  task_span(m, slot, m->end);
}

/* Rows of the nonzero buckets: [bucket, a, b, c(, reason)]. */
static cJSON *bucket_rows(const summary *m, const int64_t *v, int cols, const uint8_t *reason) {
  ltc_jsonbuf b = {0};
  ltc_jsonbuf_put(&b, "[", 1);
  bool first = true;
  for (int64_t i = 0; i < m->nb; i++) {
    const int64_t *r = v + i * cols;
    if (!r[0] && !r[1] && !r[2]) continue;
    ltc_jsonbuf_printf(&b, "%s[%lld,%lld,%lld,%lld", first ? "" : ",", (long long)i,
                       (long long)r[0], (long long)r[1], (long long)r[2]);
    if (reason)
      ltc_jsonbuf_printf(&b, ",\"%s\"", r[2] ? ltc_reason_name(reason[i]) : "");
    ltc_jsonbuf_put(&b, "]", 1);
    first = false;
  }
  ltc_jsonbuf_put(&b, "]", 1);
  const char *text = ltc_jsonbuf_text(&b);
  cJSON *raw = cJSON_CreateRaw(text ? text : "[]");
  ltc_jsonbuf_free(&b);
  return raw;
}

static void add_mark(void *user, uint32_t track, uint64_t seq, int64_t ts, uint32_t task,
                     const char *text) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "track", track);
  cJSON_AddNumberToObject(o, "seq", (double)seq);
  cJSON_AddNumberToObject(o, "ts", (double)ts);
  cJSON_AddNumberToObject(o, "task", task);
  cJSON_AddStringToObject(o, "text", text ? text : "");
  cJSON_AddItemToArray(user, o);
}

static void add_mark_bucket(void *user, int64_t bucket, int64_t count, uint32_t track,
                            uint64_t seq, int64_t ts, uint32_t task, const char *text) {
  ltc_jsonbuf *b = user;
  ltc_jsonbuf_printf(b, "%s[%lld,%lld,%u,%llu,%lld,%u,", b->len > 1 ? "," : "", (long long)bucket,
                     (long long)count, track, (unsigned long long)seq, (long long)ts, task);
  ltc_jsonbuf_string(b, text, SIZE_MAX);
  ltc_jsonbuf_put(b, "]", 1);
}

static int by_key(const void *pa, const void *pb) {
  const task_acc *a = *(task_acc *const *)pa, *b = *(task_acc *const *)pb;
  return a->key < b->key ? -1 : a->key > b->key;
}

static cJSON *query_summary(ltc_store *s, const cJSON *args, ltc_query_error *err) {
  ltc_session_row row;
  summary m = {0};
  if (session_arg(s, args, &row, err) < 0 || window_args(args, &row, &m.lo, &m.hi, err) < 0 ||
      int_arg(args, "buckets", 1000, 1, LTC_QUERY_MAX_BUCKETS, &m.nb, err) < 0 ||
      tasks_arg(args, &m, err) < 0) {
    free(m.only);
    return NULL;
  }
  if (m.hi == m.lo) m.hi = m.lo + 1;
  m.width = (double)(m.hi - m.lo) / (double)m.nb;
  m.end = row.end_ns < m.hi ? row.end_ns : m.hi;
  ltc_replay q = {.lo = m.lo, .hi = m.hi, .restore = summary_restore, .event = summary_event,
                  .user = &m};
  int rc = ltc_replay_run(s, row.id, &q);
  ltc_taskstates_each(&m.states, close_task, &m);
  for (size_t i = 0; i < m.nlanes; i++) lane_move(&m, &m.lanes[i], 0, m.end);
  cJSON *out = NULL;
  int64_t nmarks = 0;
  if (rc == 0 && !m.oom) {
    out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "session", (double)row.id);
    cJSON_AddNumberToObject(out, "from", (double)m.lo);
    cJSON_AddNumberToObject(out, "to", (double)m.hi);
    cJSON_AddNumberToObject(out, "buckets", (double)m.nb);
    cJSON_AddNumberToObject(out, "bucket_ns", m.width);
    cJSON *lanes = cJSON_AddArrayToObject(out, "lanes");
    for (size_t i = 0; i < m.nlanes; i++) {
      cJSON *o = cJSON_CreateObject();
      cJSON_AddNumberToObject(o, "track", m.lanes[i].track);
      cJSON_AddItemToObject(o, "buckets", bucket_rows(&m, m.lanes[i].v, 3, NULL));
      cJSON_AddItemToArray(lanes, o);
    }
    if (m.acc_len) qsort(m.acc, m.acc_len, sizeof *m.acc, by_key); /* creation order */
    cJSON *tasks = cJSON_AddArrayToObject(out, "tasks");
    for (size_t i = 0; i < m.acc_len; i++) {
      const task_acc *a = m.acc[i];
      cJSON *o = cJSON_CreateObject();
      cJSON_AddNumberToObject(o, "track", (double)((a->key >> 32) & 0x7fffffffu));
      cJSON_AddNumberToObject(o, "task", (double)(uint32_t)a->key);
      cJSON_AddItemToObject(o, "buckets", bucket_rows(&m, a->v, SUM_COLS, a->reason));
      cJSON_AddItemToArray(tasks, o);
    }
    cJSON *marks = cJSON_AddArrayToObject(out, "marks");
    rc = ltc_store_marks(s, row.id, m.lo, m.hi, LTC_QUERY_MAX_MARKS, add_mark, marks, &nmarks);
    cJSON_AddNumberToObject(out, "marks_total", (double)nmarks);
    /* every bucket's first mark and count, however many marks the window holds */
    ltc_jsonbuf b = {0};
    ltc_jsonbuf_put(&b, "[", 1);
    if (rc == 0) rc = ltc_store_mark_buckets(s, row.id, m.lo, m.hi, m.nb, add_mark_bucket, &b);
    ltc_jsonbuf_put(&b, "]", 1);
    const char *text = ltc_jsonbuf_text(&b);
    cJSON_AddItemToObject(out, "mark_buckets", cJSON_CreateRaw(text ? text : "[]"));
    ltc_jsonbuf_free(&b);
  }
  if (rc < 0 || m.oom) {
    cJSON_Delete(out);
    out = NULL;
    fail(err, 500, "summing session %lld: %s", (long long)row.id,
         rc == -EPROTO ? "a damaged event block" : m.oom ? "out of memory" : ltc_store_error(s));
  }
  for (size_t i = 0; i < m.acc_len; i++) {
    free(m.acc[i]->v);
    free(m.acc[i]->best);
    free(m.acc[i]->reason);
    free(m.acc[i]);
  }
  for (size_t i = 0; i < m.nlanes; i++) free(m.lanes[i].v);
  free(m.acc);
  free(m.lanes);
  free(m.only);
  ltc_taskstates_free(&m.states);
  return out;
}

/* ---- dispatch ---- */

int ltc_query_is_read(const char *op) {
  static const char *const reads[] = {"sessions", "session", "tasks", "events", "summary",
                                      "diff", "orderings"};
  for (size_t i = 0; op && i < sizeof reads / sizeof *reads; i++)
    if (strcmp(op, reads[i]) == 0) return 1;
  return 0;
}

cJSON *ltc_query(ltc_store *s, const char *op, const cJSON *args, ltc_query_error *err) {
  ltc_session_row row;
  if (!op) {
    fail(err, 400, "no 'op'");
    return NULL;
  }
  if (strcmp(op, "sessions") == 0) {
    cJSON *out = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(out, "sessions");
    if (ltc_store_list_sessions(s, add_session, list) < 0) {
      cJSON_Delete(out);
      fail(err, 500, "%s", ltc_store_error(s));
      return NULL;
    }
    return out;
  }
  if (strcmp(op, "session") == 0) {
    if (session_arg(s, args, &row, err) < 0) return NULL;
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "session", ltc_query_session_json(&row));
    return out;
  }
  if (strcmp(op, "tasks") == 0) {
    if (session_arg(s, args, &row, err) < 0) return NULL;
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "session", (double)row.id);
    cJSON *list = cJSON_AddArrayToObject(out, "tasks");
    if (ltc_store_tasks(s, row.id, add_task, list) < 0) {
      cJSON_Delete(out);
      fail(err, 500, "%s", ltc_store_error(s));
      return NULL;
    }
    return out;
  }
  if (strcmp(op, "events") == 0) return query_events(s, args, err);
  if (strcmp(op, "summary") == 0) return query_summary(s, args, err);
  if (ltc_api_compare_is_read(op)) return ltc_api_compare(s, op, args, err); /* api_compare.c */
  fail(err, 400, "unknown op '%.64s'", op);
  return NULL;
}

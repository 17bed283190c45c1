/* summary.c: the summary read (see api.h, docs/api.md "Summaries"): per bucket of a window,
 * how long each task was running, scheduled and waiting (and on what, mostly), how busy each
 * loop and worker was, and the marks, for drawing a zoomed-out timeline without its records. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/args.h"
#include "base/clock.h"
#include "api/jsonbuf.h"
#include "model/replay.h"
#include "model/taskstate.h"
#include "api/summary-int.h"

typedef ltc__summary summary;
typedef ltc__sum_task task_acc;
typedef ltc__sum_lane lane;

static int cmp_u64(const void *pa, const void *pb) {
  uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
  return a < b ? -1 : a > b;
}

/* "tasks": "TRACK:TASK,TRACK:TASK,...": sum only those (the lanes a view shows). */
static int tasks_arg(const cJSON *args, summary *m, ltc_err *err) {
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
      if (!n) return ltc_fail(err, -ENOMEM, "out of memory");
      m->only = n;
    }
    m->only[m->nonly++] = ltc_map_key((uint32_t)track, task);
    p = *end ? end + 1 : end;
  }
  if (!p || *p || m->nonly == 0)
    return ltc_fail(err, -EINVAL, "'tasks' lists TRACK:TASK pairs separated by commas");
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
  if (i >= m->nb) i = m->nb - 1;
  while (i > 0 && ltc__sum_edge(m, i) > a) i--; /* the division rounded up */
  for (; i < m->nb; i++) {
    int64_t bs = ltc__sum_edge(m, i), be = ltc__sum_edge(m, i + 1);
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

ltc__sum_task *ltc__sum_task_new(summary *m, uint64_t key) {
  if (m->acc_len == m->acc_cap) {
    size_t cap = m->acc_cap ? m->acc_cap * 2 : 64;
    task_acc **n = realloc(m->acc, cap * sizeof *n);
    if (!n) return NULL;
    m->acc = n;
    m->acc_cap = cap;
  }
  task_acc *a = calloc(1, sizeof *a);
  if (a) {
    a->key = key;
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
  return a;
}

/* The sums of the task in slot, made when it first has time in the window. */
static task_acc *acc_of(summary *m, ltc_task_slot *slot) {
  if (!slot->data) slot->data = ltc__sum_task_new(m, slot->key);
  return slot->data;
}

bool ltc__sum_wants(const summary *m, uint64_t key) {
  return !m->only || bsearch(&key, m->only, m->nonly, sizeof *m->only, cmp_u64);
}

int64_t ltc__sum_bucket(const summary *m, int64_t ts) {
  int64_t i = (int64_t)((double)ltc_ns_sub(ts, m->lo) / m->width);
  return i >= m->nb ? m->nb - 1 : i;
}

/* A task's stay in one state from since to t. */
static void task_span(summary *m, ltc_task_slot *was, int64_t t) {
  if (was->state == LTC_TASK_NONE || t <= m->lo || was->since >= m->hi) return;
  if (!ltc__sum_wants(m, was->key)) return;
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

lane *ltc__sum_lane_of(summary *m, uint32_t track) {
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
  lane *l = ltc__sum_lane_of(m, e->track);
  if (!l) return;
  if (e->ts >= m->lo) {
    l->v[ltc__sum_bucket(m, e->ts) * 3 + 2]++;
  }
  int to = ltc_lane_next(e);
  if (to >= 0) lane_move(m, l, (uint8_t)to, e->ts);
}

/* A track's state where its replay starts: its tasks, and its lane. */
static void summary_restore(void *user, const ltc_replay_point *p) {
  summary *m = user;
  if (ltc_taskstates_restore(&m->states, p->tasks, p->ntasks) < 0) m->oom = true;
  lane *l = ltc__sum_lane_of(m, p->track);
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

cJSON *ltc_api_summary(ltc_store *s, const cJSON *args, ltc_err *err) {
  ltc_session_row row;
  summary m = {0};
  if (ltc_arg_session(s, args, &row, err) < 0 ||
      ltc_arg_window(args, &row, &m.lo, &m.hi, err) < 0 ||
      ltc_arg_int(args, "buckets", 1000, 1, LTC_API_MAX_BUCKETS, &m.nb, err) < 0 ||
      tasks_arg(args, &m, err) < 0) {
    free(m.only);
    return NULL;
  }
  if (m.hi == m.lo) m.hi = m.lo + 1;
  m.width = (double)(m.hi - m.lo) / (double)m.nb;
  m.end = row.end_ns < m.hi ? row.end_ns : m.hi;
  ltc_replay q = {.lo = m.lo, .hi = m.hi, .restore = summary_restore, .event = summary_event,
                  .user = &m};
  int rc = ltc__sumcache_fill(s, &row, &m, err);
  if (rc == 1) {
    rc = ltc_replay_run(s, row.id, &q, err);
    ltc_taskstates_each(&m.states, close_task, &m);
    for (size_t i = 0; i < m.nlanes; i++) lane_move(&m, &m.lanes[i], 0, m.end);
  }
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
      cJSON_AddNumberToObject(o, "track", ltc_map_key_track(a->key));
      cJSON_AddNumberToObject(o, "task", ltc_map_key_id(a->key));
      cJSON_AddItemToObject(o, "buckets", bucket_rows(&m, a->v, SUM_COLS, a->reason));
      cJSON_AddItemToArray(tasks, o);
    }
    cJSON *marks = cJSON_AddArrayToObject(out, "marks");
    rc = ltc_store_marks(s, row.id, m.lo, m.hi, LTC_API_MAX_MARKS, add_mark, marks, &nmarks, err);
    cJSON_AddNumberToObject(out, "marks_total", (double)nmarks);
    /* every bucket's first mark and count, however many marks the window holds */
    ltc_jsonbuf b = {0};
    ltc_jsonbuf_put(&b, "[", 1);
    if (rc == 0)
      rc = ltc_store_mark_buckets(s, row.id, m.lo, m.hi, m.nb, add_mark_bucket, &b, err);
    ltc_jsonbuf_put(&b, "]", 1);
    const char *text = ltc_jsonbuf_text(&b);
    cJSON_AddItemToObject(out, "mark_buckets", cJSON_CreateRaw(text ? text : "[]"));
    ltc_jsonbuf_free(&b);
  }
  if (rc < 0 || m.oom) {
    cJSON_Delete(out);
    out = NULL;
    if (rc == 0 || rc == -ENOMEM)
      ltc_fail(err, -ENOMEM, "summing session %lld: out of memory", (long long)row.id);
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


/* sumcache.c: a finished session's state spans, kept once in memory (within a bound), from
 * which any summary grid is summed in O(buckets log spans) instead of replaying its records:
 * per task and state, and per lane, the spans in time order with their running totals. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/summary-int.h"
#include "model/replay.h"

enum { BLOCK = 64, KEEP = 4, MAX_BUILDING = 32 };

size_t ltc_sumcache_max_bytes = (size_t)1 << 30;
int64_t ltc_sumcache_warm_min = 200000;
uint64_t ltc_sumcache_answered;
static uint64_t ltc_sumcache_warmed, ltc_sumcache_warming;

typedef struct col {   /* one state's spans [a, b) of a task or lane, in time order */
  int64_t *a, *b;
  int64_t *pre;        /* n + 1: pre[k], the length of spans before k */
  int64_t *bmax;       /* the longest span of each BLOCK */
  uint8_t *why;        /* a waiting span's reason */
  size_t n, cap;
} col;

typedef struct ktask {
  uint64_t key;
  col c[SUM_COLS];
} ktask;

typedef struct klane {
  uint32_t track;
  uint8_t state;
  int64_t since;
  col c[2];            /* busy, idle */
  int64_t *ts;         /* its records' stamps (not definitions) */
  size_t nts, cap;
} klane;

typedef struct kept { /* a session, known by its row (the query threads' stores share it) */
  int64_t id, events, start_ns, end_ns, wall_ns, pid, ntask_row;
  ktask *tasks;
  size_t ntasks, tcap;
  klane *lanes;
  size_t nlanes;
  size_t bytes;
  bool unusable;       /* too big, or a track's clock stepped back: replay instead */
  ltc_taskstates states;
} kept;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t built = PTHREAD_COND_INITIALIZER; /* a replay below ended */
static kept *cache[KEEP]; /* most recently used first */
static int64_t building[MAX_BUILDING]; /* the sessions being replayed (outside the lock) */
static int nbuilding;

static void col_free(col *c) {
  free(c->a), free(c->b), free(c->pre), free(c->bmax), free(c->why);
}

static void kept_free(kept *k) {
  if (!k) return;
  for (size_t i = 0; i < k->ntasks; i++)
    for (int j = 0; j < SUM_COLS; j++) col_free(&k->tasks[i].c[j]);
  for (size_t i = 0; i < k->nlanes; i++) {
    col_free(&k->lanes[i].c[0]), col_free(&k->lanes[i].c[1]);
    free(k->lanes[i].ts);
  }
  free(k->tasks);
  free(k->lanes);
  ltc_taskstates_free(&k->states);
  free(k);
}

/* Gives up keeping k's spans (the summary replays instead), keeping the verdict. */
static void give_up(kept *k) {
  k->unusable = true;
}

static bool over(kept *k, size_t more) {
  k->bytes += more;
  if (k->bytes > ltc_sumcache_max_bytes) give_up(k);
  return k->unusable;
}

static void col_push(kept *k, col *c, int64_t a, int64_t b, uint8_t why) {
  if (k->unusable) return;
  if (b < a || (c->n && a < c->b[c->n - 1])) return give_up(k);
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 256;
    int64_t *na = realloc(c->a, cap * sizeof *na);
    if (na) c->a = na;
    int64_t *nb = realloc(c->b, cap * sizeof *nb);
    if (nb) c->b = nb;
    uint8_t *nw = realloc(c->why, cap);
    if (nw) c->why = nw;
    if (!na || !nb || !nw) return give_up(k);
    c->cap = cap;
  }
  if (over(k, 2 * sizeof(int64_t) + 1)) return; /* what is kept, not the slack */
  c->a[c->n] = a;
  c->b[c->n] = b;
  c->why[c->n++] = why;
}

static int col_of(uint8_t state) {
  return state == LTC_TASK_RUNNING ? SUM_BUSY : state == LTC_TASK_READY ? SUM_READY : SUM_WAIT;
}

static void task_span(kept *k, ltc_task_slot *was, int64_t t) {
  if (was->state == LTC_TASK_NONE || k->unusable) return;
  if (!was->data) {
    if (k->ntasks == k->tcap) {
      size_t cap = k->tcap ? k->tcap * 2 : 16;
      ktask *n = over(k, (cap - k->tcap) * sizeof *n) ? NULL : realloc(k->tasks, cap * sizeof *n);
      if (!n) return give_up(k);
      k->tasks = n;
      k->tcap = cap;
    }
    k->tasks[k->ntasks] = (ktask){.key = was->key};
    was->data = (void *)(uintptr_t)++k->ntasks;
  }
  ktask *task = &k->tasks[(uintptr_t)was->data - 1];
  col_push(k, &task->c[col_of(was->state)], was->since, t, was->reason);
}

static void on_task_move(void *user, const ltc_event *e, ltc_task_slot *was,
                         ltc_task_state to, uint8_t reason) {
  task_span(user, was, e->ts);
}

static klane *klane_of(kept *k, uint32_t track) {
  for (size_t i = k->nlanes; i-- > 0;)
    if (k->lanes[i].track == track) return &k->lanes[i];
  klane *n = realloc(k->lanes, (k->nlanes + 1) * sizeof *n);
  if (!n) return give_up(k), NULL;
  k->lanes = n;
  n[k->nlanes] = (klane){.track = track};
  return &n[k->nlanes++];
}

static void lane_move(kept *k, klane *l, uint8_t to, int64_t t) {
  if (l->state) col_push(k, &l->c[l->state == LTC_LANE_BUSY ? 0 : 1], l->since, t, 0);
  l->state = to;
  l->since = t;
}

static void keep_event(void *user, const ltc_event *e) {
  kept *k = user;
  if (k->unusable || ltc_kind_defines(e->kind)) return;
  if (ltc_taskstates_apply(&k->states, e, on_task_move, k) < 0) return give_up(k);
  klane *l = klane_of(k, e->track);
  if (!l) return;
  if (l->nts && e->ts < l->ts[l->nts - 1]) return give_up(k);
  if (l->nts == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 1024;
    int64_t *n = realloc(l->ts, cap * sizeof *n);
    if (!n) return give_up(k);
    l->ts = n;
    l->cap = cap;
  }
  if (over(k, sizeof *l->ts)) return;
  l->ts[l->nts++] = e->ts;
  int to = ltc_lane_next(e);
  if (to >= 0) lane_move(k, l, (uint8_t)to, e->ts);
}

static void close_task(void *user, uint32_t track, uint32_t task, ltc_task_slot *slot) {
  kept *k = user;
  task_span(k, slot, k->end_ns);
}

/* The running totals and block maxima of a column, once its spans are all in. */
static void col_finish(kept *k, col *c) {
  size_t nblk = (c->n + BLOCK - 1) / BLOCK;
  if (k->unusable || over(k, (c->n + 1 + nblk) * sizeof(int64_t))) return;
  if (c->n && c->n < c->cap) { /* the slack goes back */
    int64_t *a = realloc(c->a, c->n * sizeof *a), *b = a ? realloc(c->b, c->n * sizeof *b) : NULL;
    if (a) c->a = a;
    if (b) c->b = b;
  }
  c->pre = malloc((c->n + 1) * sizeof *c->pre);
  c->bmax = calloc(nblk ? nblk : 1, sizeof *c->bmax);
  if (!c->pre || !c->bmax) return give_up(k);
  c->pre[0] = 0;
  for (size_t i = 0; i < c->n; i++) {
    int64_t len = c->b[i] - c->a[i];
    c->pre[i + 1] = c->pre[i] + len;
    if (len > c->bmax[i / BLOCK]) c->bmax[i / BLOCK] = len;
  }
}

static kept *build(ltc_store *s, const ltc_session_row *row, ltc_err *err, int *rc) {
  kept *k = calloc(1, sizeof *k);
  if (!k) return *rc = -ENOMEM, NULL;
  *k = (kept){.id = row->id, .events = row->events, .start_ns = row->start_ns,
              .end_ns = row->end_ns, .wall_ns = row->started_wall_ns, .pid = row->pid,
              .ntask_row = row->tasks};
  ltc_replay q = {.lo = INT64_MIN, .hi = INT64_MAX, .event = keep_event, .user = k};
  *rc = ltc_replay_run(s, row->id, &q, err);
  if (*rc < 0) return kept_free(k), NULL;
  ltc_taskstates_each(&k->states, close_task, k);
  for (size_t i = 0; i < k->nlanes; i++) lane_move(k, &k->lanes[i], 0, k->end_ns);
  for (size_t i = 0; i < k->ntasks; i++)
    for (int j = 0; j < SUM_COLS; j++) col_finish(k, &k->tasks[i].c[j]);
  for (size_t i = 0; i < k->nlanes; i++)
    col_finish(k, &k->lanes[i].c[0]), col_finish(k, &k->lanes[i].c[1]);
  ltc_taskstates_free(&k->states);
  if (k->unusable) { /* keep only the verdict */
    kept v = {.id = k->id, .events = k->events, .start_ns = k->start_ns, .end_ns = k->end_ns,
              .wall_ns = k->wall_ns, .pid = k->pid, .ntask_row = k->ntask_row, .unusable = true};
    kept_free(k);
    k = malloc(sizeof *k);
    if (!k) return *rc = -ENOMEM, NULL;
    *k = v;
  }
  return k;
}

/* The first of v[0..n) greater than x (n: none). */
static size_t above(const int64_t *v, size_t n, int64_t x) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (v[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/* The length of c's spans before x. */
static int64_t upto(const col *c, int64_t x) {
  size_t j = above(c->a, c->n, x - 1); /* spans starting before x */
  if (!j) return 0;
  j--;
  return c->pre[j] + (c->b[j] < x ? c->b[j] : x) - c->a[j];
}

/* Column out of v (stride cols) from c, bucket by bucket. */
static void sum_col(const ltc__summary *m, const col *c, int64_t *v, int cols, int out) {
  int64_t prev = upto(c, m->lo);
  for (int64_t i = 0; i < m->nb; i++) {
    int64_t cur = upto(c, ltc__sum_edge(m, i + 1));
    v[i * cols + out] += cur - prev;
    prev = cur;
  }
}

/* The earliest longest of spans [from, to) longer than *best (SIZE_MAX: none). */
static size_t longest(const col *c, size_t from, size_t to, int64_t *best) {
  size_t win = SIZE_MAX;
  for (size_t i = from; i < to;) {
    if (i % BLOCK == 0 && i + BLOCK <= to && c->bmax[i / BLOCK] <= *best) {
      i += BLOCK;
      continue;
    }
    if (c->b[i] - c->a[i] > *best) *best = c->b[i] - c->a[i], win = i;
    i++;
  }
  return win;
}

/* Span j cut to [bs, be), if longer than *best. */
static void piece(const col *c, size_t j, int64_t bs, int64_t be, int64_t *best, size_t *win) {
  int64_t a = c->a[j] > bs ? c->a[j] : bs, b = c->b[j] < be ? c->b[j] : be;
  if (b - a > *best) *best = b - a, *win = j;
}

/* Each bucket's longest waiting piece and its reason (the earliest of equals). */
static void best_waits(const ltc__summary *m, const col *c, ltc__sum_task *t) {
  for (int64_t i = 0; i < m->nb; i++) {
    int64_t bs = ltc__sum_edge(m, i), be = ltc__sum_edge(m, i + 1), best = 0;
    if (be <= bs) continue;
    size_t j0 = above(c->b, c->n, bs), j1 = above(c->a, c->n, be - 1), win = SIZE_MAX;
    if (j0 >= j1) continue;
    piece(c, j0, bs, be, &best, &win);
    if (j1 - j0 > 2) { /* the whole ones between the ends */
      size_t w = longest(c, j0 + 1, j1 - 1, &best);
      if (w != SIZE_MAX) win = w;
    }
    if (j1 - 1 > j0) piece(c, j1 - 1, bs, be, &best, &win);
    if (win != SIZE_MAX) t->best[i] = best, t->reason[i] = c->why[win];
  }
}

/* Each bucket's records of lane l. */
static void count_records(const ltc__summary *m, const klane *l, int64_t *v) {
  size_t from = above(l->ts, l->nts, m->lo - 1), to = above(l->ts, l->nts, m->hi);
  for (size_t k = from; k < to;) { /* a bucket at a time */
    int64_t i = ltc__sum_bucket(m, l->ts[k]);
    size_t lo = k + 1, hi = to;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (ltc__sum_bucket(m, l->ts[mid]) > i) hi = mid;
      else lo = mid + 1;
    }
    v[i * 3 + 2] += (int64_t)(lo - k);
    k = lo;
  }
}

static bool in_window(const ltc__summary *m, const ktask *t) {
  for (int j = 0; j < SUM_COLS; j++) {
    size_t i = above(t->c[j].b, t->c[j].n, m->lo);
    if (i < t->c[j].n && t->c[j].a[i] < m->hi) return true;
  }
  return false;
}

static void fill(const kept *k, ltc__summary *m) {
  for (size_t i = 0; i < k->nlanes && !m->oom; i++) {
    const klane *kl = &k->lanes[i];
    if (!kl->nts || kl->ts[0] > m->hi) continue;
    ltc__sum_lane *l = ltc__sum_lane_of(m, kl->track);
    if (!l) return;
    sum_col(m, &kl->c[0], l->v, 3, 0);
    sum_col(m, &kl->c[1], l->v, 3, 1);
    count_records(m, kl, l->v);
  }
  for (size_t i = 0; i < k->ntasks && !m->oom; i++) {
    const ktask *kt = &k->tasks[i];
    if (!ltc__sum_wants(m, kt->key) || !in_window(m, kt)) continue;
    ltc__sum_task *t = ltc__sum_task_new(m, kt->key);
    if (!t) {
      m->oom = true;
      return;
    }
    for (int j = 0; j < SUM_COLS; j++) sum_col(m, &kt->c[j], t->v, SUM_COLS, j);
    best_waits(m, &kt->c[SUM_WAIT], t);
  }
}

/* Whether row's spans may be kept: finished, and within +-2^62 ns. Kept spans subtract raw
 * stamps: a session (or a grid) beyond, which only a hand-made stream has, is replayed, whose
 * arithmetic saturates (base/clock.h). */
static const int64_t far = INT64_C(1) << 62;
static bool keepable(const ltc_session_row *row) {
  return ltc_sumcache_max_bytes && strcmp(row->status, "live") != 0 && row->start_ns >= -far &&
         row->end_ns <= far;
}

static int find(const ltc_session_row *row) {
  for (int i = 0; i < KEEP; i++)
    if (cache[i] && cache[i]->id == row->id && cache[i]->events == row->events &&
        cache[i]->start_ns == row->start_ns && cache[i]->end_ns == row->end_ns &&
        cache[i]->wall_ns == row->started_wall_ns && cache[i]->pid == row->pid &&
        cache[i]->ntask_row == row->tasks)
      return i;
  return -1;
}

/* Moves cache[at] (or, at < 0, k in place of the least recently used) to the front, then
 * drops what passes the bound. */
static void to_front(int at, kept *k) {
  if (at < 0) at = KEEP - 1, kept_free(cache[at]);
  else k = cache[at];
  memmove(cache + 1, cache, (size_t)at * sizeof *cache);
  cache[0] = k;
  size_t total = 0;
  for (int i = 0; i < KEEP; i++)
    if (cache[i] && (total += cache[i]->bytes) > ltc_sumcache_max_bytes && i)
      kept_free(cache[i]), cache[i] = NULL;
}

/* With the lock held: row's kept spans, at the front of the cache. Made when missing by a
 * replay run outside the lock (summaries of other sessions go on meanwhile; a second ask for
 * the same session waits for the first's). NULL when the replay failed (*rc). */
static kept *take(ltc_store *s, const ltc_session_row *row, ltc_err *err, int *rc) {
  for (;;) {
    int at = find(row);
    if (at >= 0) return to_front(at, NULL), cache[0];
    bool busy = false;
    for (int i = 0; i < nbuilding && !busy; i++) busy = building[i] == row->id;
    if (!busy && nbuilding < MAX_BUILDING) break;
    pthread_cond_wait(&built, &lock);
  }
  building[nbuilding++] = row->id;
  pthread_mutex_unlock(&lock);
  kept *k = build(s, row, err, rc);
  pthread_mutex_lock(&lock);
  for (int i = 0; i < nbuilding; i++)
    if (building[i] == row->id) { building[i] = building[--nbuilding]; break; } /* one each */
  pthread_cond_broadcast(&built);
  if (k) to_front(-1, k);
  return k;
}

int ltc__sumcache_fill(ltc_store *s, const ltc_session_row *row, ltc__summary *m,
                       ltc_err *err) {
  if (!keepable(row) || m->lo < -far || m->hi > far) return 1;
  pthread_mutex_lock(&lock);
  int rc = 0;
  kept *k = take(s, row, err, &rc);
  if (k && k->unusable) rc = 1;
  else if (k) fill(k, m), ltc_sumcache_answered++;
  pthread_mutex_unlock(&lock);
  return rc;
}

int ltc_sumcache_warm(ltc_store *s, int64_t session, ltc_err *err) {
  ltc_session_row row;
  int rc = ltc_store_session_row(s, session, &row, err);
  if (rc < 0) return rc;
  if (!keepable(&row) || row.events <= ltc_sumcache_warm_min) return 1;
  pthread_mutex_lock(&lock);
  ltc_sumcache_warming++;
  kept *k = take(s, &row, err, &rc);
  ltc_sumcache_warming--;
  if (k && !k->unusable) ltc_sumcache_warmed++;
  else if (k) rc = 1;
  pthread_mutex_unlock(&lock);
  return rc;
}

bool ltc_sumcache_kept(int64_t session) {
  pthread_mutex_lock(&lock);
  bool yes = false;
  for (int i = 0; i < KEEP && !yes; i++)
    yes = cache[i] && cache[i]->id == session && !cache[i]->unusable;
  pthread_mutex_unlock(&lock);
  return yes;
}

void ltc_sumcache_counts(uint64_t *warmed, uint64_t *warming, uint64_t *answered) {
  pthread_mutex_lock(&lock);
  *warmed = ltc_sumcache_warmed;
  *warming = ltc_sumcache_warming;
  *answered = ltc_sumcache_answered;
  pthread_mutex_unlock(&lock);
}

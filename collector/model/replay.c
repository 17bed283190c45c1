/* replay.c: replays from checkpoints (see replay.h). The checkpoints of a session are made
 * by one pass over all its blocks, track by track, following taskstate.c's machines; they
 * are kept for the few sessions read last and checked against the session's row (its record
 * count and last time) before each use, so a deleted session's number given to a new one
 * never reuses them. */
#include "model/replay.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


int ltc_replay_every = 16; /* 16 blocks of 4096 records: a replay decodes at most ~65k */

#define CACHED_SESSIONS 8

typedef struct session_points {
  int64_t id, events, end_ns; /* what the points were made from */
  ltc_replay_point *points;   /* by track, then first_seq */
  size_t n, cap;
  uint64_t used;
} session_points;

typedef struct ltc_replay_cache {
  session_points entries[CACHED_SESSIONS];
  uint64_t clock;
} ltc_replay_cache;

static void points_free(session_points *e) {
  for (size_t i = 0; i < e->n; i++) {
    free(e->points[i].tasks);
    free(e->points[i].timers);
  }
  free(e->points);
  memset(e, 0, sizeof *e);
}

/* The cache goes with the store it is attached to. */
static void cache_free(void *p) {
  ltc_replay_cache *c = p;
  if (!c) return;
  for (int i = 0; i < CACHED_SESSIONS; i++) points_free(&c->entries[i]);
  free(c);
}

/* ---- making the checkpoints: one pass over the whole session ---- */

typedef struct lane_state {
  uint32_t track;
  uint8_t state;
  int64_t since;
  int64_t latest; /* the largest timestamp of the track's records so far */
} lane_state;

typedef struct builder {
  session_points *out;
  ltc_taskstates tasks, timers;
  lane_state *lanes;
  size_t nlanes;
  uint32_t track;  /* the track being read, and how many of its blocks so far */
  uint64_t blocks;
  bool oom;
} builder;

static lane_state *lane_of(builder *b, uint32_t track) {
  for (size_t i = 0; i < b->nlanes; i++)
    if (b->lanes[i].track == track) return &b->lanes[i];
  lane_state *n = realloc(b->lanes, (b->nlanes + 1) * sizeof *n);
  if (!n) return NULL;
  b->lanes = n;
  n[b->nlanes] = (lane_state){.track = track, .latest = INT64_MIN};
  return &n[b->nlanes++];
}

/* Slot i of t when it holds a task (or timer) of track that is not NONE. */
static const ltc_task_slot *kept(const ltc_taskstates *t, size_t i, uint32_t track) {
  const ltc_task_slot *s = ltc_taskstates_at(t, i);
  return s && s->state != LTC_TASK_NONE && ltc_task_slot_track(s) == track ? s : NULL;
}

/* The slots of table t on track that are not NONE, copied (their data pointers cleared). */
static ltc_task_slot *copy_track(const ltc_taskstates *t, uint32_t track, uint32_t *n) {
  size_t count = 0;
  for (size_t i = 0; i < ltc_taskstates_cap(t); i++) count += kept(t, i, track) != NULL;
  *n = 0;
  if (!count) return NULL;
  ltc_task_slot *out = malloc(count * sizeof *out);
  if (!out) return NULL;
  for (size_t i = 0; i < ltc_taskstates_cap(t); i++) {
    const ltc_task_slot *s = kept(t, i, track);
    if (!s) continue;
    out[*n] = *s;
    out[(*n)++].data = NULL;
  }
  return out;
}

static int build_block(void *user, uint32_t track, int64_t start_ns, uint64_t first_seq) {
  (void)start_ns;
  builder *b = user;
  if (track != b->track) {
    b->track = track;
    b->blocks = 0;
  }
  if (b->blocks++ % (uint64_t)ltc_replay_every) return 0;
  /* a checkpoint: this track's state before this block */
  session_points *e = b->out;
  if (e->n == e->cap) {
    size_t cap = e->cap ? e->cap * 2 : 16;
    ltc_replay_point *n = realloc(e->points, cap * sizeof *n);
    if (!n) {
      b->oom = true;
      return 1;
    }
    e->points = n;
    e->cap = cap;
  }
  ltc_replay_point *p = &e->points[e->n++];
  memset(p, 0, sizeof *p);
  p->track = track;
  p->first_seq = first_seq;
  p->tasks = copy_track(&b->tasks, track, &p->ntasks);
  p->timers = copy_track(&b->timers, track, &p->ntimers);
  lane_state *l = lane_of(b, track);
  if (!l || (p->ntasks && !p->tasks) || (p->ntimers && !p->timers)) b->oom = true;
  if (l) {
    p->lane = l->state;
    p->lane_since = l->since;
    p->until_ns = l->latest;
  }
  return b->oom;
}

static void build_event(void *user, const ltc_event *e) {
  builder *b = user;
  if (ltc_taskstates_apply(&b->tasks, e, NULL, NULL) < 0 || ltc_timers_apply(&b->timers, e) < 0)
    b->oom = true;
  lane_state *l = lane_of(b, e->track);
  if (!l) {
    b->oom = true;
    return;
  }
  if (e->ts > l->latest) l->latest = e->ts;
  int to = ltc_lane_next(e);
  if (to >= 0) {
    l->state = (uint8_t)to;
    l->since = e->ts;
  }
}

static int build(ltc_store *s, int64_t id, session_points *out) {
  builder b = {.out = out};
  ltc_scan q = {.lo = INT64_MIN, .hi = INT64_MAX, .from_start = true, .block = build_block,
                .event = build_event, .user = &b};
  int rc = ltc_store_scan(s, id, &q, NULL, NULL);
  ltc_taskstates_free(&b.tasks);
  ltc_taskstates_free(&b.timers);
  free(b.lanes);
  if (rc == 0 && b.oom) rc = -ENOMEM;
  return rc;
}

/* The session's checkpoints, made now if the cache has none that still fit its row; NULL
 * when it is not worth it (small or live) or they could not be made. */
static session_points *points_of(ltc_store *s, const ltc_session_row *row) {
  if (ltc_replay_every <= 0 || strcmp(row->status, "live") == 0 ||
      row->events < (int64_t)ltc_replay_every * LTC_STORE_BLOCK_EVENTS * 2)
    return NULL;
  ltc_replay_cache *c = ltc_store_attachment(s);
  if (!c) {
    if (!(c = calloc(1, sizeof *c))) return NULL;
    ltc_store_attach(s, c, cache_free);
  }
  session_points *e = NULL, *oldest = &c->entries[0];
  for (int i = 0; i < CACHED_SESSIONS; i++) {
    session_points *x = &c->entries[i];
    if (x->id == row->id && x->events == row->events && x->end_ns == row->end_ns) e = x;
    if (x->used < oldest->used) oldest = x;
  }
  if (!e) {
    e = oldest;
    points_free(e);
    if (build(s, row->id, e) < 0) {
      points_free(e);
      return NULL;
    }
    e->id = row->id;
    e->events = row->events;
    e->end_ns = row->end_ns;
  }
  e->used = ++c->clock;
  return e;
}

/* ---- replaying ---- */

int ltc_replay_run(ltc_store *s, int64_t id, const ltc_replay *q, ltc_err *err) {
  ltc_session_row row;
  int rc = ltc_store_session_row(s, id, &row, err);
  if (rc < 0) return rc;
  session_points *e = points_of(s, &row);
  if (!e) { /* every track from the start */
    ltc_scan all = {.lo = q->lo, .hi = q->hi, .from_start = true, .event = q->event,
                    .user = q->user};
    return ltc_store_scan(s, id, &all, NULL, err);
  }
  /* Each track from its last checkpoint whose records before it all come before lo (points
   * are by track, then seq; a track's first point has none before it). Not "its block starts
   * by lo": a producer's clock may step back, and a record before the point stamped at or
   * after lo is one the caller must see as it would from the start. */
  for (size_t i = 0; i < e->n && rc == 0;) {
    size_t best = i, j = i;
    for (; j < e->n && e->points[j].track == e->points[i].track; j++)
      if (e->points[j].until_ns < q->lo) best = j;
    const ltc_replay_point *p = &e->points[best];
    if (q->restore) q->restore(q->user, p);
    ltc_scan one = {.lo = q->lo, .hi = q->hi, .from_start = true, .only_track = p->track,
                    .min_seq = p->first_seq, .event = q->event, .user = q->user};
    rc = ltc_store_scan(s, id, &one, NULL, err);
    i = j;
  }
  return rc;
}

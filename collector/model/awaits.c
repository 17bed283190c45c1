/* awaits.c: the await graph at a moment (see awaits.h): task states replayed up to it by
 * the one state machine (taskstate.c), names and parents from the creations, edges from the
 * suspends. */
#include "model/awaits.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/map-inl.h"
#include "model/taskstate.h"

typedef struct meta {
  uint64_t key;
  char name[64];
  uint32_t parent;
} meta;

typedef struct walk {
  int64_t at;
  ltc_taskstates states;
  ltc_map meta; /* of meta */
  const ltc_session_strings *strings;
  bool oom;
} walk;

static void on_event(void *user, const ltc_event *e) {
  walk *w = user;
  if (w->oom || e->ts > w->at) return;
  if (e->kind == LT_EV_TASK_CREATE) {
    meta *m = ltc_map_put(&w->meta, ltc_map_key(e->track, e->task), NULL);
    if (!m) {
      w->oom = true;
      return;
    }
    const char *name = ltc_strings_get(w->strings, e->track, e->a[1]);
    snprintf(m->name, sizeof m->name, "%s", name ? name : "?");
    m->parent = (uint32_t)e->a[0];
  }
  if (ltc_taskstates_apply(&w->states, e, NULL, NULL) < 0) w->oom = true;
}

static int cmp_node(const void *pa, const void *pb) {
  const ltc_await_node *a = pa, *b = pb;
  if (a->track != b->track) return a->track < b->track ? -1 : 1;
  return a->task < b->task ? -1 : a->task > b->task;
}

static int32_t index_of(const ltc_await_graph *g, uint32_t track, uint32_t task) {
  size_t lo = 0, hi = g->len;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    const ltc_await_node *n = &g->n[mid];
    if (n->track == track && n->task == task) return (int32_t)mid;
    if (n->track < track || (n->track == track && n->task < task)) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

/* Exact edges make at most one way out of each node: a cycle is found by walking from each
 * node until a node repeats (colour 1: on this walk, 2: done). */
static int find_cycles(ltc_await_graph *g) {
  uint8_t *colour = calloc(g->len + 1, 1);
  if (!colour) return -ENOMEM;
  for (size_t s = 0; s < g->len; s++) {
    int32_t i = (int32_t)s;
    while (i >= 0 && !colour[i]) {
      colour[i] = 1;
      i = g->n[i].awaits;
    }
    if (i >= 0 && colour[i] == 1) { /* back on this walk: i starts a cycle */
      size_t k = 1;
      for (int32_t j = g->n[i].awaits; j != i; j = g->n[j].awaits) k++;
      int32_t *c = malloc((k + 1) * sizeof *c);
      int32_t **cs = realloc(g->cycles, (g->ncycles + 1) * sizeof *cs);
      if (!c || !cs) {
        free(c);
        if (cs) g->cycles = cs;
        free(colour);
        return -ENOMEM;
      }
      g->cycles = cs;
      size_t m = 0;
      int32_t j = i;
      do {
        c[m++] = j;
        g->n[j].in_cycle = true;
        j = g->n[j].awaits;
      } while (j != i);
      c[m] = -1;
      g->cycles[g->ncycles++] = c;
    }
    for (int32_t j = (int32_t)s; j >= 0 && colour[j] == 1; j = g->n[j].awaits) colour[j] = 2;
  }
  free(colour);
  return 0;
}

int ltc_awaits_at(ltc_store *s, int64_t id, int64_t at, ltc_await_graph *g, ltc_err *err) {
  memset(g, 0, sizeof *g);
  g->at = at;
  walk w = {.at = at, .meta = LTC_MAP_OF(meta)};
  ltc_session_strings *text = ltc_store_strings(s, id);
  if (!text) return ltc_fail(err, -ENOMEM, "await graph: out of memory");
  w.strings = text;
  const ltc_session_strings *scan;
  int rc = ltc_store_session_events(s, id, &scan, on_event, &w, err);
  if (rc == 0 && w.oom) rc = ltc_fail(err, -ENOMEM, "await graph: out of memory");
  size_t cap = ltc_taskstates_cap(&w.states);
  if (rc == 0 && cap && !(g->n = calloc(cap, sizeof *g->n)))
    rc = ltc_fail(err, -ENOMEM, "await graph: out of memory");
  for (size_t i = 0; rc == 0 && i < cap; i++) {
    ltc_task_slot *t = ltc_taskstates_at(&w.states, i);
    if (!t || t->state == LTC_TASK_NONE) continue;
    ltc_await_node *n = &g->n[g->len++];
    *n = (ltc_await_node){.track = ltc_task_slot_track(t), .task = ltc_task_slot_task(t),
                          .state = t->state, .since = t->since, .awaits = -1};
    meta *m = ltc_map_find(&w.meta, t->key);
    snprintf(n->name, sizeof n->name, "%s", m ? m->name : "?");
    n->parent = m ? m->parent : 0;
    if (t->state == LTC_TASK_WAITING) {
      n->reason = t->reason;
      n->object = t->obj;
      const char *file, *func;
      int64_t line;
      if (t->site && ltc_sites_get(text, n->track, t->site, &file, &func, &line) == 0 && file) {
        const char *base = strrchr(file, '/');
        snprintf(n->file, sizeof n->file, "%s", base ? base + 1 : file);
        n->line = line;
      }
    }
  }
  if (rc == 0 && g->len) {
    qsort(g->n, g->len, sizeof *g->n, cmp_node);
    for (size_t i = 0; i < g->len; i++)
      if (g->n[i].state == LTC_TASK_WAITING && g->n[i].reason == LT_REASON_TASK)
        g->n[i].awaits = index_of(g, g->n[i].track, (uint32_t)g->n[i].object);
    if (find_cycles(g) < 0) rc = ltc_fail(err, -ENOMEM, "await graph: out of memory");
  }
  ltc_taskstates_free(&w.states);
  ltc_map_free(&w.meta);
  ltc_strings_free(text);
  if (rc < 0) ltc_awaits_free(g);
  return rc;
}

size_t ltc_awaits_children(const ltc_await_graph *g, size_t i, int32_t *out, size_t cap,
                           bool *inferred) {
  const ltc_await_node *n = &g->n[i];
  *inferred = false;
  if (n->awaits >= 0) {
    if (cap) out[0] = n->awaits;
    return 1;
  }
  if (n->state != LTC_TASK_WAITING ||
      (n->reason != LT_REASON_FUTURE && n->reason != LT_REASON_GATHER))
    return 0;
  *inferred = true;
  size_t k = 0;
  for (size_t j = 0; j < g->len; j++)
    if (g->n[j].track == n->track && g->n[j].parent == n->task && j != i) {
      if (k < cap) out[k] = (int32_t)j;
      k++;
    }
  return k;
}

void ltc_awaits_free(ltc_await_graph *g) {
  for (size_t i = 0; i < g->ncycles; i++) free(g->cycles[i]);
  free(g->cycles);
  free(g->n);
  memset(g, 0, sizeof *g);
}

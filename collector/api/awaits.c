/* awaits.c: the await graph read (docs/api.md "The await graph"): at a moment of a session,
 * every live task with what it waits on, where and for how long, the tree of who awaits whom
 * from the tasks nobody awaits, and the cycles. */
#include <errno.h>
#include <stdlib.h>

#include "api/api.h"
#include "api/args.h"
#include "model/awaits.h"
#include "model/taskstate.h"
#include "wire/reader.h"

#define MAX_DEPTH 256

static cJSON *waits_json(const ltc_await_node *n) {
  if (n->state != LTC_TASK_WAITING) return cJSON_CreateNull();
  cJSON *w = cJSON_CreateObject();
  cJSON_AddStringToObject(w, "reason", ltc_reason_name(n->reason));
  cJSON_AddNumberToObject(w, "object", (double)n->object);
  if (n->file[0]) {
    cJSON_AddStringToObject(w, "file", n->file);
    cJSON_AddNumberToObject(w, "line", (double)n->line);
  }
  return w;
}

static void node_fields(cJSON *o, const ltc_await_graph *g, const ltc_await_node *n) {
  cJSON_AddNumberToObject(o, "track", n->track);
  cJSON_AddNumberToObject(o, "task", n->task);
  cJSON_AddStringToObject(o, "name", n->name);
  cJSON_AddStringToObject(o, "state", ltc_task_state_name(n->state));
  cJSON_AddNumberToObject(o, "since_ns", (double)n->since);
  cJSON_AddNumberToObject(o, "for_ns", (double)(g->at - n->since));
  cJSON_AddItemToObject(o, "waits", waits_json(n));
}

static cJSON *tree(const ltc_await_graph *g, size_t i, const char *via, uint8_t *on_path,
                   int depth) {
  cJSON *o = cJSON_CreateObject();
  node_fields(o, g, &g->n[i]);
  if (via) cJSON_AddStringToObject(o, "via", via);
  if (on_path[i] || depth > MAX_DEPTH) { /* a cycle comes back here: said, not followed */
    cJSON_AddBoolToObject(o, "cycle", true);
    return o;
  }
  on_path[i] = 1;
  cJSON *kids = cJSON_AddArrayToObject(o, "awaits");
  bool inferred;
  size_t n = ltc_awaits_children(g, i, NULL, 0, &inferred);
  int32_t *c = n ? malloc(n * sizeof *c) : NULL;
  if (c) {
    ltc_awaits_children(g, i, c, n, &inferred);
    for (size_t k = 0; k < n; k++)
      cJSON_AddItemToArray(kids, tree(g, (size_t)c[k], inferred ? "child" : "await", on_path,
                                      depth + 1));
  }
  free(c);
  on_path[i] = 0;
  return o;
}

/* {session, at?}: the graph at `at` (default: the session's last record). */
cJSON *ltc_api_awaits(ltc_store *s, const cJSON *args, ltc_err *err) {
  ltc_session_row row;
  if (ltc_arg_session(s, args, &row, err) < 0) return NULL;
  int64_t at;
  if (ltc_arg_int(args, "at", row.end_ns, INT64_MIN, INT64_MAX, &at, err) < 0) return NULL;
  ltc_await_graph g;
  if (ltc_awaits_at(s, row.id, at, &g, err) < 0) return NULL;
  uint8_t *awaited = calloc(g.len + 1, 1), *on_path = calloc(g.len + 1, 1);
  int32_t *c = calloc(g.len + 1, sizeof *c);
  if (!awaited || !on_path || !c) {
    free(awaited);
    free(on_path);
    free(c);
    ltc_awaits_free(&g);
    ltc_fail(err, -ENOMEM, "await graph: out of memory");
    return NULL;
  }
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "session", (double)row.id);
  cJSON_AddNumberToObject(o, "at_ns", (double)at);
  cJSON *tasks = cJSON_AddArrayToObject(o, "tasks");
  for (size_t i = 0; i < g.len; i++) {
    cJSON *t = cJSON_CreateObject();
    node_fields(t, &g, &g.n[i]);
    cJSON_AddNumberToObject(t, "parent", g.n[i].parent);
    bool inferred;
    size_t n = ltc_awaits_children(&g, i, c, g.len, &inferred);
    cJSON *aw = cJSON_AddArrayToObject(t, "awaits");
    for (size_t k = 0; k < n; k++) {
      cJSON_AddItemToArray(aw, cJSON_CreateNumber(g.n[c[k]].task));
      awaited[c[k]] = 1;
    }
    cJSON_AddBoolToObject(t, "inferred", n && inferred);
    cJSON_AddItemToArray(tasks, t);
  }
  cJSON *roots = cJSON_AddArrayToObject(o, "roots");
  for (size_t i = 0; i < g.len; i++)
    if (!awaited[i]) cJSON_AddItemToArray(roots, tree(&g, i, NULL, on_path, 0));
  cJSON *cycles = cJSON_AddArrayToObject(o, "cycles");
  for (size_t k = 0; k < g.ncycles; k++) {
    cJSON *cy = cJSON_CreateArray();
    for (int32_t *p = g.cycles[k]; *p >= 0; p++) {
      cJSON *m = cJSON_CreateObject();
      cJSON_AddNumberToObject(m, "track", g.n[*p].track);
      cJSON_AddNumberToObject(m, "task", g.n[*p].task);
      cJSON_AddStringToObject(m, "name", g.n[*p].name);
      cJSON_AddItemToArray(cy, m);
    }
    cJSON_AddItemToArray(cycles, cy);
    /* a cycle nobody outside it awaits has no root: it is one, from its first task */
    bool reached = false;
    for (int32_t *p = g.cycles[k]; *p >= 0; p++)
      for (size_t i = 0; i < g.len && !reached; i++) {
        bool inf;
        size_t n = ltc_awaits_children(&g, i, c, g.len, &inf);
        for (size_t j = 0; j < n; j++) reached |= c[j] == *p && !g.n[i].in_cycle;
      }
    if (!reached) cJSON_AddItemToArray(roots, tree(&g, (size_t)g.cycles[k][0], NULL, on_path, 0));
  }
  free(awaited);
  free(on_path);
  free(c);
  ltc_awaits_free(&g);
  return o;
}

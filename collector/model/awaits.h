/* awaits.h: the await graph of a session at a moment: every task alive then, what it was
 * doing, and who awaited whom, like `asyncio pstree` but at any point of a recorded (or live,
 * as far as stored) session. An edge is exact when a task awaits a task (suspend reason
 * task); a task waiting on a future, a gather or a task group is shown awaiting its children
 * that are still alive (the tasks it spawned: what structured concurrency waits for), marked
 * as such. Cycles of exact edges are reported. */
#ifndef LTC_AWAITS_H
#define LTC_AWAITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

typedef struct ltc_await_node {
  uint32_t track, task, parent;
  char name[64];
  uint8_t state;   /* ltc_task_state: ready, running, waiting */
  uint8_t reason;  /* waiting: lt_wire_reason */
  uint64_t object; /* waiting: what on (a task, future, timer id...) */
  char file[128];  /* waiting: the await site (empty: none) */
  int64_t line;
  int64_t since;   /* when it entered its state */
  int32_t awaits;  /* exact edge: the node it awaits (reason task), or -1 */
  bool in_cycle;
} ltc_await_node;

typedef struct ltc_await_graph {
  int64_t at;
  ltc_await_node *n; /* in (track, task) order */
  size_t len;
  int32_t **cycles;  /* each: node indexes, -1 ended */
  size_t ncycles;
} ltc_await_graph;

/* The graph of session id at moment at (ns on its trace clock). 0, -ENOENT, -ENOMEM. */
int ltc_awaits_at(ltc_store *s, int64_t id, int64_t at, ltc_await_graph *g, ltc_err *err);
/* The nodes a node awaits: its exact edge, or (waiting on a future, gather or group) its
 * live children. Returns how many were written to out (at most cap); *inferred says which. */
size_t ltc_awaits_children(const ltc_await_graph *g, size_t i, int32_t *out, size_t cap,
                           bool *inferred);
void ltc_awaits_free(ltc_await_graph *g);

#endif

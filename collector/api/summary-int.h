/* summary-int.h: a summary's sums while they are made, shared by the replay (summary.c) and
 * the finished session's kept spans (sumcache.c), which fill them the same way. */
#ifndef LTC_SUMMARY_INT_H
#define LTC_SUMMARY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/taskstate.h"
#include "store/store.h"

enum { SUM_BUSY, SUM_READY, SUM_WAIT, SUM_COLS };

typedef struct ltc__sum_lane {
  uint32_t track;
  uint8_t state; /* 0 off, 1 busy, 2 idle */
  int64_t since;
  int64_t *v; /* nb * 3: busy, idle, records */
} ltc__sum_lane;

typedef struct ltc__sum_task {
  uint64_t key;     /* the task's slot key: sorts by track, then task */
  int64_t *v;       /* nb * SUM_COLS */
  int64_t *best;    /* nb: the longest waiting piece, whose reason names the bucket */
  uint8_t *reason;  /* nb */
} ltc__sum_task;

typedef struct ltc__summary {
  int64_t lo, hi, end; /* end: where open states stop (the session's last record) */
  int64_t nb;
  double width;
  ltc_taskstates states; /* each slot's data: its task sums, once it has time in the window */
  ltc__sum_task **acc;
  size_t acc_cap, acc_len;
  ltc__sum_lane *lanes;
  size_t nlanes;
  bool oom;
  uint64_t *only; /* "tasks": the slot keys of the tasks wanted, sorted (NULL: all) */
  size_t nonly;
} ltc__summary;

/* Where bucket i of m starts (i == m->nb: m->hi). */
static inline int64_t ltc__sum_edge(const ltc__summary *m, int64_t i) {
  return i >= m->nb ? m->hi : m->lo + (int64_t)((double)i * m->width);
}
/* The bucket a record stamped ts (lo <= ts <= hi) is counted in. */
int64_t ltc__sum_bucket(const ltc__summary *m, int64_t ts);
/* New zeroed sums of a task (NULL: out of memory); a lane's, by track (made if new). */
ltc__sum_task *ltc__sum_task_new(ltc__summary *m, uint64_t key);
ltc__sum_lane *ltc__sum_lane_of(ltc__summary *m, uint32_t track);
/* Whether m sums the task of slot key ("tasks"). */
bool ltc__sum_wants(const ltc__summary *m, uint64_t key);

/* Fills m from the spans kept for finished session row (made on first use, within
 * ltc_sumcache_max_bytes): 0 done, 1 not kept (live, too big, or not in time order: replay),
 * -ENOMEM, or the replay's error. */
int ltc__sumcache_fill(ltc_store *s, const ltc_session_row *row, ltc__summary *m, ltc_err *err);
#endif

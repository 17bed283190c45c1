/* taskstate.h: what every task of a session is doing (ready to run, running, waiting on
 * something) as its records are read in order. One state machine for everything that draws
 * or sums task states: the Chrome export's slices and the API's per-bucket summaries. */
#ifndef LTC_TASKSTATE_H
#define LTC_TASKSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/map-inl.h"
#include "wire/reader.h"

/* What a task is doing: XX(NAME, "name"), numbered from 0 in this order. */
#define LTC_TASK_STATE_MAP(XX)                                                                \
  XX(NONE, "none")       /* not created yet, or done */                                      \
  XX(READY, "ready")     /* scheduled: in the ready queue */                                 \
  XX(RUNNING, "running") /* resumed, not yet suspended */                                    \
  XX(WAITING, "waiting") /* suspended on something (reason) */
typedef enum ltc_task_state {
#define LTC__TASK_STATE(name, text) LTC_TASK_##name,
  LTC_TASK_STATE_MAP(LTC__TASK_STATE)
#undef LTC__TASK_STATE
} ltc_task_state;
static inline const char *ltc_task_state_name(unsigned s) {
  static const char *const names[] = {
#define LTC__TASK_STATE(name, text) text,
      LTC_TASK_STATE_MAP(LTC__TASK_STATE)
#undef LTC__TASK_STATE
  };
  return s < sizeof names / sizeof *names ? names[s] : "unknown";
}

typedef struct ltc_task_slot {
  uint64_t key;   /* ltc_map_key(track, task) */
  uint8_t state;  /* ltc_task_state */
  uint8_t reason; /* lt_wire_reason while waiting */
  int64_t since;  /* when it entered state */
  uint64_t seq;   /* the record that moved it there (orders tasks made ready at one time) */
  uint64_t obj, site, detail; /* waiting: the suspend's awaited object, site and detail */
  void *data;     /* the caller's, per task (e.g. a summary's sums); never freed here */
} ltc_task_slot;

typedef struct ltc_taskstates {
  ltc_map map; /* of ltc_task_slot; a zeroed ltc_taskstates is an empty one */
} ltc_taskstates;

/* Called when e moves a task: was is its slot before the move (state, reason, since). */
typedef void (*ltc_task_move_fn)(void *user, const ltc_event *e, ltc_task_slot *was,
                                 ltc_task_state to, uint8_t reason);

/* Follows e (records of one track in sequence order). 0, or -ENOMEM. */
int ltc_taskstates_apply(ltc_taskstates *t, const ltc_event *e, ltc_task_move_fn fn, void *user);
/* The slot of (track, id), made empty (state NONE) when new; NULL when out of memory. The
 * table also serves as a plain map by (track, id), e.g. of pending timers. */
ltc_task_slot *ltc_taskstates_slot(ltc_taskstates *t, uint32_t track, uint32_t id);
/* Slot i of the table (0 <= i < ltc_taskstates_cap), or NULL when it is empty. */
static inline ltc_task_slot *ltc_taskstates_at(const ltc_taskstates *t, size_t i) {
  ltc_task_slot *s = ltc_map_at(&t->map, i);
  return s->key ? s : NULL;
}
static inline size_t ltc_taskstates_cap(const ltc_taskstates *t) { return t->map.cap; }
/* Every task seen, in the order of (track, id): the same whatever order they came in. */
void ltc_taskstates_each(ltc_taskstates *t,
                         void (*fn)(void *user, uint32_t track, uint32_t task, ltc_task_slot *slot),
                         void *user);
/* Puts slots (a replay checkpoint's copies) into t as they were, keeping each slot's data. 0,
 * or -ENOMEM. */
int ltc_taskstates_restore(ltc_taskstates *t, const ltc_task_slot *slots, uint32_t n);
void ltc_taskstates_free(ltc_taskstates *t);

/* A track's lane: a loop is busy running callbacks or idle polling; a worker thread busy
 * running a job or idle. LTC_LANE_OFF before it starts and after it stops. */
enum { LTC_LANE_OFF = 0, LTC_LANE_BUSY = 1, LTC_LANE_IDLE = 2 };
/* The lane state record e moves its track to, or -1 when it does not move it. */
int ltc_lane_next(const ltc_event *e);

/* Timers pending on a track, kept in a table of their own by (track, timer id): a slot is
 * LTC_TASK_WAITING while armed, with since = when armed, obj = deadline, detail = the task
 * that armed it. Follows TIMER_ARM / FIRE / CANCEL; 0 or -ENOMEM. */
int ltc_timers_apply(ltc_taskstates *timers, const ltc_event *e);

static inline uint32_t ltc_task_slot_track(const ltc_task_slot *s) {
  return ltc_map_key_track(s->key);
}
static inline uint32_t ltc_task_slot_task(const ltc_task_slot *s) {
  return ltc_map_key_id(s->key);
}

#endif

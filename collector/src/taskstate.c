/* taskstate.c: the task state machine (see taskstate.h). The moves, from the wire format:
 * READY puts a task in the ready queue; RESUME runs it; SUSPEND with reason yield makes it
 * ready again at once, any other reason makes it wait; DONE ends it. */
#include "taskstate.h"

#include <errno.h>
#include <stdlib.h>

static size_t slot_index(const ltc_task_slot *slots, size_t cap, uint64_t key) {
  size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull >> 32) & (cap - 1);
  while (slots[i].key && slots[i].key != key) i = (i + 1) & (cap - 1);
  return i;
}

ltc_task_slot *ltc_taskstates_slot(ltc_taskstates *t, uint32_t track, uint32_t task) {
  if ((t->len + 1) * 2 > t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 256;
    ltc_task_slot *n = calloc(cap, sizeof *n);
    if (!n) return NULL;
    for (size_t i = 0; i < t->cap; i++)
      if (t->slots[i].key) n[slot_index(n, cap, t->slots[i].key)] = t->slots[i];
    free(t->slots);
    t->slots = n;
    t->cap = cap;
  }
  uint64_t key = (uint64_t)track << 32 | task | 1ull << 63;
  ltc_task_slot *s = &t->slots[slot_index(t->slots, t->cap, key)];
  if (!s->key) {
    s->key = key;
    t->len++;
  }
  return s;
}

int ltc_taskstates_apply(ltc_taskstates *t, const ltc_event *e, ltc_task_move_fn fn,
                         void *user) {
  ltc_task_state to;
  uint8_t reason = 0;
  switch (e->kind) {
    case LT_EV_TASK_READY: to = LTC_TASK_READY; break;
    case LT_EV_TASK_RESUME: to = LTC_TASK_RUNNING; break;
    case LT_EV_TASK_SUSPEND:
      to = e->flags == LT_REASON_YIELD ? LTC_TASK_READY : LTC_TASK_WAITING;
      reason = e->flags;
      break;
    case LT_EV_TASK_DONE: to = LTC_TASK_NONE; break;
    default: return 0;
  }
  ltc_task_slot *s = ltc_taskstates_slot(t, e->track, e->task);
  if (!s) return -ENOMEM;
  if (fn) fn(user, e, s, to, reason);
  s->state = (uint8_t)to;
  s->reason = reason;
  s->since = e->ts;
  s->seq = e->seq;
  bool waits = to == LTC_TASK_WAITING;
  s->obj = waits ? e->a[0] : 0;
  s->site = waits ? e->a[1] : 0;
  s->detail = waits ? e->a[2] : 0;
  return 0;
}

static int by_key(const void *pa, const void *pb) {
  uint64_t a = (*(ltc_task_slot *const *)pa)->key, b = (*(ltc_task_slot *const *)pb)->key;
  return a < b ? -1 : a > b;
}

void ltc_taskstates_each(ltc_taskstates *t,
                         void (*fn)(void *user, uint32_t track, uint32_t task, ltc_task_slot *slot),
                         void *user) {
  ltc_task_slot **order = t->len ? malloc(t->len * sizeof *order) : NULL;
  size_t n = 0;
  for (size_t i = 0; i < t->cap; i++) {
    if (!t->slots[i].key) continue;
    if (order)
      order[n++] = &t->slots[i];
    else /* out of memory: in table order rather than not at all */
      fn(user, ltc_task_slot_track(&t->slots[i]), ltc_task_slot_task(&t->slots[i]), &t->slots[i]);
  }
  if (!order) return;
  qsort(order, n, sizeof *order, by_key);
  for (size_t i = 0; i < n; i++)
    fn(user, ltc_task_slot_track(order[i]), ltc_task_slot_task(order[i]), order[i]);
  free(order);
}

void ltc_taskstates_free(ltc_taskstates *t) {
  free(t->slots);
  *t = (ltc_taskstates){0};
}

int ltc_lane_next(const ltc_event *e) {
  switch (e->kind) {
    case LT_EV_LOOP_START:
    case LT_EV_POLL_END:
    case LT_EV_EXEC_START: return LTC_LANE_BUSY;
    case LT_EV_POLL_BEGIN:
    case LT_EV_EXEC_END: return LTC_LANE_IDLE;
    case LT_EV_TRACK: return e->a[0] == LT_TRACK_WORKER ? LTC_LANE_IDLE : -1;
    case LT_EV_LOOP_STOP: return LTC_LANE_OFF;
    default: return -1;
  }
}

int ltc_timers_apply(ltc_taskstates *timers, const ltc_event *e) {
  if (e->kind != LT_EV_TIMER_ARM && e->kind != LT_EV_TIMER_FIRE && e->kind != LT_EV_TIMER_CANCEL)
    return 0;
  ltc_task_slot *t = ltc_taskstates_slot(timers, e->track, (uint32_t)e->a[0]);
  if (!t) return -ENOMEM;
  bool armed = e->kind == LT_EV_TIMER_ARM;
  t->state = armed ? LTC_TASK_WAITING : LTC_TASK_NONE;
  t->since = e->ts;
  t->obj = armed ? e->a[1] : 0; /* deadline */
  t->detail = e->task;
  return 0;
}

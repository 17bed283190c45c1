/* taskstate.c: the task state machine (see taskstate.h). The moves, from the wire format:
 * READY puts a task in the ready queue; RESUME runs it; SUSPEND with reason yield makes it
 * ready again at once, any other reason makes it wait; DONE ends it. */
#include "model/taskstate.h"

#include <errno.h>
#include <stdlib.h>

ltc_task_slot *ltc_taskstates_slot(ltc_taskstates *t, uint32_t track, uint32_t task) {
  if (!t->map.size) t->map = LTC_MAP_OF(ltc_task_slot);
  return ltc_map_put(&t->map, ltc_map_key(track, task), NULL);
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
  ltc_task_slot **order = t->map.len ? malloc(t->map.len * sizeof *order) : NULL;
  size_t n = 0;
  for (size_t i = 0; i < t->map.cap; i++) {
    ltc_task_slot *s = ltc_taskstates_at(t, i);
    if (!s) continue;
    if (order)
      order[n++] = s;
    else /* out of memory: in table order rather than not at all */
      fn(user, ltc_task_slot_track(s), ltc_task_slot_task(s), s);
  }
  if (!order) return;
  qsort(order, n, sizeof *order, by_key);
  for (size_t i = 0; i < n; i++)
    fn(user, ltc_task_slot_track(order[i]), ltc_task_slot_task(order[i]), order[i]);
  free(order);
}

int ltc_taskstates_restore(ltc_taskstates *t, const ltc_task_slot *slots, uint32_t n) {
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

void ltc_taskstates_free(ltc_taskstates *t) {
  ltc_map_free(&t->map);
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

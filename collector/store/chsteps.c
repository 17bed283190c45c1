/* chsteps.c: the ClickHouse store's waits table (docs/fleet.md), derived while ingesting: a
 * row per time a task ran again, saying what it had waited on (the reason, the await site's
 * id in sites), when it suspended, became ready and resumed, in integers alone (names and
 * sites are joined from tasks and sites when asked: strings a row made ingest 5x slower),
 * so that fleet questions (the sites waited on longest, ready-to-running delays per task
 * name) are SQL over rows, not packed blocks. A task's first step is a wait of reason
 * "spawn" from its scheduling. */
#include <errno.h>

#include "base/map-inl.h"
#include "store/chstore-int.h"

/* A task's last suspension, as far as it is known, by ltc_map_key(track, task). */
typedef struct step_state {
  uint64_t key;
  uint64_t site_id;
  int64_t suspend_ns, ready_ns;
  int reason; /* lt_wire reason; -1: its first step (spawned) */
  bool waiting, ready, has_site;
} step_state;

void ltc_ch_steps_free(ch_session *c) { ltc_map_free(&c->steps); }

/* The row of a wait that ended with resume e. */
static int wait_row(ltc_store *s, ch_session *c, step_state *t, const ltc_event *e) {
  int64_t ready = t->ready ? t->ready_ns : t->reason == LT_REASON_YIELD ? t->suspend_ns
                                                                              : e->ts;
  ltc_value v[] = {ltc_int(c->id),          ltc_int(e->track), ltc_int(e->task),
                   ltc_int((int64_t)e->seq), ltc_int(t->reason),
                   ltc_int(t->has_site ? (int64_t)t->site_id : 0),
                   ltc_int(t->suspend_ns),   ltc_int(ready),    ltc_int(e->ts)};
  return ltc_pending_add(s, ST_CH_WAIT, v, 9, 0);
}

int ltc_ch_step(ltc_store *s, int64_t id, const ltc_event *e) {
  if (e->kind != LT_EV_TASK_CREATE && e->kind != LT_EV_TASK_READY &&
      e->kind != LT_EV_TASK_SUSPEND && e->kind != LT_EV_TASK_RESUME &&
      e->kind != LT_EV_TASK_DONE)
    return 0;
  ch_session *c = s->ch->last;
  if (!c || c->id != id) {
    for (c = s->ch->sessions; c && c->id != id; c = c->next) {}
    if (!c) return 0;
    s->ch->last = c;
  }
  uint64_t key = ltc_map_key(e->track, e->task);
  if (!c->steps.size) c->steps = LTC_MAP_OF(step_state);
  bool fresh;
  step_state *t = ltc_map_put(&c->steps, key, &fresh);
  if (!t) return -ENOMEM;
  if (fresh) t->reason = -1; /* a task first seen here: as if just spawned */
  switch (e->kind) {
    case LT_EV_TASK_DONE: /* kept: ids are not reused, and the entry is small */
      t->waiting = t->ready = false;
      return 0;
    case LT_EV_TASK_CREATE:
      t->reason = -1;
      t->waiting = t->ready = t->has_site = false;
      return 0;
    case LT_EV_TASK_READY:
      if (t->reason == -1 && !t->waiting) t->suspend_ns = e->ts, t->waiting = true;
      t->ready_ns = e->ts;
      t->ready = true;
      return 0;
    case LT_EV_TASK_SUSPEND:
      t->reason = e->flags;
      t->site_id = e->a[1];
      t->has_site = e->a[1] != 0;
      t->suspend_ns = e->ts;
      t->waiting = true;
      t->ready = false;
      return 0;
    default: { /* resume */
      int rc = t->waiting ? wait_row(s, c, t, e) : 0;
      t->waiting = t->ready = false;
      return rc;
    }
  }
}

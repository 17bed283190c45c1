/* window.c: the events read (see api.h, docs/api.md "Events in a window"): the records of a
 * time window in time order, at most max of them, with what every task was doing and which
 * timers were pending when the window opens (a replay of what came before, model/replay.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/args.h"
#include "api/event.h"
#include "model/replay.h"
#include "model/taskstate.h"

typedef struct window {
  int64_t lo, hi, max, cutoff;
  ltc_event *ev;
  size_t n, cap;
  bool trimmed, oom;
  ltc_taskstates states; /* for the tasks' states at lo */
  ltc_taskstates timers; /* timers pending at lo, by (track, id): obj deadline, detail task */
  const ltc_session_strings *strings;
} window;

static int by_time(const void *pa, const void *pb) {
  const ltc_event *a = pa, *b = pb;
  if (a->ts != b->ts) return a->ts < b->ts ? -1 : 1;
  if (a->track != b->track) return a->track < b->track ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Keeps the max earliest records: everything later than the cutoff can be skipped. */
static void trim(window *w) {
  if (w->n) qsort(w->ev, w->n, sizeof *w->ev, by_time);
  if (w->n > (size_t)w->max) {
    w->n = (size_t)w->max;
    w->trimmed = true;
  }
  w->cutoff = w->n ? w->ev[w->n - 1].ts : w->lo;
}

static int window_block(void *user, uint32_t track, int64_t start_ns, uint64_t first_seq) {
  window *w = user;
  if (w->n < (size_t)w->max) return 0;
  trim(w);
  /* blocks come in start order: one starting after the cutoff has nothing earlier */
  if (start_ns > w->cutoff) {
    w->trimmed = true;
    return 1;
  }
  return 0;
}

static void window_event(void *user, const ltc_event *e) {
  window *w = user;
  if (e->ts < w->lo || e->ts > w->hi || ltc_kind_defines(e->kind)) return;
  if (w->n == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 1024;
    ltc_event *n = realloc(w->ev, cap * sizeof *n);
    if (!n) {
      w->oom = true;
      return;
    }
    w->ev = n;
    w->cap = cap;
  }
  w->ev[w->n] = *e;
  w->ev[w->n++].text = NULL;
}

static void window_restore(void *user, const ltc_replay_point *p) {
  window *w = user;
  if (ltc_taskstates_restore(&w->states, p->tasks, p->ntasks) < 0 ||
      ltc_taskstates_restore(&w->timers, p->timers, p->ntimers) < 0)
    w->oom = true;
}

static void before_event(void *user, const ltc_event *e) {
  window *w = user;
  if (e->ts >= w->lo) return;
  if (ltc_taskstates_apply(&w->states, e, NULL, NULL) < 0 || ltc_timers_apply(&w->timers, e) < 0)
    w->oom = true;
}

typedef struct initial_out {
  cJSON *list;
  const ltc_session_strings *strings;
} initial_out;

static void add_initial(void *user, uint32_t track, uint32_t task, ltc_task_slot *slot) {
  initial_out *out = user;
  if (slot->state == LTC_TASK_NONE) return;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "track", track);
  cJSON_AddNumberToObject(o, "task", task);
  cJSON_AddStringToObject(o, "state", ltc_task_state_name(slot->state));
  cJSON_AddNumberToObject(o, "since", (double)slot->since);
  cJSON_AddNumberToObject(o, "seq", (double)slot->seq);
  if (slot->state == LTC_TASK_WAITING) {
    cJSON_AddStringToObject(o, "reason", ltc_reason_name(slot->reason));
    cJSON_AddNumberToObject(o, "obj", (double)slot->obj);
    cJSON_AddNumberToObject(o, "detail", (double)slot->detail);
    const char *file, *func;
    int64_t line;
    if (slot->site && ltc_sites_get(out->strings, track, slot->site, &file, &func, &line) == 0) {
      cJSON *site = cJSON_AddObjectToObject(o, "site");
      cJSON_AddStringToObject(site, "file", file);
      cJSON_AddStringToObject(site, "func", func);
      cJSON_AddNumberToObject(site, "line", (double)line);
    }
  }
  cJSON_AddItemToArray(out->list, o);
}

static void add_timer(void *user, uint32_t track, uint32_t id, ltc_task_slot *slot) {
  if (slot->state == LTC_TASK_NONE) return;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "track", track);
  cJSON_AddNumberToObject(o, "id", id);
  cJSON_AddNumberToObject(o, "task", (double)slot->detail);
  cJSON_AddNumberToObject(o, "deadline", (double)slot->obj);
  cJSON_AddNumberToObject(o, "armed", (double)slot->since);
  cJSON_AddItemToArray(user, o);
}

cJSON *ltc_api_events(ltc_store *s, const cJSON *args, ltc_err *err) {
  ltc_session_row row;
  window w = {0};
  if (ltc_arg_session(s, args, &row, err) < 0 ||
      ltc_arg_window(args, &row, &w.lo, &w.hi, err) < 0 ||
      ltc_arg_int(args, "max", 10000, 1, LTC_API_MAX_EVENTS, &w.max, err) < 0)
    return NULL;
  int64_t id = row.id;
  /* Without bounds, the window is the whole session: also the records stamped outside its
   * first and last event (a worker track's TRACK record, on the real clock). */
  int64_t shown_lo = w.lo, shown_hi = w.hi;
  if (!cJSON_GetObjectItemCaseSensitive(args, "from")) w.lo = INT64_MIN / 2;
  if (!cJSON_GetObjectItemCaseSensitive(args, "to")) w.hi = INT64_MAX / 2;
  /* what every task was doing when the window opens: a replay of what came before */
  ltc_replay before = {.lo = w.lo, .hi = w.lo, .restore = window_restore,
                       .event = before_event, .user = &w};
  ltc_scan in = {.lo = w.lo, .hi = w.hi, .by_time = true, .block = window_block,
                 .event = window_event, .user = &w};
  ltc_session_strings *strings = ltc_store_strings(s, id);
  int rc = strings ? ltc_replay_run(s, id, &before, err) : -ENOMEM;
  if (rc == 0) rc = ltc_store_scan(s, id, &in, NULL, err);
  if (rc == 0 && w.oom) rc = -ENOMEM;
  int64_t estimate = rc == 0 ? ltc_store_count_window(s, id, w.lo, w.hi, err) : 0;
  if (estimate < 0) rc = (int)estimate;
  if (rc == -ENOMEM) ltc_fail(err, rc, "reading session %lld: out of memory", (long long)id);
  cJSON *out = NULL;
  if (rc == 0) {
    trim(&w);
    ltc_jsonbuf b = {0};
    ltc_resolver r = ltc_resolver_of_strings(strings);
    ltc_jsonbuf_put(&b, "[", 1);
    for (size_t i = 0; i < w.n; i++) {
      ltc_event_text t;
      ltc_event_text_of(&r, &w.ev[i], &t);
      if (i) ltc_jsonbuf_put(&b, ",", 1);
      ltc_event_json(&b, &w.ev[i], &t);
    }
    ltc_jsonbuf_put(&b, "]", 1);
    out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "session", (double)id);
    cJSON_AddNumberToObject(out, "from", (double)shown_lo);
    cJSON_AddNumberToObject(out, "to", (double)shown_hi);
    cJSON_AddBoolToObject(out, "complete", !w.trimmed);
    /* with complete false, the next request starts here (dedupe by track and seq) */
    if (w.trimmed) cJSON_AddNumberToObject(out, "next_from", (double)w.cutoff);
    cJSON_AddNumberToObject(out, "estimate", (double)estimate);
    initial_out init = {cJSON_AddArrayToObject(out, "initial"), strings};
    ltc_taskstates_each(&w.states, add_initial, &init);
    ltc_taskstates_each(&w.timers, add_timer, cJSON_AddArrayToObject(out, "timers"));
    const char *text = ltc_jsonbuf_text(&b);
    cJSON_AddItemToObject(out, "events", cJSON_CreateRaw(text ? text : "[]"));
    ltc_jsonbuf_free(&b);
  }
  ltc_strings_free(strings);
  ltc_taskstates_free(&w.states);
  ltc_taskstates_free(&w.timers);
  free(w.ev);
  return out;
}


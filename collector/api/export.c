/* export.c: a stored session as Chrome Trace Event JSON (Perfetto and chrome://tracing open
 * it: a process per loop, a thread per task with running, waiting and ready slices, marks as
 * instants, flow arrows from waker to woken) or as JSON lines (one record each, as the API's
 * event object: api/event.h). Written as a stream, so a session of millions of records never
 * sits in memory. `looptrace export` and GET /api/sessions/N/export both write through it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/event.h"
#include "api/export.h"
#include "base/clock.h"
#include "model/taskstate.h"

typedef struct exporter {
  FILE *out;
  bool chrome, first;
  int64_t t0;
  const ltc_session_strings *strings;
  ltc_taskstates states; /* each task's open slice */
  bool oom;
} exporter;

static void json_string(FILE *o, const char *s) {
  fputc('"', o);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(o, "\\%c", *p);
    else if (*p < 0x20)
      fprintf(o, "\\u%04x", *p);
    else
      fputc(*p, o);
  }
  fputc('"', o);
}

/* Starts one Chrome trace event: {"ph":..,"pid":track,"tid":task,"ts":us */
static void ev(exporter *x, const char *ph, uint32_t track, uint64_t task, int64_t ts) {
  fprintf(x->out, "%s\n{\"ph\":\"%s\",\"pid\":%u,\"tid\":%llu,\"ts\":%.3f", x->first ? "" : ",",
          ph, track, (unsigned long long)task, (double)ltc_ns_sub(ts, x->t0) / 1000.0);
  x->first = false;
}

static void slice_begin(exporter *x, const ltc_event *e, uint32_t task, const char *name) {
  ev(x, "B", e->track, task, e->ts);
  fputs(",\"name\":", x->out);
  json_string(x->out, name);
  fputc('}', x->out);
}

static void slice_end(exporter *x, const ltc_event *e, uint32_t task) {
  ev(x, "E", e->track, task, e->ts);
  fputc('}', x->out);
}

/* A task moved to a new state at e's time: end the slice it was in, begin the next. */
static void on_move(void *user, const ltc_event *e, ltc_task_slot *was, ltc_task_state to,
                    uint8_t reason) {
  exporter *x = user;
  if (was->state != LTC_TASK_NONE) slice_end(x, e, e->task);
  if (to == LTC_TASK_RUNNING) slice_begin(x, e, e->task, "running");
  if (to == LTC_TASK_READY) slice_begin(x, e, e->task, "ready");
  if (to == LTC_TASK_WAITING) {
    char name[64];
    snprintf(name, sizeof name, "waiting: %s", ltc_reason_name(reason));
    slice_begin(x, e, e->task, name);
  }
}

static const char *text_of(exporter *x, uint32_t track, uint64_t id) {
  const char *t = ltc_strings_get(x->strings, track, id);
  return t ? t : "?";
}

static void chrome_event(exporter *x, const ltc_event *e) {
  FILE *o = x->out;
  switch (e->kind) {
    case LT_EV_TRACK:
      ev(x, "M", e->track, 0, e->ts);
      fprintf(o, ",\"name\":\"process_name\",\"args\":{\"name\":\"%s %u\"}}",
              ltc_name_or_unknown(lt_wire_track_name((unsigned)e->a[0])), e->track);
      ev(x, "M", e->track, 0, e->ts);
      fputs(",\"name\":\"thread_name\",\"args\":{\"name\":\"event loop\"}}", o);
      break;
    case LT_EV_TASK_CREATE: {
      const char *name = text_of(x, e->track, e->a[1]);
      ev(x, "M", e->track, e->task, e->ts);
      fputs(",\"name\":\"thread_name\",\"args\":{\"name\":", o);
      json_string(o, name);
      fputs("}}", o);
      ev(x, "M", e->track, e->task, e->ts);
      fprintf(o, ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%u}}", e->task);
      break;
    }
    case LT_EV_TASK_READY: {
      ltc_taskstates_apply(&x->states, e, on_move, x);
      unsigned waker = lt_wire_ready_waker(e->flags);
      if (waker == LT_WAKER_NONE) break;
      /* an arrow from what ran when the task became ready (a task, or the loop's lane) */
      uint64_t from = waker == LT_WAKER_TASK ? e->a[0] : 0;
      unsigned long long id = (unsigned long long)e->track << 40 | e->seq;
      ev(x, "s", e->track, from, e->ts);
      fprintf(o, ",\"name\":\"wake-up\",\"cat\":\"wake\",\"id\":%llu}", id);
      ev(x, "f", e->track, e->task, e->ts);
      fprintf(o, ",\"name\":\"wake-up\",\"cat\":\"wake\",\"id\":%llu,\"bp\":\"e\"}", id);
      break;
    }
    case LT_EV_TASK_RESUME:
    case LT_EV_TASK_SUSPEND:
    case LT_EV_TASK_DONE: ltc_taskstates_apply(&x->states, e, on_move, x); break;
    case LT_EV_MARK:
      ev(x, "i", e->track, e->task, e->ts);
      fputs(",\"s\":\"t\",\"name\":", o);
      json_string(o, text_of(x, e->track, e->a[0]));
      fputc('}', o);
      break;
    case LT_EV_TIMER_FIRE:
      ev(x, "i", e->track, 0, e->ts);
      fprintf(o, ",\"s\":\"t\",\"name\":\"timer#%llu fired\",\"args\":{\"late_ns\":%llu}}",
              (unsigned long long)e->a[0], (unsigned long long)e->a[1]);
      break;
    case LT_EV_POLL_BEGIN: slice_begin(x, e, 0, "idle (poll)"); break;
    case LT_EV_POLL_END: slice_end(x, e, 0); break;
    case LT_EV_LOOP_ITER:
      ev(x, "C", e->track, 0, e->ts);
      fprintf(o, ",\"name\":\"ready callbacks\",\"args\":{\"ready\":%llu}}",
              (unsigned long long)e->a[1]);
      break;
    default: break;
  }
}

static void jsonl_event(exporter *x, const ltc_event *e) {
  ltc_resolver r = ltc_resolver_of_strings(x->strings);
  ltc_event_text t;
  ltc_event_text_of(&r, e, &t);
  ltc_jsonbuf b = {0};
  ltc_event_json(&b, e, &t);
  const char *text = ltc_jsonbuf_text(&b);
  if (text) {
    fputs(text, x->out);
    fputc('\n', x->out);
  } else {
    x->oom = true;
  }
  ltc_jsonbuf_free(&b);
}

static void on_event(void *user, const ltc_event *e) {
  exporter *x = user;
  if (x->chrome)
    chrome_event(x, e);
  else
    jsonl_event(x, e);
}

int ltc_export_session(ltc_store *store, int64_t id, bool chrome, FILE *out, ltc_err *err) {
  ltc_session_row row;
  int rc = ltc_store_session_row(store, id, &row, err);
  if (rc < 0) return rc;
  exporter x = {.out = out, .chrome = chrome, .first = true, .t0 = row.start_ns};
  if (x.chrome) {
    fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"program\":", out);
    json_string(out, row.program);
    fputs(",\"label\":", out);
    json_string(out, row.label);
    fprintf(out, ",\"session\":%lld,\"status\":\"%s\"},\"traceEvents\":[", (long long)id,
            row.status);
  }
  /* strings are only valid inside the call: the exporter reads them through x.strings */
  rc = ltc_store_session_events(store, id, &x.strings, on_event, &x, err);
  if (x.chrome) fputs("\n]}\n", out);
  if (rc == 0 && x.oom) rc = ltc_fail(err, -ENOMEM, "out of memory");
  if (rc == 0 && ferror(out)) rc = ltc_fail(err, -EIO, "writing the export failed");
  ltc_taskstates_free(&x.states);
  return rc;
}


/* export.c: `looptrace export N [--format chrome|jsonl] [--db FILE] [-o FILE]`: a stored
 * session as Chrome Trace Event JSON (Perfetto and chrome://tracing open it: a process per
 * loop, a thread per task with running, waiting and ready slices, marks as instants, flow
 * arrows from waker to woken) or as JSON lines (one record each). Written as a stream, so a
 * session of millions of records never sits in memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "names.h"
#include "store.h"
#include "taskstate.h"

typedef struct exporter {
  FILE *out;
  bool chrome, first;
  int64_t t0;
  const ltc_session_strings *strings;
  ltc_names names;
  ltc_taskstates states; /* each task's open slice */
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
          ph, track, (unsigned long long)task, (double)(ts - x->t0) / 1000.0);
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
              e->a[0] == LT_TRACK_LOOP ? "loop" : "worker", e->track);
      ev(x, "M", e->track, 0, e->ts);
      fputs(",\"name\":\"thread_name\",\"args\":{\"name\":\"event loop\"}}", o);
      break;
    case LT_EV_TASK_CREATE: {
      const char *name = text_of(x, e->track, e->a[1]);
      ltc_names_put(&x->names, e->track, e->task, name);
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
      uint8_t waker = e->flags >> 4;
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
  FILE *o = x->out;
  if (e->kind == LT_EV_TASK_CREATE)
    ltc_names_put(&x->names, e->track, e->task, text_of(x, e->track, e->a[1]));
  fprintf(o, "{\"track\":%u,\"seq\":%llu,\"ts\":%lld,\"kind\":\"%s\",\"flags\":%u,\"task\":%u",
          e->track, (unsigned long long)e->seq, (long long)e->ts, ltc_kind_name(e->kind),
          e->flags, e->task);
  const char *name = ltc_names_get(&x->names, e->track, e->task);
  if (name) {
    fputs(",\"task_name\":", o);
    json_string(o, name);
  }
  fputs(",\"args\":[", o);
  for (uint32_t i = 0; i < e->nargs && i < 8; i++)
    fprintf(o, "%s%llu", i ? "," : "", (unsigned long long)e->a[i]);
  fputc(']', o);
  if (e->kind == LT_EV_MARK || e->kind == LT_EV_STRING) {
    fputs(",\"text\":", o);
    json_string(o, text_of(x, e->track, e->kind == LT_EV_MARK ? e->a[0] : e->a[0] & 0xffffffffu));
  }
  fputs("}\n", o);
}

static void on_event(void *user, const ltc_event *e) {
  exporter *x = user;
  if (x->chrome)
    chrome_event(x, e);
  else
    jsonl_event(x, e);
}

int ltc_export_session(ltc_store *store, int64_t id, bool chrome, FILE *out) {
  ltc_session_row row;
  int rc = ltc_store_session_row(store, id, &row);
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
  rc = ltc_store_session_events(store, id, &x.strings, on_event, &x);
  if (x.chrome) fputs("\n]}\n", out);
  ltc_names_free(&x.names);
  ltc_taskstates_free(&x.states);
  return rc;
}

static const char export_usage[] =
    "usage: looptrace export SESSION [--format chrome|jsonl] [--db FILE] [-o FILE]\n"
    "  chrome (default): Chrome Trace Event JSON; open it in https://ui.perfetto.dev or\n"
    "                    chrome://tracing (a process per loop, a thread per task)\n"
    "  jsonl:            one JSON object per record\n";

int ltc_cmd_export(int argc, char **argv) {
  const char *db = NULL, *format = "chrome", *outpath = NULL, *id_arg = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      fputs(export_usage, stdout);
      return 0;
    } else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
      db = argv[++i];
    } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
      format = argv[++i];
    } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
      outpath = argv[++i];
    } else if (!id_arg && argv[i][0] != '-') {
      id_arg = argv[i];
    } else {
      fprintf(stderr, "looptrace export: unexpected argument '%s'\n%s", argv[i], export_usage);
      return 2;
    }
  }
  char *end = NULL;
  long long id = id_arg ? strtoll(id_arg, &end, 10) : 0;
  if (!id_arg || *end || id <= 0) {
    fprintf(stderr, "looptrace export: which session? (a number from looptrace sessions)\n%s",
            export_usage);
    return 2;
  }
  if (strcmp(format, "chrome") != 0 && strcmp(format, "jsonl") != 0) {
    fprintf(stderr, "looptrace export: --format is chrome or jsonl, not '%s'\n", format);
    return 2;
  }
  char path[4096];
  ltc_store *store = ltc_open_db("export", &db, path, sizeof path);
  if (!store) return 1;
  ltc_session_row row;
  if (ltc_store_session_row(store, id, &row) < 0) {
    fprintf(stderr, "looptrace export: no session %lld in %s\n", id, db);
    ltc_store_close(store);
    return 1;
  }
  FILE *out = outpath ? fopen(outpath, "w") : stdout;
  if (!out) {
    fprintf(stderr, "looptrace export: cannot write %s: %s\n", outpath, strerror(errno));
    ltc_store_close(store);
    return 1;
  }
  int rc = ltc_export_session(store, id, strcmp(format, "chrome") == 0, out);
  if (rc < 0)
    fprintf(stderr, "looptrace export: session %lld: %s\n", id,
            rc == -EPROTO ? "a damaged event block" : ltc_store_error(store));
  int werr = ferror(out);
  if (out != stdout) fclose(out);
  ltc_store_close(store);
  return rc < 0 || werr ? 1 : 0;
}

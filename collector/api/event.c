/* event.c: see event.h. */
#include "api/event.h"

#include <stdio.h>

static const char *strings_string(const void *ctx, uint32_t track, uint64_t id) {
  return ltc_strings_get(ctx, track, id);
}
static int strings_site(const void *ctx, uint32_t track, uint64_t id, const char **file,
                        const char **func, int64_t *line) {
  return ltc_sites_get(ctx, track, id, file, func, line);
}
ltc_resolver ltc_resolver_of_strings(const ltc_session_strings *strings) {
  return (ltc_resolver){strings_string, strings_site, strings};
}

static const char *reader_string(const void *ctx, uint32_t track, uint64_t id) {
  return ltc_reader_string(ctx, track, id, NULL);
}
static int reader_site(const void *ctx, uint32_t track, uint64_t id, const char **file,
                       const char **func, int64_t *line) {
  uint32_t l = 0;
  int rc = ltc_reader_site(ctx, track, id, file, func, &l);
  *line = l;
  return rc;
}
ltc_resolver ltc_resolver_of_reader(const ltc_reader *reader) {
  return (ltc_resolver){reader_string, reader_site, reader};
}

void ltc_event_text_of(const ltc_resolver *r, const ltc_event *e, ltc_event_text *t) {
  *t = (ltc_event_text){0};
  uint64_t site = 0;
  if (e->kind == LT_EV_MARK) t->text = r->string(r->ctx, e->track, e->a[0]);
  if (e->kind == LT_EV_STRING) t->text = r->string(r->ctx, e->track, e->a[0] & 0xffffffffu);
  if (e->kind == LT_EV_TASK_CREATE) {
    t->text = r->string(r->ctx, e->track, e->a[1]);
    site = e->a[2];
  }
  if (e->kind == LT_EV_TASK_RENAME) t->text = r->string(r->ctx, e->track, e->a[0]);
  if (e->kind == LT_EV_TASK_SUSPEND) site = e->a[1];
  if (site && r->site(r->ctx, e->track, site, &t->file, &t->func, &t->line) < 0)
    t->file = t->func = NULL;
}

/* The args a record's object lists: a STRING's one (its text: see "text"), at most 8. */
static uint32_t listed_args(const ltc_event *e) {
  uint32_t n = e->kind == LT_EV_STRING ? 1 : e->nargs;
  return n < 8 ? n : 8;
}

/* What an object says of e beyond its numbers, each field with its leading comma. */
static void words_json(ltc_jsonbuf *b, const ltc_event *e, const ltc_event_text *t) {
  if (e->kind == LT_EV_TASK_SUSPEND)
    ltc_jsonbuf_printf(b, ",\"reason\":\"%s\"", ltc_reason_name(e->flags));
  if (e->kind == LT_EV_TASK_READY)
    ltc_jsonbuf_printf(b, ",\"cause\":\"%s\",\"waker\":\"%s\"",
                       ltc_name_or_unknown(lt_wire_cause_name(lt_wire_ready_cause(e->flags))),
                       ltc_name_or_unknown(lt_wire_waker_name(lt_wire_ready_waker(e->flags))));
  if (e->kind == LT_EV_TASK_DONE || e->kind == LT_EV_FUTURE_RESOLVE)
    ltc_jsonbuf_printf(b, ",\"outcome\":\"%s\"", ltc_outcome_name(e->flags));
  if (t && t->text) {
    bool name = e->kind == LT_EV_TASK_CREATE || e->kind == LT_EV_TASK_RENAME;
    ltc_jsonbuf_puts(b, name ? ",\"name\":" : ",\"text\":");
    ltc_jsonbuf_string(b, t->text, SIZE_MAX);
  }
  if (t && t->file) {
    ltc_jsonbuf_puts(b, ",\"site\":{\"file\":");
    ltc_jsonbuf_string(b, t->file, SIZE_MAX);
    ltc_jsonbuf_puts(b, ",\"func\":");
    ltc_jsonbuf_string(b, t->func, SIZE_MAX);
    ltc_jsonbuf_printf(b, ",\"line\":%lld}", (long long)t->line);
  }
}

void ltc_event_json(ltc_jsonbuf *b, const ltc_event *e, const ltc_event_text *t) {
  ltc_jsonbuf_printf(b, "{\"track\":%u,\"seq\":%llu,\"ts\":%lld,\"kind\":\"%s\",\"flags\":%u,"
                        "\"task\":%u,\"args\":[",
                     e->track, (unsigned long long)e->seq, (long long)e->ts,
                     ltc_kind_name(e->kind), e->flags, e->task);
  uint32_t nargs = listed_args(e);
  for (uint32_t i = 0; i < nargs; i++)
    ltc_jsonbuf_printf(b, "%s%llu", i ? "," : "", (unsigned long long)e->a[i]);
  ltc_jsonbuf_put(b, "]", 1);
  words_json(b, e, t);
  ltc_jsonbuf_put(b, "}", 1);
}

uint32_t ltc_event_shape_json(ltc_jsonbuf *b, const ltc_event *e, const ltc_event_text *t) {
  uint32_t nargs = listed_args(e);
  ltc_jsonbuf_printf(b, "{\"kind\":\"%s\",\"n\":%u", ltc_kind_name(e->kind), nargs);
  words_json(b, e, t);
  ltc_jsonbuf_put(b, "}", 1);
  return nargs;
}

cJSON *ltc_session_json(const ltc_session_row *row) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "id", (double)row->id);
  cJSON_AddStringToObject(o, "program", row->program ? row->program : "");
  cJSON *argv = row->argv ? cJSON_Parse(row->argv) : NULL;
  cJSON_AddItemToObject(o, "argv", argv ? argv : cJSON_CreateArray());
  cJSON_AddStringToObject(o, "label", row->label ? row->label : "");
  cJSON_AddNumberToObject(o, "pid", (double)row->pid);
  cJSON_AddStringToObject(o, "clock", row->clock ? row->clock : "");
  cJSON_AddStringToObject(o, "status", row->status ? row->status : "");
  char wall[32]; /* ns since 1970 do not fit a double: written as the exact integer */
  snprintf(wall, sizeof wall, "%lld", (long long)row->started_wall_ns);
  cJSON_AddRawToObject(o, "started_wall_ns", wall);
  cJSON_AddNumberToObject(o, "start_ns", (double)row->start_ns);
  cJSON_AddNumberToObject(o, "end_ns", (double)row->end_ns);
  cJSON_AddNumberToObject(o, "events", (double)row->events);
  cJSON_AddNumberToObject(o, "lost", (double)row->lost);
  cJSON_AddNumberToObject(o, "unstored", (double)row->unstored);
  cJSON_AddNumberToObject(o, "tasks", (double)row->tasks);
  if (row->error) cJSON_AddStringToObject(o, "error", row->error);
  if (row->host) cJSON_AddStringToObject(o, "host", row->host); /* a fleet store's */
  if (row->shuffled) { /* exact: a seed may not fit a double */
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)row->shuffle_seed);
    cJSON_AddRawToObject(o, "shuffle_seed", seed);
  }
  if (row->flight) { /* a flight recording: the window it covers, what fell out before it */
    cJSON *f = cJSON_AddObjectToObject(o, "flight");
    cJSON_AddNumberToObject(f, "from_ns", (double)row->flight_from_ns);
    cJSON_AddNumberToObject(f, "to_ns", (double)row->flight_to_ns);
    cJSON_AddNumberToObject(f, "lost_before", (double)row->flight_lost);
    cJSON_AddNumberToObject(f, "dump", (double)row->flight_dump);
  }
  return o;
}

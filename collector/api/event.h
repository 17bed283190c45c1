/* event.h: a record and a session as the API's JSON objects (docs/api.md): the one shape of
 * an event, written by the reads, the live pushes, the subscription backlogs and the JSONL
 * export alike; and where a record's text (mark, task name, site) is looked up. */
#ifndef LTC_EVENT_H
#define LTC_EVENT_H

#include <cjson/cJSON.h>

#include "api/jsonbuf.h"
#include "store/store.h"
#include "wire/reader.h"

/* What a record's event object says beyond its numbers: the text of a mark or of a string
 * record, the name and spawn site of a new task, the site of an await. Unset fields NULL. */
typedef struct ltc_event_text {
  const char *text;
  const char *file, *func;
  int64_t line;
} ltc_event_text;

/* Where strings and sites come from: a stored session's, or a live stream's reader. */
typedef struct ltc_resolver {
  const char *(*string)(const void *ctx, uint32_t track, uint64_t id);
  int (*site)(const void *ctx, uint32_t track, uint64_t id, const char **file,
              const char **func, int64_t *line);
  const void *ctx;
} ltc_resolver;
ltc_resolver ltc_resolver_of_strings(const ltc_session_strings *strings);
ltc_resolver ltc_resolver_of_reader(const ltc_reader *reader);

/* The text record e carries (pointers into the resolver's strings). */
void ltc_event_text_of(const ltc_resolver *r, const ltc_event *e, ltc_event_text *t);
/* Appends record e as the API's event object. */
void ltc_event_json(ltc_jsonbuf *b, const ltc_event *e, const ltc_event_text *t);
/* Appends e's shape in the rows form (rows.h): its object without its numbers (kind, the
 * count of its args as "n", reason, site, text...). Returns that count. */
uint32_t ltc_event_shape_json(ltc_jsonbuf *b, const ltc_event *e, const ltc_event_text *t);

/* One session row as the API's session object. */
cJSON *ltc_session_json(const ltc_session_row *row);

#endif

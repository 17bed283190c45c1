/* query.h: the read side of the API (docs/api.md): a request (op and arguments, a JSON
 * object) in, a reply (cJSON) out, read from a store. The daemon's websocket messages and
 * its GET /api/ routes both answer through ltc_query, so the two cannot drift apart. Writes
 * (label, delete) and live subscriptions are not here: they go through the ingest thread. */
#ifndef LTC_QUERY_H
#define LTC_QUERY_H

#include <cjson/cJSON.h>

#include "jsonbuf.h"
#include "store.h"

/* Why a request failed: status as HTTP would say it (400 bad request, 404 unknown id, 500
 * the store failed), and a message for a person. */
typedef struct ltc_query_error {
  int status;
  char message[256];
} ltc_query_error;

#define LTC_QUERY_MAX_EVENTS 100000 /* "max" of an events request */
#define LTC_QUERY_MAX_BUCKETS 4000  /* "buckets" of a summary request */
#define LTC_QUERY_MAX_MARKS 2000    /* marks a summary carries */

/* Answers op (sessions, session, tasks, events, summary) with args. NULL with *err set when
 * it fails, or when op is not a read. */
cJSON *ltc_query(ltc_store *s, const char *op, const cJSON *args, ltc_query_error *err);
/* True for the ops ltc_query answers. */
int ltc_query_is_read(const char *op);

/* One session row as the API's session object. */
cJSON *ltc_query_session_json(const ltc_session_row *row);

/* What a record's event object says beyond its numbers: the text of a mark, the name and
 * spawn site of a new task, the site of an await. Unset fields are NULL. */
typedef struct ltc_event_text {
  const char *text;
  const char *file, *func;
  int64_t line;
} ltc_event_text;

/* Appends record e as the API's event object (docs/api.md). */
void ltc_query_event_json(ltc_jsonbuf *b, const ltc_event *e, const ltc_event_text *t);
/* Where strings and sites come from: a stored session's, or a live stream's reader. */
typedef struct ltc_resolver {
  const char *(*string)(const void *ctx, uint32_t track, uint64_t id);
  int (*site)(const void *ctx, uint32_t track, uint64_t id, const char **file,
              const char **func, int64_t *line);
  const void *ctx;
} ltc_resolver;
ltc_resolver ltc_resolver_of_strings(const ltc_session_strings *strings);
ltc_resolver ltc_resolver_of_reader(const ltc_reader *reader);
/* The text a record carries (pointers into the resolver's strings). */
void ltc_query_event_text(const ltc_resolver *r, const ltc_event *e, ltc_event_text *t);

#endif

/* stream.h: one producer's trace stream on its way into the store: decoder, session and end
 * status. Fed bytes as they come (from a file, a socket, any split); finished when the input
 * ends or the collector stops. ingest.c drives one for a single fd; the daemon one per
 * connection. */
#ifndef LTC_STREAM_H
#define LTC_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"
#include "wire/reader.h"

typedef struct ltc_stream ltc_stream;

typedef struct ltc_stream_result {
  int64_t session;     /* 0 when no hello ever arrived */
  const char *status;  /* complete, truncated, aborted or interrupted */
  uint64_t events, lost; /* records stored; records the program dropped */
  char error[256];
} ltc_stream_result;

ltc_stream *ltc_stream_new(ltc_store *store, const char *label);
/* Also hands every stored record to fn (the daemon's live fan-out); r resolves its strings. */
void ltc_stream_observe(ltc_stream *s,
                        void (*fn)(void *user, const ltc_event *e, const ltc_reader *r),
                        void *user);
/* The session this stream writes (0 until its hello arrived). */
int64_t ltc_stream_session(const ltc_stream *s);
/* The stream stopped making sense: nothing more of it will be taken. */
bool ltc_stream_corrupt(const ltc_stream *s);
/* Records taken so far, and bytes held of an unfinished hello or chunk. */
uint64_t ltc_stream_events(const ltc_stream *s);
uint64_t ltc_stream_pending(const ltc_stream *s);
/* Chunks over bytes end the stream as corrupt (ltc_reader_set_max_chunk). */
void ltc_stream_set_max_chunk(ltc_stream *s, uint32_t bytes);
/* 0, or -errno when the store failed, saying why in err (the stream is then dead: finish it).
 * A corrupt stream keeps its valid prefix and ignores the rest. */
int ltc_stream_feed(ltc_stream *s, const void *buf, size_t n, ltc_err *err);
/* The input ended (or, with interrupted, the collector is stopping): ends the session with
 * its status and frees the stream. 0 or -errno from the store (err says why). */
int ltc_stream_finish(ltc_stream *s, bool interrupted, ltc_stream_result *res, ltc_err *err);
/* The collector ends the stream itself, for why (a limit it went past): stored as truncated,
 * with why as its error. Frees the stream, as ltc_stream_finish. */
int ltc_stream_abandon(ltc_stream *s, const char *why, ltc_stream_result *res, ltc_err *err);

#endif

/* reader.h: the trace stream decoder (docs/wire-format.md). A push parser: feed it bytes
 * in whatever pieces they arrive (a file, a socket), it hands back the hello and every record,
 * resolves interned strings and sites per track, checks sequence numbers, and tells a clean
 * end from a truncated or a corrupt stream, keeping every complete valid chunk before either.
 * The collector's ingest and `looptrace dump` both read through it. */
#ifndef LTC_WIRE_READER_H
#define LTC_WIRE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lt/wire.h"

typedef struct ltc_hello {
  uint32_t version;
  uint32_t pid;
  uint8_t clock; /* lt_wire_clock */
  int64_t wall_start_ns, mono_start_ns;
  const char *program, *label;
  uint32_t argc;
  const char *const *argv;
  bool shuffled;         /* the runtime shuffled its ready queue (LOOPTRACE_SHUFFLE) */
  uint64_t shuffle_seed; /* with this seed */
  bool flight;           /* a flight recorder's dump (LT_HELLO_FLIGHT), covering: */
  int64_t flight_from_ns, flight_to_ns; /* its ring's first and last record */
  uint64_t flight_lost, flight_dump; /* records fallen out of the ring; the dump's number */
} ltc_hello;

typedef struct ltc_event {
  uint32_t track;
  uint64_t seq;
  uint8_t kind, flags;
  uint32_t task;
  int64_t ts;
  uint32_t nargs;      /* args present on the wire */
  uint64_t a[8];       /* args; those not present read 0 */
  const char *text;    /* STRING: its text, as UTF-8 (held by the reader); else NULL */
  uint32_t text_len;
} ltc_event;

typedef struct ltc_reader_callbacks {
  void (*hello)(void *user, const ltc_hello *h);
  void (*event)(void *user, const ltc_event *e);
  void *user;
} ltc_reader_callbacks;

typedef enum ltc_stream_status {
  LTC_STREAM_OPEN = 0,   /* more may come */
  LTC_STREAM_CLEAN,      /* the END chunk arrived */
  LTC_STREAM_TRUNCATED,  /* input ended without END: all up to the last complete chunk kept */
  LTC_STREAM_CORRUPT,    /* input stopped making sense at ltc_reader_error_offset() */
} ltc_stream_status;

typedef struct ltc_reader ltc_reader;

ltc_reader *ltc_reader_new(const ltc_reader_callbacks *cb);
void ltc_reader_free(ltc_reader *r);
/* Consumes n bytes. 0, or -EPROTO once the stream is corrupt (nothing more is delivered), or
 * -ENOMEM. Bytes after a clean end make the stream corrupt. */
int ltc_reader_feed(ltc_reader *r, const void *buf, size_t n);
/* The input ended: CLEAN, TRUNCATED or CORRUPT. */
ltc_stream_status ltc_reader_finish(ltc_reader *r);
ltc_stream_status ltc_reader_status(const ltc_reader *r);
/* Chunks over bytes make the stream corrupt (0: only those over the format's limit). A
 * collector holds a chunk whole before it takes its records: this bounds what one connection
 * can make it hold. */
void ltc_reader_set_max_chunk(ltc_reader *r, uint32_t bytes);
/* The END chunk arrived (whatever came after it). */
bool ltc_reader_saw_end(const ltc_reader *r);
/* Why and where the stream is corrupt (byte offset from its start). */
const char *ltc_reader_error(const ltc_reader *r);
uint64_t ltc_reader_error_offset(const ltc_reader *r);
/* Records taken (every one delivered, and the END record, which is not), and records the
 * producer said it dropped (LOST). */
uint64_t ltc_reader_events(const ltc_reader *r);
uint64_t ltc_reader_lost(const ltc_reader *r);
/* Bytes consumed so far (of complete chunks), and bytes held of an incomplete one. */
uint64_t ltc_reader_offset(const ltc_reader *r);
uint64_t ltc_reader_pending(const ltc_reader *r);

/* Strings and sites held in memory, over all tracks (an INTERN_RESET record lets go of them). */
uint64_t ltc_reader_strings_held(const ltc_reader *r);
/* True for the records that only define text (STRING, SITE, INTERN_RESET): the API never
 * sends them as events; their text arrives resolved in the records that use it. */
static inline int ltc_kind_defines(uint8_t kind) {
  return kind == LT_EV_STRING || kind == LT_EV_SITE || kind == LT_EV_INTERN_RESET;
}
/* Interned strings and sites of a track, as defined so far (NULL / 0 when unknown). */
const char *ltc_reader_string(const ltc_reader *r, uint32_t track, uint64_t id, uint32_t *len);
int ltc_reader_site(const ltc_reader *r, uint32_t track, uint64_t id, const char **file,
                    const char **func, uint32_t *line);

/* Names of the wire vocabulary (lt/wire.h) for text and JSON: "unknown" for a value the
 * format does not have (a damaged or hostile stream may carry any). */
static inline const char *ltc_name_or_unknown(const char *name) { return name ? name : "unknown"; }
static inline const char *ltc_kind_name(uint8_t k) {
  return ltc_name_or_unknown(lt_wire_kind_name(k));
}
static inline const char *ltc_reason_name(uint8_t r) {
  return ltc_name_or_unknown(lt_wire_reason_name(r));
}
static inline const char *ltc_outcome_name(uint8_t o) {
  return ltc_name_or_unknown(lt_wire_outcome_name(o));
}

#endif

/* chttp.h: ClickHouse's HTTP interface (libcurl), for the ClickHouse store: a server and
 * database from a clickhouse://HOST:PORT/DB address, one query at a time, its answer in a
 * buffer; and the RowBinary values the store writes and reads. Not for use outside store/. */
#ifndef LTC_CHTTP_H
#define LTC_CHTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define LTC_CH_SCHEME "clickhouse://"

typedef struct ltc_chbuf {
  unsigned char *data;
  size_t len, cap;
  bool oom; /* an append ran out of memory: the buffer is incomplete */
} ltc_chbuf;

typedef struct ltc_chttp ltc_chttp;

/* True when path names a ClickHouse store rather than a SQLite file. */
bool ltc_ch_is_url(const char *path);
/* Parses clickhouse://HOST:PORT/DB (DB: letters, digits, _) and makes a client for it; no
 * request is made. -EINVAL with why for a bad address, -ENOMEM. */
int ltc_chttp_new(const char *url, ltc_chttp **out, ltc_err *err);
void ltc_chttp_free(ltc_chttp *c);
const char *ltc_chttp_db(const ltc_chttp *c);

/* Runs sql. With body (an INSERT ... FORMAT RowBinary), sql goes in the address and body is
 * posted; without, sql is the body. The answer's bytes are appended to out (when not NULL).
 * 0; -EAGAIN when the server cannot be reached (refused, timed out, cut); -EIO when it
 * answered with an error (its message in err); -ENOMEM. */
int ltc_chttp_query(ltc_chttp *c, const char *sql, const void *body, size_t len, ltc_chbuf *out,
                    ltc_err *err);

/* Runs n inserts (sql[i] with body[i]) at once, each on a connection of its own; 0 when
 * every one succeeded, else the first failure (as ltc_chttp_query's). */
#define LTC_CHTTP_MAX_PARALLEL 8
int ltc_chttp_insert_many(ltc_chttp *c, int n, const char *const *sql,
                          const void *const *body, const size_t *len, ltc_err *err);

/* ---- RowBinary ---- */
void ltc_chbuf_put(ltc_chbuf *b, const void *p, size_t n);
void ltc_chbuf_i64(ltc_chbuf *b, int64_t v);
void ltc_chbuf_u8(ltc_chbuf *b, uint8_t v);
void ltc_chbuf_str(ltc_chbuf *b, const void *p, size_t n); /* varint length, bytes */
void ltc_chbuf_free(ltc_chbuf *b);

/* Reading an answer: a cursor over its bytes; a read past the end sets bad. */
typedef struct ltc_chcur {
  const unsigned char *p, *end;
  bool bad;
} ltc_chcur;
static inline ltc_chcur ltc_chcur_of(const ltc_chbuf *b) {
  return (ltc_chcur){b->data, b->data + b->len, false};
}
static inline bool ltc_chcur_more(const ltc_chcur *c) { return !c->bad && c->p < c->end; }
int64_t ltc_chcur_i64(ltc_chcur *c);
uint8_t ltc_chcur_u8(ltc_chcur *c);
/* A String: its bytes (not NUL-terminated) and length; NULL when bad. */
const char *ltc_chcur_str(ltc_chcur *c, size_t *len);

#endif

/* pending.c: the writer's rows between two commits (see store-int.h). Every row a stream
 * feeds (a block, a string, a task, a mark, a session's progress and end) is kept here, its
 * values copied, and written at the commit, all in one transaction. When the transaction
 * fails (the disk is full, say) it is rolled back and every row stays, to be written whole by
 * the next commit: nothing the daemon took in is lost, and nothing is half stored.
 *
 * The rows are packed one after another in one buffer, as the statement's number, the count
 * of values, then each value: its type, and 8 bytes of integer or a u32 length and the bytes
 * of text or blob. A print-heavy stream keeps a row or two per record between commits, so
 * they are kept small (a mark: ~60 bytes and its text). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/store-int.h"

struct ltc_pending {
  unsigned char *buf;
  size_t used, cap;
  size_t rows;
  uint64_t records; /* in the blocks waiting */
};

static size_t packed_size(const ltc_value *v, int n) {
  size_t bytes = 2;
  for (int i = 0; i < n; i++)
    bytes += 1 + (v[i].type == LTC_V_INT ? 8
                  : v[i].type == LTC_V_NULL ? 0
                                            : 4 + v[i].len);
  return bytes;
}

int ltc_pending_add(ltc_store *s, int stmt, const ltc_value *v, int n, uint64_t records) {
  if (!s->pending && !(s->pending = calloc(1, sizeof *s->pending))) return -ENOMEM;
  ltc_pending *p = s->pending;
  size_t need = p->used + packed_size(v, n);
  if (need > p->cap) {
    size_t cap = p->cap ? p->cap : 65536;
    while (cap < need) cap *= 2;
    unsigned char *b = realloc(p->buf, cap);
    if (!b) return -ENOMEM;
    p->buf = b;
    p->cap = cap;
  }
  unsigned char *o = p->buf + p->used;
  *o++ = (unsigned char)stmt;
  *o++ = (unsigned char)n;
  for (int i = 0; i < n; i++) {
    *o++ = v[i].type;
    if (v[i].type == LTC_V_INT) {
      memcpy(o, &v[i].i, 8);
      o += 8;
    } else if (v[i].type != LTC_V_NULL) {
      uint32_t len = (uint32_t)v[i].len;
      memcpy(o, &len, 4);
      memcpy(o + 4, v[i].ptr, len);
      o += 4 + len;
    }
  }
  p->used = (size_t)(o - p->buf);
  p->rows++;
  p->records += records;
  return 0;
}

/* The row at *at: its statement and values (text and blobs pointing into the buffer);
 * *at moves past it. */
static int unpack_row(const unsigned char **at, ltc_value *v, int *n) {
  const unsigned char *o = *at;
  int stmt = o[0];
  *n = o[1];
  o += 2;
  for (int i = 0; i < *n; i++) {
    v[i] = ltc_null();
    v[i].type = *o++;
    if (v[i].type == LTC_V_INT) {
      memcpy(&v[i].i, o, 8);
      o += 8;
    } else if (v[i].type != LTC_V_NULL) {
      uint32_t len;
      memcpy(&len, o, 4);
      v[i].ptr = o + 4;
      v[i].len = len;
      o += 4 + len;
    }
  }
  *at = o;
  return stmt;
}

/* Binds and runs the row at *at, moving *at past it. */
static int run_row(ltc_store *s, const unsigned char **at, ltc_err *err) {
  ltc_value v[LTC_MAX_VALUES];
  int n;
  sqlite3_stmt *st = s->st[unpack_row(at, v, &n)];
  for (int i = 1; i <= n; i++) {
    const ltc_value *x = &v[i - 1];
    if (x->type == LTC_V_INT)
      sqlite3_bind_int64(st, i, x->i);
    else if (x->type == LTC_V_NULL)
      sqlite3_bind_null(st, i);
    else if (x->type == LTC_V_TEXT)
      sqlite3_bind_text(st, i, x->ptr, (int)x->len, SQLITE_STATIC);
    else
      sqlite3_bind_blob(st, i, x->ptr, (int)x->len, SQLITE_STATIC);
  }
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ltc_store_fail(s, err, "storing");
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc;
}

int ltc_pending_each(ltc_store *s, int (*fn)(void *user, int stmt, const ltc_value *v, int n),
                     void *user) {
  ltc_pending *p = s->pending;
  const unsigned char *at = p ? p->buf : NULL;
  int rc = 0;
  for (size_t i = 0; rc == 0 && p && i < p->rows; i++) {
    ltc_value v[LTC_MAX_VALUES];
    int n, stmt = unpack_row(&at, v, &n);
    rc = fn(user, stmt, v, n);
  }
  return rc;
}

void ltc_pending_clear(ltc_store *s) {
  if (s->pending) s->pending->used = s->pending->rows = 0, s->pending->records = 0;
}

int ltc_pending_run(ltc_store *s, ltc_err *err) {
  ltc_pending *p = s->pending;
  if (!p || !p->rows) return 0;
  int rc = ltc_store_exec(s, "BEGIN", err);
  const unsigned char *at = p->buf;
  for (size_t i = 0; rc == 0 && i < p->rows; i++) rc = run_row(s, &at, err);
  if (rc == 0) rc = ltc_store_exec(s, "COMMIT", err);
  if (rc < 0) {
    /* a failed statement may have ended the transaction itself, or not */
    if (!sqlite3_get_autocommit(s->db)) ltc_store_exec(s, "ROLLBACK", NULL);
    return rc; /* every row stays for the next commit */
  }
  ltc_pending_clear(s);
  return 0;
}

uint64_t ltc_pending_records(const ltc_store *s) { return s->pending ? s->pending->records : 0; }
bool ltc_pending_empty(const ltc_store *s) { return !s->pending || !s->pending->rows; }

void ltc_pending_free(ltc_store *s) {
  if (!s->pending) return;
  free(s->pending->buf);
  free(s->pending);
  s->pending = NULL;
}

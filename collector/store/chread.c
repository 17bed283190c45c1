/* chread.c: the ClickHouse store's reads (see chstore-int.h), each one query answered in
 * RowBinary: sessions (every host's, the newest label, deleted ones left out), a session's
 * blocks by window or from the start, its tasks with how they ended, marks and their
 * buckets, strings and sites. Reads see what writers have committed; FINAL folds a batch
 * stored twice into one. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/chstore-int.h"
#include "store/codec.h"

/* Runs sql (printf-style) into out. */
__attribute__((format(printf, 4, 5))) static int query(ltc_store *s, ltc_chbuf *out,
                                                       ltc_err *err, const char *fmt, ...) {
  char sql[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(sql, sizeof sql, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof sql) return ltc_fail(err, -E2BIG, "a query too long");
  return ltc_chttp_query(s->ch->http, sql, NULL, 0, out, err);
}

static int damaged(ltc_err *err) {
  return ltc_fail(err, -EPROTO, "ClickHouse answered in a shape this looptrace does not read");
}

/* A String of the answer as a NUL-terminated copy into buf (cut to len). */
static const char *str_into(ltc_chcur *c, char *buf, size_t len) {
  size_t n = 0;
  const char *p = ltc_chcur_str(c, &n);
  snprintf(buf, len, "%.*s", p ? (int)n : 0, p ? p : "");
  return buf;
}

/* The columns session_from reads, from FROM: sessions with their newest label and task count. */
#define SESSION_SELECT                                                                      \
  "SELECT id, program, if(has_label, new_label, label), status, clock, pid, "              \
  "started_wall_ns, ifNull(start_ns, 0), ifNull(end_ns, 0), events, lost, toInt64(tasks), " \
  "argv, ifNull(error, ''), toUInt8(isNotNull(error)), ifNull(shuffle_seed, 0), "          \
  "toUInt8(isNotNull(shuffle_seed)), unstored, host, mono_start_ns, "                      \
  "toUInt8(isNotNull(start_ns)) FROM (SELECT * FROM (SELECT * FROM sessions FINAL "         \
  "WHERE %s id NOT IN (SELECT session FROM deleted)) ANY LEFT JOIN (SELECT session AS id, " \
  "toUInt8(1) AS has_label, label AS new_label FROM labels FINAL %s) USING id) "            \
  "ANY LEFT JOIN (SELECT session AS id, count() AS tasks FROM tasks FINAL %s "              \
  "GROUP BY session) USING id "

/* One session's row from the answer; its text in bufs (6 of 8 KiB each... see sizes). */
typedef struct row_text {
  char program[4096], label[1024], status[32], clock[16], argv[8192], error[512], host[256];
} row_text;

static bool session_from(ltc_chcur *c, ltc_session_row *r, row_text *t) {
  /* What ClickHouse does not keep (a flight dump's window) reads as none. */
  *r = (ltc_session_row){0};
  r->id = ltc_chcur_i64(c);
  r->program = str_into(c, t->program, sizeof t->program);
  r->label = str_into(c, t->label, sizeof t->label);
  r->status = str_into(c, t->status, sizeof t->status);
  r->clock = str_into(c, t->clock, sizeof t->clock);
  r->pid = ltc_chcur_i64(c);
  r->started_wall_ns = ltc_chcur_i64(c);
  r->start_ns = ltc_chcur_i64(c);
  r->end_ns = ltc_chcur_i64(c);
  r->events = ltc_chcur_i64(c);
  r->lost = ltc_chcur_i64(c);
  r->tasks = ltc_chcur_i64(c);
  r->argv = str_into(c, t->argv, sizeof t->argv);
  r->error = str_into(c, t->error, sizeof t->error);
  if (!ltc_chcur_u8(c)) r->error = NULL;
  r->shuffle_seed = (uint64_t)ltc_chcur_i64(c);
  r->shuffled = ltc_chcur_u8(c);
  r->unstored = ltc_chcur_i64(c);
  r->host = str_into(c, t->host, sizeof t->host);
  r->mono_start_ns = ltc_chcur_i64(c);
  r->has_time = ltc_chcur_u8(c);
  return !c->bad;
}

int ltc_ch_list_sessions(ltc_store *s, void (*fn)(void *user, const ltc_session_row *row),
                         void *user, ltc_err *err) {
  ltc_chbuf out = {0};
  int rc = query(s, &out, err, SESSION_SELECT "ORDER BY started_wall_ns, id FORMAT RowBinary",
                 "", "", "");
  row_text *t = rc == 0 ? malloc(sizeof *t) : NULL;
  if (rc == 0 && !t) rc = ltc_fail(err, -ENOMEM, "out of memory");
  ltc_chcur c = ltc_chcur_of(&out);
  while (rc == 0 && ltc_chcur_more(&c)) {
    ltc_session_row r;
    if (!session_from(&c, &r, t)) rc = damaged(err);
    else fn(user, &r);
  }
  free(t);
  ltc_chbuf_free(&out);
  return rc;
}

int ltc_ch_session_row(ltc_store *s, int64_t id, ltc_session_row *row, ltc_err *err) {
  char where[64], right[64];
  snprintf(where, sizeof where, "id = %" PRId64 " AND", id);
  snprintf(right, sizeof right, "WHERE session = %" PRId64, id);
  ltc_chbuf out = {0};
  int rc = query(s, &out, err, SESSION_SELECT "FORMAT RowBinary", where, right, right);
  row_text *t = rc == 0 ? malloc(sizeof *t) : NULL;
  if (rc == 0 && !t) rc = ltc_fail(err, -ENOMEM, "out of memory");
  ltc_chcur c = ltc_chcur_of(&out);
  if (rc == 0 && !ltc_chcur_more(&c))
    rc = ltc_fail(err, -ENOENT, "no session %lld", (long long)id);
  else if (rc == 0 && !session_from(&c, row, t))
    rc = damaged(err);
  if (rc == 0) { /* the text outlives the answer: it is kept in the store */
    memcpy(s->row_program, t->program, sizeof s->row_program);
    memcpy(s->row_label, t->label, sizeof s->row_label);
    memcpy(s->row_status, t->status, sizeof s->row_status);
    memcpy(s->row_clock, t->clock, sizeof s->row_clock);
    memcpy(s->row_argv, t->argv, sizeof s->row_argv);
    memcpy(s->row_error, t->error, sizeof s->row_error);
    memcpy(s->row_host, t->host, sizeof s->row_host);
    row->program = s->row_program, row->label = s->row_label, row->status = s->row_status;
    row->clock = s->row_clock, row->argv = s->row_argv, row->host = s->row_host;
    row->error = row->error ? s->row_error : NULL;
  }
  free(t);
  ltc_chbuf_free(&out);
  return rc;
}

int ltc_ch_scan(ltc_store *s, int64_t id, const ltc_scan *q, ltc_err *err) {
  ltc_chbuf out = {0};
  int rc = query(s, &out, err,
                 "SELECT track, first_seq, data, start_ns FROM event_blocks FINAL "
                 "WHERE session = %" PRId64 " AND start_ns <= %" PRId64 " AND (%d OR end_ns >= "
                 "%" PRId64 ") AND first_seq + count > %" PRId64 " AND (%u = 0 OR track = %u) "
                 "AND (track > %u OR (track = %u AND first_seq + count > %" PRId64 ")) "
                 "ORDER BY %s FORMAT RowBinary",
                 id, q->hi, q->from_start ? 1 : 0, q->lo, (int64_t)q->min_seq, q->only_track,
                 q->only_track, q->from_track, q->from_track, (int64_t)q->from_track_seq,
                 q->by_time ? "start_ns, track, first_seq" : "track, first_seq");
  ltc_chcur c = ltc_chcur_of(&out);
  while (rc == 0 && ltc_chcur_more(&c)) {
    uint32_t track = (uint32_t)ltc_chcur_i64(&c);
    uint64_t first = (uint64_t)ltc_chcur_i64(&c);
    size_t len = 0;
    const char *data = ltc_chcur_str(&c, &len);
    int64_t start = ltc_chcur_i64(&c);
    if (c.bad) {
      rc = damaged(err);
      break;
    }
    if (q->block && q->block(q->user, track, start, first)) break;
    rc = store_block_decode((const uint8_t *)data, len, track, first, q->event, q->user);
    if (rc == -EPROTO)
      ltc_fail(err, rc, "session %lld: a damaged event block (track %u, from seq %llu)",
               (long long)id, track, (unsigned long long)first);
  }
  ltc_chbuf_free(&out);
  return rc;
}

/* The first Int64 of an answer (0 when it is empty), or a negative errno. */
static int64_t scalar(ltc_store *s, ltc_err *err, const char *sql) {
  ltc_chbuf out = {0};
  int rc = query(s, &out, err, "%s FORMAT RowBinary", sql);
  ltc_chcur c = ltc_chcur_of(&out);
  int64_t v = rc < 0 ? rc : ltc_chcur_more(&c) ? ltc_chcur_i64(&c) : 0;
  if (rc == 0 && c.bad) v = damaged(err);
  ltc_chbuf_free(&out);
  return v;
}

int64_t ltc_ch_count_window(ltc_store *s, int64_t id, int64_t lo, int64_t hi, ltc_err *err) {
  char sql[300];
  snprintf(sql, sizeof sql,
           "SELECT toInt64(sum(count)) FROM event_blocks FINAL WHERE session = %" PRId64
           " AND start_ns <= %" PRId64 " AND end_ns >= %" PRId64,
           id, hi, lo);
  return scalar(s, err, sql);
}

int ltc_ch_tasks(ltc_store *s, int64_t id, void (*fn)(void *user, const ltc_task_row *t),
                 void *user, ltc_err *err) {
  ltc_chbuf out = {0};
  int rc = query(s, &out, err,
                 "SELECT track, task, ifNull(parent, 0), name, toUInt8(isNotNull(spawn_file)), "
                 "ifNull(spawn_file, ''), ifNull(spawn_func, ''), ifNull(spawn_line, 0), "
                 "created_ns, if(ended, finished_ns, -1), has_outcome, outcome_text, "
                 "if(ended, status, 0) FROM (SELECT * FROM tasks FINAL WHERE session = %" PRId64
                 ") ANY LEFT JOIN (SELECT track, task, toUInt8(1) AS ended, finished_ns, "
                 "toUInt8(isNotNull(outcome)) AS has_outcome, ifNull(outcome, '') AS "
                 "outcome_text, status FROM task_ends FINAL WHERE session = %" PRId64
                 ") USING (track, task) ORDER BY track, task FORMAT RowBinary",
                 id, id);
  ltc_chcur c = ltc_chcur_of(&out);
  while (rc == 0 && ltc_chcur_more(&c)) {
    char name[4096], file[4096], func[4096], outcome[16];
    ltc_task_row t = {.track = (uint32_t)ltc_chcur_i64(&c), .task = (uint32_t)ltc_chcur_i64(&c),
                      .parent = (uint32_t)ltc_chcur_i64(&c)};
    t.name = str_into(&c, name, sizeof name);
    bool site = ltc_chcur_u8(&c);
    t.spawn_file = str_into(&c, file, sizeof file);
    t.spawn_func = str_into(&c, func, sizeof func);
    if (!site) t.spawn_file = t.spawn_func = NULL;
    t.spawn_line = ltc_chcur_i64(&c);
    t.created_ns = ltc_chcur_i64(&c);
    t.finished_ns = ltc_chcur_i64(&c);
    bool has_outcome = ltc_chcur_u8(&c);
    t.outcome = str_into(&c, outcome, sizeof outcome);
    if (!has_outcome) t.outcome = NULL;
    t.status = ltc_chcur_i64(&c);
    if (c.bad) rc = damaged(err);
    else fn(user, &t);
  }
  ltc_chbuf_free(&out);
  return rc;
}

/* Marks of the answer: track, seq, ts, task, text; each to fn. */
static int each_mark(ltc_chcur *c, int64_t *bucket, int64_t *count,
                     void (*fn)(void *user, uint32_t track, uint64_t seq, int64_t ts,
                                uint32_t task, const char *text),
                     void *user, ltc_err *err) {
  uint32_t track = (uint32_t)ltc_chcur_i64(c);
  uint64_t seq = (uint64_t)ltc_chcur_i64(c);
  int64_t ts = ltc_chcur_i64(c);
  uint32_t task = (uint32_t)ltc_chcur_i64(c);
  size_t len = 0;
  const char *p = ltc_chcur_str(c, &len);
  if (bucket) *bucket = ltc_chcur_i64(c), *count = ltc_chcur_i64(c);
  char *text = !c->bad ? strndup(p, len) : NULL;
  if (c->bad) return damaged(err);
  if (!text) return ltc_fail(err, -ENOMEM, "out of memory");
  if (fn) fn(user, track, seq, ts, task, text);
  free(text);
  return 0;
}

int ltc_ch_marks(ltc_store *s, int64_t id, int64_t lo, int64_t hi, int64_t max,
                 void (*fn)(void *user, uint32_t track, uint64_t seq, int64_t ts, uint32_t task,
                            const char *text),
                 void *user, int64_t *count, ltc_err *err) {
  char where[200];
  snprintf(where, sizeof where,
           "FROM marks FINAL WHERE session = %" PRId64 " AND ts >= %" PRId64
           " AND ts <= %" PRId64, id, lo, hi);
  char sql[300];
  snprintf(sql, sizeof sql, "SELECT toInt64(count()) %s", where);
  int64_t n = scalar(s, err, sql);
  if (n < 0) return (int)n;
  *count = n;
  ltc_chbuf out = {0};
  int rc = query(s, &out, err,
                 "SELECT track, seq, ts, task, text %s ORDER BY ts, track, seq LIMIT %" PRId64
                 " FORMAT RowBinary", where, max < 0 ? 0 : max);
  ltc_chcur c = ltc_chcur_of(&out);
  while (rc == 0 && ltc_chcur_more(&c)) rc = each_mark(&c, NULL, NULL, fn, user, err);
  ltc_chbuf_free(&out);
  return rc;
}

typedef struct bucket_call {
  void (*fn)(void *user, int64_t bucket, int64_t count, uint32_t track, uint64_t seq,
             int64_t ts, uint32_t task, const char *text);
  void *user;
  int64_t bucket, count;
} bucket_call;

static void to_bucket(void *user, uint32_t track, uint64_t seq, int64_t ts, uint32_t task,
                      const char *text) {
  bucket_call *b = user;
  b->fn(b->user, b->bucket, b->count, track, seq, ts, task, text);
}

int ltc_ch_mark_buckets(ltc_store *s, int64_t id, int64_t lo, int64_t hi, int64_t nb,
                        void (*fn)(void *user, int64_t bucket, int64_t count, uint32_t track,
                                   uint64_t seq, int64_t ts, uint32_t task, const char *text),
                        void *user, ltc_err *err) {
  /* Bucket i holds lo + ceil(i * width) <= ts < lo + ceil((i + 1) * width), the last up to hi,
   * as the SQLite store's (read.c): the same double arithmetic, done by ClickHouse. Per
   * bucket its first mark (LIMIT 1 BY) and, joined, its count. */
  double w = (double)(hi - lo) / (double)nb;
  char b[600];
  snprintf(b, sizeof b,
           "least(%" PRId64 ", multiIf(ts < %" PRId64 " + toInt64(ceil(b0 * %.17g)), b0 - 1, "
           "ts >= %" PRId64 " + toInt64(ceil((b0 + 1) * %.17g)), b0 + 1, b0))",
           nb - 1, lo, w, lo, w);
  char from[400];
  snprintf(from, sizeof from,
           "(SELECT *, toInt64(floor((ts - %" PRId64 ") / %.17g)) AS b0 FROM marks FINAL "
           "WHERE session = %" PRId64 " AND ts >= %" PRId64 " AND ts <= %" PRId64 ")",
           lo, w, id, lo, hi);
  ltc_chbuf out = {0};
  int rc = query(s, &out, err,
                 "SELECT track, seq, ts, task, text, bucket, toInt64(n) FROM (SELECT track, "
                 "seq, ts, task, text, %s AS bucket FROM %s ORDER BY ts, track, seq LIMIT 1 BY "
                 "bucket) ANY LEFT JOIN (SELECT %s AS bucket, count() AS n FROM %s GROUP BY "
                 "bucket) USING bucket ORDER BY bucket FORMAT RowBinary",
                 b, from, b, from);
  ltc_chcur c = ltc_chcur_of(&out);
  bucket_call call = {fn, user, 0, 0};
  while (rc == 0 && ltc_chcur_more(&c))
    rc = each_mark(&c, &call.bucket, &call.count, to_bucket, &call, err);
  ltc_chbuf_free(&out);
  return rc;
}

int ltc_ch_strings_load(ltc_store *s, int64_t id, int which, int64_t track, int64_t from,
                        int (*put)(void *user, uint32_t track, uint64_t id, const char *a,
                                   size_t alen, const char *b, size_t blen, int64_t line),
                        void *user, ltc_err *err) {
  char one[100] = "";
  if (track >= 0)
    snprintf(one, sizeof one, " AND track = %" PRId64 " AND id >= %" PRId64 " AND id < %" PRId64,
             track, from, from + 4096);
  ltc_chbuf out = {0};
  int rc = which == LTC_LOOKUP_STRING
               ? query(s, &out, err,
                       "SELECT track, id, text FROM strings FINAL WHERE session = %" PRId64
                       "%s FORMAT RowBinary", id, one)
               : query(s, &out, err,
                       "SELECT track, id, file, func, line FROM sites FINAL WHERE session = %"
                       PRId64 "%s FORMAT RowBinary", id, one);
  ltc_chcur c = ltc_chcur_of(&out);
  while (rc == 0 && ltc_chcur_more(&c)) {
    uint32_t t = (uint32_t)ltc_chcur_i64(&c);
    uint64_t k = (uint64_t)ltc_chcur_i64(&c);
    size_t alen = 0, blen = 0;
    const char *a = ltc_chcur_str(&c, &alen), *b = NULL;
    int64_t line = 0;
    if (which != LTC_LOOKUP_STRING) {
      b = ltc_chcur_str(&c, &blen);
      line = ltc_chcur_i64(&c);
    }
    rc = c.bad ? damaged(err) : put(user, t, k, a, alen, b, blen, line);
  }
  ltc_chbuf_free(&out);
  return rc;
}

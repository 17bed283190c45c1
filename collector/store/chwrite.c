/* chwrite.c: the ClickHouse store's writer (see chstore-int.h). The SQLite writer's pending
 * rows (writer.c, pending.c) are turned, at each commit, into one RowBinary batch per table,
 * inserted in order; a session's row is kept whole here and inserted again, newer, with each
 * change. A commit that fails keeps every row for the next (ClickHouse stores a batch sent
 * twice once: every table replaces rows of the same key); a writer that stops while
 * ClickHouse is away spools what it holds (clickhouse.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/utf8.h"
#include "store/chstore-int.h"

static char *dup_or_null(const char *t) { return t ? strdup(t) : NULL; }

static void session_free(ch_session *c) {
  ltc_ch_steps_free(c);
  free(c->host), free(c->program), free(c->argv), free(c->label), free(c->clock);
  free(c->status), free(c->error), free(c->writer);
  free(c);
}

void ltc_ch_free_sessions(struct ltc_chstore *ch) {
  if (ch) ch->last = NULL;
  while (ch && ch->sessions) {
    ch_session *c = ch->sessions;
    ch->sessions = c->next;
    session_free(c);
  }
}

static ch_session *find(struct ltc_chstore *ch, int64_t id) {
  for (ch_session *c = ch->sessions; c; c = c->next)
    if (c->id == id) return c;
  return NULL;
}

static int replace(char **field, const char *text) {
  char *n = dup_or_null(text);
  if (text && !n) return -ENOMEM;
  free(*field);
  *field = n;
  return 0;
}

/* A row version: the wall clock's nanoseconds, so a later change (by any writer) wins. */
static int64_t version(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void put_text(ltc_chbuf *b, const char *t) {
  ltc_chbuf_str(b, t ? t : "", t ? strlen(t) : 0);
}
static void put_nullable_i64(ltc_chbuf *b, bool present, int64_t v) {
  ltc_chbuf_u8(b, !present);
  if (present) ltc_chbuf_i64(b, v);
}
static void put_nullable_text(ltc_chbuf *b, const char *t) {
  ltc_chbuf_u8(b, !t);
  if (t) put_text(b, t);
}

/* A session's whole row, as ltc_ch_insert_sql(CT_SESSIONS) names its columns. */
static void put_session(ltc_chbuf *b, const ch_session *c, int64_t ver) {
  ltc_chbuf_i64(b, c->id);
  ltc_chbuf_i64(b, ver);
  put_text(b, c->host), put_text(b, c->program), put_text(b, c->argv);
  ltc_chbuf_i64(b, c->pid);
  put_text(b, c->label), put_text(b, c->clock);
  ltc_chbuf_i64(b, c->wall_ns), ltc_chbuf_i64(b, c->mono_ns);
  put_nullable_i64(b, c->has_time, c->start_ns), put_nullable_i64(b, c->has_time, c->end_ns);
  put_text(b, c->status);
  ltc_chbuf_i64(b, c->events), ltc_chbuf_i64(b, c->lost);
  put_nullable_text(b, c->error);
  put_nullable_i64(b, c->shuffled, c->seed);
  ltc_chbuf_i64(b, c->unstored);
  put_nullable_text(b, c->writer);
}

/* The table a pending row of statement stmt goes to, or -1 for a session's change. */
static int table_of(int stmt) {
  switch (stmt) {
    case ST_BLOCK_INSERT: return CT_BLOCKS;
    case ST_STRING_INSERT: return CT_STRINGS;
    case ST_SITE_INSERT: return CT_SITES;
    case ST_TASK_INSERT: return CT_TASKS;
    case ST_TASK_DONE: return CT_TASK_ENDS;
    case ST_MARK_INSERT: return CT_MARKS;
    case ST_CH_WAIT: return CT_WAITS;
    default: return -1;
  }
}

/* Which values of a table's rows are Nullable in ClickHouse (bit i: value i), and which
 * integers are one byte (an Enum8) rather than an Int64. */
static unsigned nullable_of(int table) {
  return table == CT_TASKS ? 0xf0u /* parent, spawn_file, spawn_func, spawn_line */
         : table == CT_TASK_ENDS ? 0x10u /* outcome */
                                 : 0;
}
static unsigned bytes_of(int table) { return table == CT_WAITS ? 0x10u /* reason */ : 0; }

typedef struct batch {
  ltc_store *s;
  ltc_chbuf bufs[CT_COUNT];
  ltc_err *err;
} batch;

/* A session's change (progress, end) applied to its kept row: values are whole, so applying
 * it again (a commit retried) changes nothing. */
static int apply(batch *b, int stmt, const ltc_value *v) {
  ch_session *c = find(b->s->ch, v[0].i);
  if (!c) return ltc_fail(b->err, -ENOENT, "no session %lld", (long long)v[0].i);
  c->touched = true;
  if (stmt == ST_SESSION_PROGRESS) {
    c->events = v[1].i;
    c->lost = v[2].i;
    if (v[3].type == LTC_V_INT) {
      if (!c->has_time || v[3].i < c->start_ns) c->start_ns = v[3].i;
      if (!c->has_time || v[4].i > c->end_ns) c->end_ns = v[4].i;
      c->has_time = true;
    }
    return 0;
  }
  char status[32], error[1024];
  snprintf(status, sizeof status, "%.*s", (int)v[1].len, (const char *)v[1].ptr);
  snprintf(error, sizeof error, "%.*s", (int)v[2].len, (const char *)v[2].ptr);
  if (replace(&c->status, status) < 0 ||
      replace(&c->error, v[2].type == LTC_V_NULL ? NULL : error) < 0 ||
      replace(&c->writer, NULL) < 0)
    return ltc_fail(b->err, -ENOMEM, "out of memory");
  return 0;
}

static int add_row(void *user, int stmt, const ltc_value *v, int n) {
  batch *b = user;
  int t = table_of(stmt);
  if (t < 0) return apply(b, stmt, v);
  ltc_chbuf *o = &b->bufs[t];
  unsigned nullable = nullable_of(t), bytes = bytes_of(t);
  for (int i = 0; i < n; i++) {
    if (nullable & (1u << i)) ltc_chbuf_u8(o, v[i].type == LTC_V_NULL);
    if (v[i].type == LTC_V_INT && (bytes & (1u << i)))
      ltc_chbuf_u8(o, (uint8_t)(int8_t)v[i].i);
    else if (v[i].type == LTC_V_INT)
      ltc_chbuf_i64(o, v[i].i);
    else if (v[i].type != LTC_V_NULL)
      ltc_chbuf_str(o, v[i].ptr, v[i].len);
    else if (!(nullable & (1u << i)))
      ltc_chbuf_i64(o, 0); /* not expected: every non-Nullable value is given */
  }
  return 0;
}

/* The batch of everything pending, and the rows of the sessions it changed. */
static int build(ltc_store *s, batch *b, ltc_err *err) {
  *b = (batch){.s = s, .err = err};
  int rc = ltc_pending_each(s, add_row, b);
  int64_t ver = version();
  for (ch_session *c = s->ch->sessions; rc == 0 && c; c = c->next)
    if (c->touched) put_session(&b->bufs[CT_SESSIONS], c, ver);
  return rc;
}

static void batch_free(batch *b) {
  for (int t = 0; t < CT_COUNT; t++) ltc_chbuf_free(&b->bufs[t]);
}

/* After a batch is stored: its rows go, and the sessions that ended with them. */
static void stored(ltc_store *s) {
  ltc_pending_clear(s);
  s->ch->last = NULL;
  for (ch_session **p = &s->ch->sessions; *p;) {
    ch_session *c = *p;
    c->touched = false;
    if (strcmp(c->status, "live") != 0) {
      *p = c->next;
      session_free(c);
    } else {
      p = &c->next;
    }
  }
}

int ltc_ch_commit(ltc_store *s, ltc_err *err) {
  batch b;
  int rc = build(s, &b, err);
  if (rc == 0) rc = ltc_ch_insert_all(s->ch, b.bufs, err);
  batch_free(&b);
  if (rc == 0) stored(s);
  return rc;
}

/* A session id no other writer picks: random below 10^15, so that it stays exact as a JSON
 * number however it is printed; checked against the ids stored when ClickHouse answers. */
static int64_t fresh_id(ltc_store *s) {
  for (int tries = 0;; tries++) {
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, 0) != sizeof r) r = (uint64_t)version() * 0x9e3779b97f4a7c15ull;
    int64_t id = (int64_t)(r % 999999999999999ull) + 1;
    char sql[120];
    snprintf(sql, sizeof sql, "SELECT count() FROM sessions WHERE id = %lld FORMAT RowBinary",
             (long long)id);
    ltc_chbuf out = {0};
    bool taken = tries < 8 && ltc_chttp_query(s->ch->http, sql, NULL, 0, &out, NULL) == 0 &&
                 out.len == 8 && memcmp(out.data, "\0\0\0\0\0\0\0\0", 8) != 0;
    ltc_chbuf_free(&out);
    if (!taken) return id;
  }
}

int ltc_ch_begin(ltc_store *s, const ltc_hello *h, const char *label, int64_t *id,
                 ltc_err *err) {
  ch_session *c = calloc(1, sizeof *c);
  char *argv = ltc_store_argv_json(h);
  if (!c || !argv || !(c->host = strdup(s->ch->host)) || !(c->program = strdup(h->program)) ||
      !(c->argv = strdup(argv)) || !(c->label = strdup(label)) ||
      !(c->clock = strdup(h->clock == LT_WIRE_CLOCK_VIRTUAL ? "virtual" : "real")) ||
      !(c->status = strdup("live")) || !(c->writer = strdup(ltc_store_writer_id()))) {
    sqlite3_free(argv);
    if (c) session_free(c);
    return ltc_fail(err, -ENOMEM, "out of memory");
  }
  sqlite3_free(argv);
  c->id = fresh_id(s);
  c->pid = h->pid;
  c->wall_ns = h->wall_start_ns;
  c->mono_ns = h->mono_start_ns;
  c->shuffled = h->shuffled;
  c->seed = (int64_t)h->shuffle_seed;
  c->touched = true; /* its row goes with the next commit, tried at once */
  c->next = s->ch->sessions;
  s->ch->sessions = c;
  *id = c->id;
  return 0;
}

/* A session's kept row, read from ClickHouse when this writer does not hold it (restating
 * an ended session, marking an orphan). */
static int hold(ltc_store *s, int64_t id, ch_session **out, ltc_err *err) {
  if ((*out = find(s->ch, id))) return 0;
  ltc_session_row r;
  int rc = ltc_ch_session_row(s, id, &r, err);
  if (rc < 0) return rc;
  ch_session *c = calloc(1, sizeof *c);
  if (!c || !(c->host = strdup(r.host ? r.host : "")) || !(c->program = strdup(r.program)) ||
      !(c->argv = strdup(r.argv)) || !(c->label = strdup(r.label)) ||
      !(c->clock = strdup(r.clock)) || !(c->status = strdup(r.status)) ||
      replace(&c->error, r.error) < 0) {
    if (c) session_free(c);
    return ltc_fail(err, -ENOMEM, "out of memory");
  }
  *c = (ch_session){.id = id, .host = c->host, .program = c->program, .argv = c->argv,
                    .label = c->label, .clock = c->clock, .status = c->status,
                    .error = c->error, .pid = r.pid, .wall_ns = r.started_wall_ns,
                    .mono_ns = r.mono_start_ns, .start_ns = r.start_ns, .end_ns = r.end_ns,
                    .has_time = r.has_time, .events = r.events, .lost = r.lost,
                    .unstored = r.unstored, .seed = (int64_t)r.shuffle_seed,
                    .shuffled = r.shuffled, .next = s->ch->sessions};
  s->ch->sessions = c;
  *out = c;
  return 0;
}

int ltc_ch_restate(ltc_store *s, int64_t id, ltc_err *err) {
  ch_session *c;
  return hold(s, id, &c, err);
}

int ltc_ch_give_up(ltc_store *s, uint64_t *unstored, ltc_err *err) {
  uint64_t waiting = ltc_store_waiting(s);
  for (ch_session *c = s->ch->sessions; c; c = c->next)
    if (strcmp(c->status, "live") == 0) {
      replace(&c->status, "interrupted");
      replace(&c->writer, NULL);
      replace(&c->error, "the collector stopped while ClickHouse could not take its records; "
                         "they were spooled and stored when it next opened the store");
      c->touched = true;
    }
  batch b;
  int rc = build(s, &b, err);
  if (rc == 0 && ltc_ch_insert_all(s->ch, b.bufs, NULL) < 0) {
    rc = ltc_ch_spool(s->ch, b.bufs, err);
    if (rc == 0)
      fprintf(stderr, "looptrace: ClickHouse cannot be reached: %llu records are kept in %s, "
                      "stored when a writer next opens the store\n",
              (unsigned long long)waiting, s->ch->spool);
  }
  /* What each session will hold once the spool is in: the kept records may overlap what
   * ClickHouse stored when it went away before answering (stored once: every table replaces
   * rows of the same key), so only this total says what was taken. */
  for (ch_session *c = s->ch->sessions; rc == 0 && waiting && c; c = c->next)
    if (c->touched && strcmp(c->status, "interrupted") == 0 && !c->writer)
      fprintf(stderr, "looptrace: session %lld interrupted with %lld records taken\n",
              (long long)c->id, (long long)c->events);
  batch_free(&b);
  *unstored = rc == 0 ? 0 : waiting;
  stored(s);
  ltc_pending_free(s);
  return rc;
}

int ltc_ch_label(ltc_store *s, int64_t id, const char *label, ltc_err *err) {
  ltc_session_row r;
  int rc = ltc_ch_session_row(s, id, &r, err);
  char *clean = rc == 0 ? ltc_utf8_clean(label, strlen(label), NULL) : NULL;
  if (rc == 0 && !clean) rc = ltc_fail(err, -ENOMEM, "out of memory");
  ltc_chbuf b = {0};
  if (rc == 0) {
    ltc_chbuf_i64(&b, id), ltc_chbuf_i64(&b, version()), put_text(&b, clean);
    rc = b.oom ? ltc_fail(err, -ENOMEM, "out of memory")
               : ltc_chttp_query(s->ch->http,
                                 "INSERT INTO labels (session, ver, label) FORMAT RowBinary",
                                 b.data, b.len, NULL, err);
  }
  ltc_chbuf_free(&b);
  free(clean);
  return rc;
}

int ltc_ch_delete(ltc_store *s, int64_t id, ltc_err *err) {
  ltc_session_row r;
  int rc = ltc_ch_session_row(s, id, &r, err);
  if (rc == 0 && strcmp(r.status, "live") == 0)
    rc = ltc_fail(err, -EBUSY, "session %lld is still being recorded", (long long)id);
  ltc_chbuf b = {0};
  ltc_chbuf_i64(&b, id);
  if (rc == 0)
    rc = ltc_chttp_query(s->ch->http, "INSERT INTO deleted (session) FORMAT RowBinary", b.data,
                         b.len, NULL, err);
  ltc_chbuf_free(&b);
  return rc;
}

/* Reads the ids (Int64) and writers (String) of this host's live sessions. */
int ltc_ch_end_orphans(ltc_store *s, ltc_err *err) {
  char sql[800], host[520];
  size_t k = 0;
  for (const char *p = s->ch->host; *p && k < sizeof host - 2; p++) {
    if (*p == '\'' || *p == '\\') host[k++] = '\\';
    host[k++] = *p;
  }
  host[k] = 0;
  snprintf(sql, sizeof sql,
           "SELECT id, ifNull(writer, '') FROM sessions FINAL WHERE status = 'live' AND "
           "host = '%s' AND id NOT IN (SELECT session FROM deleted) FORMAT RowBinary",
           host);
  ltc_chbuf out = {0};
  int rc = ltc_chttp_query(s->ch->http, sql, NULL, 0, &out, err);
  ltc_chcur c = ltc_chcur_of(&out);
  while (rc == 0 && ltc_chcur_more(&c)) {
    int64_t id = ltc_chcur_i64(&c);
    size_t len = 0;
    const char *w = ltc_chcur_str(&c, &len);
    char writer[64];
    snprintf(writer, sizeof writer, "%.*s", (int)len, w ? w : "");
    if (c.bad || ltc_store_writer_alive(writer)) continue;
    ch_session *o;
    if ((rc = hold(s, id, &o, err)) < 0) break;
    replace(&o->status, "interrupted");
    replace(&o->writer, NULL);
    if (!o->error) replace(&o->error, "the recorder stopped (killed?) while the program ran");
    o->touched = true;
  }
  ltc_chbuf_free(&out);
  return rc == 0 ? ltc_ch_commit(s, err) : rc;
}

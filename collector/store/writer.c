/* writer.c: the session writer (see store.h): a session's records buffered as packed blocks
 * per track, with the rows they feed (strings, tasks, sites, marks), all written in one
 * transaction per commit; and the small writes the API asks for (label, delete). Prepared
 * statements only. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "store/codec.h"
#include "store/store-int.h"

static const char *const statements[ST_COUNT] = {
    [ST_SESSION_INSERT] =
        "INSERT INTO sessions (id, program, argv, pid, label, clock, started_wall_ns, "
        "mono_start_ns, status, shuffle_seed, writer) VALUES ((SELECT value + 1 FROM meta "
        "WHERE key = 'last_session'), ?, ?, ?, ?, ?, ?, ?, 'live', ?, ?)",
    [ST_SESSION_ID] = "UPDATE meta SET value = ?1 WHERE key = 'last_session'",
    [ST_SESSION_PROGRESS] =
        "UPDATE sessions SET events = ?2, lost = ?3, start_ns = coalesce(start_ns, ?4), "
        "end_ns = max(coalesce(end_ns, ?5), ?5) WHERE id = ?1",
    [ST_SESSION_END] = "UPDATE sessions SET status = ?2, error = ?3, writer = NULL WHERE id = ?1",
    [ST_BLOCK_INSERT] = "INSERT OR REPLACE INTO event_blocks (session, track, first_seq, count, "
                        "start_ns, end_ns, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
    [ST_STRING_INSERT] = "INSERT OR REPLACE INTO strings (session, track, id, text) "
                         "VALUES (?, ?, ?, ?)",
    [ST_TASK_INSERT] = "INSERT OR REPLACE INTO tasks (session, track, task, name, parent, "
                       "spawn_file, spawn_func, spawn_line, created_ns) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [ST_TASK_DONE] = "UPDATE tasks SET finished_ns = ?4, outcome = ?5, status = ?6 "
                     "WHERE session = ?1 AND track = ?2 AND task = ?3",
    [ST_SITE_INSERT] = "INSERT OR REPLACE INTO sites (session, track, id, file, func, line) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
    [ST_MARK_INSERT] = "INSERT INTO marks (session, track, seq, ts, task, text) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
};

/* A session being written: its open block per track and its running counts. */
typedef struct track_block {
  uint32_t track;
  store_block block;
} track_block;

typedef struct live_session {
  int64_t id;
  track_block *tracks;
  uint32_t ntracks;
  uint64_t events, lost;
  int64_t start_ns, end_ns;
  bool have_time, dirty;
  struct live_session *next;
} live_session;

static void live_free(live_session *l) {
  for (uint32_t i = 0; i < l->ntracks; i++) store_block_free(&l->tracks[i].block);
  free(l->tracks);
  free(l);
}

void ltc_store_free_live(ltc_store *s) {
  while (s->live) {
    live_session *l = s->live;
    s->live = l->next;
    live_free(l);
  }
}

int ltc_store_prepare(ltc_store *s, ltc_err *err) {
  for (int i = 0; i < ST_COUNT; i++)
    if (sqlite3_prepare_v3(s->db, statements[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
                           NULL) != SQLITE_OK)
      return ltc_store_fail(s, err, "preparing");
  return 0;
}

static int begin(ltc_store *s, ltc_err *err) {
  if (s->in_tx) return 0;
  int rc = ltc_store_exec(s, "BEGIN", err);
  if (rc < 0) return rc;
  s->in_tx = true;
  return 0;
}

/* Runs a prepared statement to its end and resets it. */
static int step(ltc_store *s, int which, ltc_err *err) {
  sqlite3_stmt *st = s->st[which];
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ltc_store_fail(s, err, statements[which]);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc;
}

static live_session *find_live(ltc_store *s, int64_t id) {
  for (live_session *l = s->live; l; l = l->next)
    if (l->id == id) return l;
  return NULL;
}

int ltc_store_session_begin(ltc_store *s, const ltc_hello *h, const char *label, int64_t *id,
                            ltc_err *err) {
  live_session *l = calloc(1, sizeof *l);
  if (!l) return ltc_fail(err, -ENOMEM, "out of memory");
  /* argv as a JSON array (quotes, backslashes and control characters escaped) */
  char *argv_json = NULL;
  sqlite3_str *acc = sqlite3_str_new(s->db);
  sqlite3_str_appendchar(acc, 1, '[');
  for (uint32_t i = 0; i < h->argc; i++) {
    sqlite3_str_appendf(acc, "%s\"", i ? "," : "");
    for (const char *p = h->argv[i]; *p; p++) {
      unsigned char c = (unsigned char)*p;
      if (c == '"' || c == '\\')
        sqlite3_str_appendf(acc, "\\%c", c);
      else if (c < 0x20)
        sqlite3_str_appendf(acc, "\\u%04x", c);
      else
        sqlite3_str_appendchar(acc, 1, (char)c);
    }
    sqlite3_str_appendchar(acc, 1, '"');
  }
  sqlite3_str_appendchar(acc, 1, ']');
  argv_json = sqlite3_str_finish(acc);
  int rc = begin(s, err);
  if (rc == 0) {
    sqlite3_stmt *st = s->st[ST_SESSION_INSERT];
    sqlite3_bind_text(st, 1, h->program, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, argv_json ? argv_json : "[]", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, h->pid);
    char *clean = ltc_utf8_clean(label ? label : h->label, strlen(label ? label : h->label),
                                 NULL);
    sqlite3_bind_text(st, 4, clean ? clean : "", -1, SQLITE_TRANSIENT);
    free(clean);
    sqlite3_bind_text(st, 5, h->clock == LT_WIRE_CLOCK_VIRTUAL ? "virtual" : "real", -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, h->wall_start_ns);
    sqlite3_bind_int64(st, 7, h->mono_start_ns);
    if (h->shuffled) sqlite3_bind_int64(st, 8, (int64_t)h->shuffle_seed);
    sqlite3_bind_text(st, 9, ltc_store_writer_id(), -1, SQLITE_STATIC);
    rc = step(s, ST_SESSION_INSERT, err);
  }
  if (rc == 0) {
    sqlite3_bind_int64(s->st[ST_SESSION_ID], 1, sqlite3_last_insert_rowid(s->db));
    rc = step(s, ST_SESSION_ID, err);
  }
  sqlite3_free(argv_json);
  if (rc < 0) {
    free(l);
    return rc;
  }
  l->id = sqlite3_last_insert_rowid(s->db);
  l->next = s->live;
  s->live = l;
  *id = l->id;
  /* The session exists on disk at once: a browser may list it while it runs. */
  return ltc_store_commit(s, err);
}

static store_block *block_of(live_session *l, uint32_t track) {
  for (uint32_t i = 0; i < l->ntracks; i++)
    if (l->tracks[i].track == track) return &l->tracks[i].block;
  track_block *n = realloc(l->tracks, (l->ntracks + 1) * sizeof *n);
  if (!n) return NULL;
  l->tracks = n;
  memset(&n[l->ntracks], 0, sizeof *n);
  n[l->ntracks].track = track;
  return &n[l->ntracks++].block;
}

static int write_block(ltc_store *s, live_session *l, uint32_t track, store_block *b,
                       ltc_err *err) {
  if (b->count == 0) return 0;
  int rc = begin(s, err);
  if (rc < 0) return rc;
  sqlite3_stmt *st = s->st[ST_BLOCK_INSERT];
  sqlite3_bind_int64(st, 1, l->id);
  sqlite3_bind_int64(st, 2, track);
  sqlite3_bind_int64(st, 3, (int64_t)b->first_seq);
  sqlite3_bind_int64(st, 4, b->count);
  sqlite3_bind_int64(st, 5, b->start_ns);
  sqlite3_bind_int64(st, 6, b->end_ns);
  sqlite3_bind_blob(st, 7, b->data, (int)b->len, SQLITE_STATIC);
  rc = step(s, ST_BLOCK_INSERT, err);
  store_block_reset(b);
  return rc;
}

/* Text is bound SQLITE_STATIC in the writer's statements: each runs (step, reset, clear)
 * before the text it was given can change, so SQLite need not copy it. */
static int bind_text_or_null(sqlite3_stmt *st, int i, const char *t) {
  return t ? sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

/* The derived rows a record feeds: strings, tasks, marks. */
static int derive(ltc_store *s, live_session *l, const ltc_event *e, const ltc_reader *r,
                  ltc_err *err) {
  sqlite3_stmt *st;
  switch (e->kind) {
    case LT_EV_STRING: {
      uint32_t len = 0;
      const char *text = ltc_reader_string(r, e->track, e->a[0] & 0xffffffffu, &len);
      if (!text) return 0;
      st = s->st[ST_STRING_INSERT];
      sqlite3_bind_int64(st, 1, l->id);
      sqlite3_bind_int64(st, 2, e->track);
      sqlite3_bind_int64(st, 3, (int64_t)(e->a[0] & 0xffffffffu));
      sqlite3_bind_text(st, 4, text, (int)len, SQLITE_STATIC);
      return step(s, ST_STRING_INSERT, err);
    }
    case LT_EV_TASK_CREATE: {
      const char *file = NULL, *func = NULL;
      uint32_t line = 0;
      bool site = ltc_reader_site(r, e->track, e->a[2], &file, &func, &line) == 0;
      const char *name = ltc_reader_string(r, e->track, e->a[1], NULL);
      st = s->st[ST_TASK_INSERT];
      sqlite3_bind_int64(st, 1, l->id);
      sqlite3_bind_int64(st, 2, e->track);
      sqlite3_bind_int64(st, 3, e->task);
      sqlite3_bind_text(st, 4, name ? name : "?", -1, SQLITE_STATIC);
      if (e->a[0]) sqlite3_bind_int64(st, 5, (int64_t)e->a[0]);
      bind_text_or_null(st, 6, site ? file : NULL);
      bind_text_or_null(st, 7, site ? func : NULL);
      if (site) sqlite3_bind_int64(st, 8, line);
      sqlite3_bind_int64(st, 9, e->ts);
      return step(s, ST_TASK_INSERT, err);
    }
    case LT_EV_SITE: {
      const char *file = NULL, *func = NULL;
      uint32_t line = 0;
      if (ltc_reader_site(r, e->track, e->a[0], &file, &func, &line) < 0) return 0;
      st = s->st[ST_SITE_INSERT];
      sqlite3_bind_int64(st, 1, l->id);
      sqlite3_bind_int64(st, 2, e->track);
      sqlite3_bind_int64(st, 3, (int64_t)e->a[0]);
      sqlite3_bind_text(st, 4, file ? file : "?", -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 5, func ? func : "?", -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 6, line);
      return step(s, ST_SITE_INSERT, err);
    }
    case LT_EV_TASK_DONE:
      st = s->st[ST_TASK_DONE];
      sqlite3_bind_int64(st, 1, l->id);
      sqlite3_bind_int64(st, 2, e->track);
      sqlite3_bind_int64(st, 3, e->task);
      sqlite3_bind_int64(st, 4, e->ts);
      bind_text_or_null(st, 5, lt_wire_outcome_name(e->flags)); /* NULL: not an outcome */
      sqlite3_bind_int64(st, 6, (int64_t)e->a[0]);
      return step(s, ST_TASK_DONE, err);
    case LT_EV_MARK: {
      uint32_t len = 0;
      const char *text = ltc_reader_string(r, e->track, e->a[0], &len);
      st = s->st[ST_MARK_INSERT];
      sqlite3_bind_int64(st, 1, l->id);
      sqlite3_bind_int64(st, 2, e->track);
      sqlite3_bind_int64(st, 3, (int64_t)e->seq);
      sqlite3_bind_int64(st, 4, e->ts);
      sqlite3_bind_int64(st, 5, e->task);
      sqlite3_bind_text(st, 6, text ? text : "?", text ? (int)len : -1, SQLITE_STATIC);
      return step(s, ST_MARK_INSERT, err);
    }
    default: return 0;
  }
}

int ltc_store_session_event(ltc_store *s, int64_t id, const ltc_event *e, const ltc_reader *r,
                            ltc_err *err) {
  live_session *l = find_live(s, id);
  if (!l) return ltc_fail(err, -ENOENT, "session %lld is not being written", (long long)id);
  store_block *b = block_of(l, e->track);
  if (!b) return ltc_fail(err, -ENOMEM, "out of memory");
  /* A block holds consecutive records: a gap (records lost) starts a new one. */
  if (b->count && (b->count == LTC_STORE_BLOCK_EVENTS || e->seq != b->first_seq + b->count)) {
    int rc = write_block(s, l, e->track, b, err);
    if (rc < 0) return rc;
  }
  if (store_block_add(b, e) < 0) return ltc_fail(err, -ENOMEM, "out of memory");
  int rc = begin(s, err);
  if (rc == 0) rc = derive(s, l, e, r, err);
  if (rc < 0) return rc;
  l->events++;
  if (e->kind == LT_EV_LOST) l->lost += e->a[0];
  if (!ltc_kind_defines(e->kind) && e->kind != LT_EV_TRACK) {
    if (!l->have_time || e->ts < l->start_ns) l->start_ns = e->ts;
    if (!l->have_time || e->ts > l->end_ns) l->end_ns = e->ts;
    l->have_time = true;
  }
  l->dirty = true;
  return 0;
}

static int flush_session(ltc_store *s, live_session *l, ltc_err *err) {
  for (uint32_t i = 0; i < l->ntracks; i++) {
    int rc = write_block(s, l, l->tracks[i].track, &l->tracks[i].block, err);
    if (rc < 0) return rc;
  }
  if (!l->dirty) return 0;
  int rc = begin(s, err);
  if (rc < 0) return rc;
  sqlite3_stmt *st = s->st[ST_SESSION_PROGRESS];
  sqlite3_bind_int64(st, 1, l->id);
  sqlite3_bind_int64(st, 2, (int64_t)l->events);
  sqlite3_bind_int64(st, 3, (int64_t)l->lost);
  if (l->have_time) {
    sqlite3_bind_int64(st, 4, l->start_ns);
    sqlite3_bind_int64(st, 5, l->end_ns);
  }
  l->dirty = false;
  return step(s, ST_SESSION_PROGRESS, err);
}

int ltc_store_commit(ltc_store *s, ltc_err *err) {
  for (live_session *l = s->live; l; l = l->next) {
    int rc = flush_session(s, l, err);
    if (rc < 0) return rc;
  }
  if (!s->in_tx) return 0;
  s->in_tx = false;
  return ltc_store_exec(s, "COMMIT", err);
}

int ltc_store_session_end(ltc_store *s, int64_t id, const char *status, uint64_t lost,
                          const char *error, ltc_err *err) {
  live_session *l = find_live(s, id);
  int rc = 0;
  if (l) {
    if (lost > l->lost) l->lost = lost;
    l->dirty = true;
    rc = flush_session(s, l, err);
  }
  /* A session already ended may be restated (record learns after its stream ended that the
   * program was killed); an id that was never written is refused. */
  if (rc == 0) rc = begin(s, err);
  if (rc == 0) {
    sqlite3_stmt *st = s->st[ST_SESSION_END];
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 3, error && *error ? error : NULL);
    rc = step(s, ST_SESSION_END, err);
    if (rc == 0 && sqlite3_changes(s->db) == 0)
      rc = ltc_fail(err, -ENOENT, "no session %lld", (long long)id);
  }
  if (l) {
    for (live_session **p = &s->live; *p; p = &(*p)->next)
      if (*p == l) {
        *p = l->next;
        break;
      }
    live_free(l);
  }
  int crc = ltc_store_commit(s, rc < 0 ? NULL : err);
  return rc < 0 ? rc : crc;
}

/* Small writes the web API asks for; the daemon runs them on its writer thread. */
static int run_one(ltc_store *s, const char *sql, int64_t id, const char *text, ltc_err *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
    return ltc_store_fail(s, err, sql);
  sqlite3_bind_int64(st, 1, id);
  if (text) sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ltc_store_fail(s, err, sql);
  sqlite3_finalize(st);
  if (rc == 0 && sqlite3_changes(s->db) == 0)
    rc = ltc_fail(err, -ENOENT, "no session %lld", (long long)id);
  return rc;
}

static int busy(int64_t id, ltc_err *err) {
  return ltc_fail(err, -EBUSY, "session %lld is still being recorded", (long long)id);
}

int ltc_store_session_label(ltc_store *s, int64_t id, const char *label, ltc_err *err) {
  char *clean = ltc_utf8_clean(label, strlen(label), NULL); /* a label is text, like a trace's */
  int rc = clean ? ltc_store_commit(s, err) : ltc_fail(err, -ENOMEM, "out of memory");
  if (rc == 0) rc = run_one(s, "UPDATE sessions SET label = ?2 WHERE id = ?1", id, clean, err);
  free(clean);
  return rc;
}

int ltc_store_session_delete(ltc_store *s, int64_t id, ltc_err *err) {
  if (find_live(s, id)) return busy(id, err); /* still being written: its stream owns it */
  int rc = ltc_store_commit(s, err);
  /* foreign keys cascade to its blocks, strings, tasks and marks */
  if (rc == 0)
    rc = run_one(s, "DELETE FROM sessions WHERE id = ?1 AND status != 'live'", id, NULL, err);
  ltc_session_row row; /* live, but written by another process (record straight to the file) */
  if (rc == -ENOENT && ltc_store_session_row(s, id, &row, NULL) == 0) rc = busy(id, err);
  return rc;
}

int ltc_store_checkpoint_in_background(ltc_store *s, const char *path, ltc_err *err) {
  return ltc_checkpointer_start(s->db, path, &s->checkpointer, err);
}

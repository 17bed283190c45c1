/* writer.c: the session writer (see store.h): a session's records packed in blocks per
 * track, and the rows they feed (strings, tasks, sites, marks), kept as pending rows
 * (pending.c) and written in one transaction per commit, which a failed commit leaves to the
 * next; a session's beginning, written at once; and the small writes the API asks for (label,
 * delete). Prepared statements only. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/utf8.h"
#include "store/codec.h"
#include "store/chstore-int.h"
#include "store/store-int.h"

static const char *const statements[ST_COUNT] = {
    [ST_SESSION_INSERT] =
        "INSERT INTO sessions (id, program, argv, pid, label, clock, started_wall_ns, "
        "mono_start_ns, status, shuffle_seed, writer, flight_from_ns, flight_to_ns, "
        "flight_lost, flight_dump) VALUES ((SELECT value + 1 FROM meta "
        "WHERE key = 'last_session'), ?, ?, ?, ?, ?, ?, ?, 'live', ?, ?, ?, ?, ?, ?)",
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
    [ST_TASK_RENAME] = "UPDATE tasks SET name = ?4 WHERE session = ?1 AND track = ?2 AND task = ?3",
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
  uint64_t committed; /* of events, those a commit has stored */
  bool ended;         /* its stream ended; kept until its end is committed */
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
  ltc_pending_free(s);
}

int ltc_store_prepare(ltc_store *s, ltc_err *err) {
  for (int i = 0; i < ST_COUNT; i++)
    if (sqlite3_prepare_v3(s->db, statements[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
                           NULL) != SQLITE_OK)
      return ltc_store_fail(s, err, "preparing");
  return 0;
}

/* Runs a prepared statement at once, to its end, and resets it. */
static int step(ltc_store *s, int which, ltc_err *err) {
  sqlite3_stmt *st = s->st[which];
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ltc_store_fail(s, err, statements[which]);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc;
}

static live_session *find_live(ltc_store *s, int64_t id) {
  for (live_session *l = s->live; l; l = l->next)
    if (l->id == id && !l->ended) return l;
  return NULL;
}

/* After a commit that stored everything: every session's records are, and those that ended
 * are written whole. */
static void committed(ltc_store *s) {
  for (live_session **p = &s->live; *p;) {
    live_session *l = *p;
    l->committed = l->events;
    if (l->ended) {
      *p = l->next;
      live_free(l);
    } else {
      p = &l->next;
    }
  }
}

static int oom(ltc_err *err) { return ltc_fail(err, -ENOMEM, "out of memory"); }

/* argv as a JSON array (quotes, backslashes and control characters escaped) */
char *ltc_store_argv_json(const ltc_hello *h) {
  sqlite3_str *acc = sqlite3_str_new(NULL);
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
  return sqlite3_str_finish(acc);
}

int ltc_store_session_begin(ltc_store *s, const ltc_hello *h, const char *label, int64_t *id,
                            ltc_err *err) {
  /* The session exists on disk at once, in its own transaction (after what is pending): a
   * browser may list it while it runs, and its id, read from meta, is known to be free. */
  int rc = ltc_store_commit(s, err);
  if (rc < 0 && !s->ch) return rc;
  rc = 0; /* ClickHouse away: the session's row waits with the rest (the next commit says) */
  live_session *l = calloc(1, sizeof *l);
  char *args = s->ch ? NULL : ltc_store_argv_json(h);
  char *clean = ltc_utf8_clean(label ? label : h->label, strlen(label ? label : h->label), NULL);
  if (!l || !clean) rc = oom(err);
  if (rc == 0 && s->ch) {
    rc = ltc_ch_begin(s, h, clean, &l->id, err);
  } else if (rc == 0) rc = ltc_store_exec(s, "BEGIN IMMEDIATE", err);
  if (rc == 0 && !s->ch) {
    sqlite3_stmt *st = s->st[ST_SESSION_INSERT];
    sqlite3_bind_text(st, 1, h->program, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, args ? args : "[]", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, h->pid);
    sqlite3_bind_text(st, 4, clean, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, h->clock == LT_WIRE_CLOCK_VIRTUAL ? "virtual" : "real", -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, h->wall_start_ns);
    sqlite3_bind_int64(st, 7, h->mono_start_ns);
    if (h->shuffled) sqlite3_bind_int64(st, 8, (int64_t)h->shuffle_seed);
    sqlite3_bind_text(st, 9, ltc_store_writer_id(), -1, SQLITE_STATIC);
    if (h->flight) {
      sqlite3_bind_int64(st, 10, h->flight_from_ns);
      sqlite3_bind_int64(st, 11, h->flight_to_ns);
      sqlite3_bind_int64(st, 12, (int64_t)h->flight_lost);
      sqlite3_bind_int64(st, 13, (int64_t)h->flight_dump);
    }
    rc = step(s, ST_SESSION_INSERT, err);
    if (rc == 0) {
      l->id = sqlite3_last_insert_rowid(s->db);
      sqlite3_bind_int64(s->st[ST_SESSION_ID], 1, l->id);
      rc = step(s, ST_SESSION_ID, err);
    }
    if (rc == 0) rc = ltc_store_exec(s, "COMMIT", err);
    if (rc < 0 && !sqlite3_get_autocommit(s->db)) ltc_store_exec(s, "ROLLBACK", NULL);
  }
  sqlite3_free(args);
  free(clean);
  if (rc < 0) {
    free(l);
    return rc;
  }
  l->next = s->live;
  s->live = l;
  *id = l->id;
  return 0;
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

/* The block's records, as a pending row; the block starts over. */
static int keep_block(ltc_store *s, live_session *l, uint32_t track, store_block *b) {
  if (b->count == 0) return 0;
  ltc_value v[] = {ltc_int(l->id),         ltc_int(track),      ltc_int((int64_t)b->first_seq),
                   ltc_int(b->count),      ltc_int(b->start_ns), ltc_int(b->end_ns),
                   ltc_blob(b->data, b->len)};
  int rc = ltc_pending_add(s, ST_BLOCK_INSERT, v, 7, b->count);
  store_block_reset(b);
  return rc;
}

/* The derived rows a record feeds: strings, tasks (and their renames), sites, marks. */
static int derive(ltc_store *s, live_session *l, const ltc_event *e, const ltc_reader *r) {
  ltc_value id = ltc_int(l->id), track = ltc_int(e->track);
  switch (e->kind) {
    case LT_EV_STRING: {
      uint32_t len = 0;
      const char *text = ltc_reader_string(r, e->track, e->a[0] & 0xffffffffu, &len);
      if (!text) return 0;
      ltc_value v[] = {id, track, ltc_int((int64_t)(e->a[0] & 0xffffffffu)), ltc_textn(text, len)};
      return ltc_pending_add(s, ST_STRING_INSERT, v, 4, 0);
    }
    case LT_EV_TASK_CREATE: {
      const char *file = NULL, *func = NULL, *name = ltc_reader_string(r, e->track, e->a[1], NULL);
      uint32_t line = 0;
      bool site = ltc_reader_site(r, e->track, e->a[2], &file, &func, &line) == 0;
      ltc_value v[] = {id, track, ltc_int(e->task), ltc_text(name ? name : "?"),
                       e->a[0] ? ltc_int((int64_t)e->a[0]) : ltc_null(),
                       ltc_text(site ? file : NULL), ltc_text(site ? func : NULL),
                       site ? ltc_int(line) : ltc_null(), ltc_int(e->ts)};
      return ltc_pending_add(s, ST_TASK_INSERT, v, 9, 0);
    }
    case LT_EV_SITE: {
      const char *file = NULL, *func = NULL;
      uint32_t line = 0;
      if (ltc_reader_site(r, e->track, e->a[0], &file, &func, &line) < 0) return 0;
      ltc_value v[] = {id, track, ltc_int((int64_t)e->a[0]), ltc_text(file ? file : "?"),
                       ltc_text(func ? func : "?"), ltc_int(line)};
      return ltc_pending_add(s, ST_SITE_INSERT, v, 6, 0);
    }
    case LT_EV_TASK_DONE: {
      ltc_value v[] = {id, track, ltc_int(e->task), ltc_int(e->ts),
                       ltc_text(lt_wire_outcome_name(e->flags)), /* NULL: not an outcome */
                       ltc_int((int64_t)e->a[0])};
      return ltc_pending_add(s, ST_TASK_DONE, v, 6, 0);
    }
    case LT_EV_TASK_RENAME: { /* the lane takes the name the task has now */
      uint32_t len = 0;
      const char *name = ltc_reader_string(r, e->track, e->a[0], &len);
      if (!name) return 0;
      ltc_value v[] = {id, track, ltc_int(e->task), ltc_textn(name, len)};
      return ltc_pending_add(s, ST_TASK_RENAME, v, 4, 0);
    }
    case LT_EV_MARK: {
      uint32_t len = 0;
      const char *text = ltc_reader_string(r, e->track, e->a[0], &len);
      ltc_value v[] = {id, track, ltc_int((int64_t)e->seq), ltc_int(e->ts), ltc_int(e->task),
                       text ? ltc_textn(text, len) : ltc_text("?")};
      return ltc_pending_add(s, ST_MARK_INSERT, v, 6, 0);
    }
    default: return 0;
  }
}

int ltc_store_session_event(ltc_store *s, int64_t id, const ltc_event *e, const ltc_reader *r,
                            ltc_err *err) {
  live_session *l = find_live(s, id);
  if (!l) return ltc_fail(err, -ENOENT, "session %lld is not being written", (long long)id);
  store_block *b = block_of(l, e->track);
  if (!b) return oom(err);
  /* A block holds consecutive records: a gap (records lost) starts a new one. */
  if (b->count && (b->count == LTC_STORE_BLOCK_EVENTS || e->seq != b->first_seq + b->count) &&
      keep_block(s, l, e->track, b) < 0)
    return oom(err);
  if (store_block_add(b, e) < 0 || derive(s, l, e, r) < 0 ||
      (s->ch && ltc_ch_step(s, id, e) < 0))
    return oom(err);
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

/* The session's open blocks and its progress, as pending rows. */
static int keep_session(ltc_store *s, live_session *l) {
  for (uint32_t i = 0; i < l->ntracks; i++)
    if (keep_block(s, l, l->tracks[i].track, &l->tracks[i].block) < 0) return -ENOMEM;
  if (!l->dirty) return 0;
  ltc_value v[] = {ltc_int(l->id), ltc_int((int64_t)l->events), ltc_int((int64_t)l->lost),
                   l->have_time ? ltc_int(l->start_ns) : ltc_null(),
                   l->have_time ? ltc_int(l->end_ns) : ltc_null()};
  l->dirty = false;
  return ltc_pending_add(s, ST_SESSION_PROGRESS, v, 5, 0);
}

int ltc_store_commit(ltc_store *s, ltc_err *err) {
  for (live_session *l = s->live; l; l = l->next)
    if (!l->ended && keep_session(s, l) < 0) return oom(err);
  int rc = s->ch ? ltc_ch_commit(s, err) : ltc_pending_run(s, err);
  if (rc == 0) committed(s);
  return rc;
}

int ltc_store_keep_reserve(ltc_store *s, const char *path, size_t bytes, ltc_err *err) {
  if (s->ch) return 0; /* ClickHouse's disk is not this machine's; what it cannot take spools */
  snprintf(s->reserve, sizeof s->reserve, "%s-reserve", path);
  int fd = open(s->reserve, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int rc = fd < 0 ? -errno : posix_fallocate(fd, 0, (off_t)bytes) ? -ENOSPC : 0;
  if (fd >= 0) close(fd);
  if (rc < 0) {
    unlink(s->reserve);
    s->reserve[0] = 0;
    return ltc_fail(err, rc, "keeping %zu bytes in reserve: %s", bytes, strerror(-rc));
  }
  return 0;
}

int ltc_store_give_up(ltc_store *s, uint64_t *unstored, ltc_err *err) {
  if (s->ch) {
    int rc = ltc_ch_give_up(s, unstored, err);
    ltc_store_free_live(s);
    return rc;
  }
  ltc_pending_free(s); /* what could not be written is let go of: counted below */
  if (s->reserve[0]) unlink(s->reserve); /* room for the few bytes below */
  s->reserve[0] = 0;
  *unstored = 0;
  int rc = ltc_store_exec(s, "BEGIN", err);
  for (live_session *l = s->live; rc == 0 && l; l = l->next) {
    uint64_t lost = l->events - l->committed;
    *unstored += lost;
    char sql[512];
    snprintf(sql, sizeof sql,
             "UPDATE sessions SET status = 'interrupted', writer = NULL, unstored = %llu, "
             "error = 'the disk was full: %llu of its records could not be stored' "
             "WHERE id = %lld",
             (unsigned long long)lost, (unsigned long long)lost, (long long)l->id);
    rc = ltc_store_exec(s, sql, err);
  }
  if (rc == 0) rc = ltc_store_exec(s, "COMMIT", err);
  if (rc < 0 && !sqlite3_get_autocommit(s->db)) ltc_store_exec(s, "ROLLBACK", NULL);
  while (s->live) {
    live_session *l = s->live;
    s->live = l->next;
    live_free(l);
  }
  return rc;
}

uint64_t ltc_store_waiting(const ltc_store *s) {
  uint64_t n = 0;
  for (const live_session *l = s->live; l; l = l->next) n += l->events - l->committed;
  return n;
}

int ltc_store_session_end(ltc_store *s, int64_t id, const char *status, uint64_t lost,
                          const char *error, ltc_err *err) {
  live_session *l = find_live(s, id);
  if (l) {
    if (lost > l->lost) l->lost = lost;
    l->dirty = true;
    l->ended = true; /* freed once its end is committed */
    if (keep_session(s, l) < 0) return oom(err);
  } else {
    /* A session already ended may be restated (record learns after its stream ended that
     * the program was killed); an id that was never written is refused. */
    ltc_session_row row;
    int rc = s->ch ? ltc_ch_restate(s, id, err) : ltc_store_session_row(s, id, &row, err);
    if (rc < 0) return rc;
  }
  ltc_value v[] = {ltc_int(id), ltc_text(status), ltc_text(error && *error ? error : NULL)};
  if (ltc_pending_add(s, ST_SESSION_END, v, 3, 0) < 0) return oom(err);
  return ltc_store_commit(s, err);
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
  if (s->ch) return ltc_ch_label(s, id, label, err);
  char *clean = ltc_utf8_clean(label, strlen(label), NULL); /* a label is text, like a trace's */
  int rc = clean ? ltc_store_commit(s, err) : oom(err); /* its own transaction, after the rest */
  if (rc == 0) rc = run_one(s, "UPDATE sessions SET label = ?2 WHERE id = ?1", id, clean, err);
  free(clean);
  return rc;
}

int ltc_store_session_delete(ltc_store *s, int64_t id, ltc_err *err) {
  if (find_live(s, id)) return busy(id, err); /* still being written: its stream owns it */
  if (s->ch) return ltc_ch_delete(s, id, err);
  int rc = ltc_store_commit(s, err);
  /* foreign keys cascade to its blocks, strings, tasks and marks */
  if (rc == 0)
    rc = run_one(s, "DELETE FROM sessions WHERE id = ?1 AND status != 'live'", id, NULL, err);
  ltc_session_row row; /* live, but written by another process (record straight to the file) */
  if (rc == -ENOENT && ltc_store_session_row(s, id, &row, NULL) == 0) rc = busy(id, err);
  return rc;
}

int ltc_store_checkpoint_in_background(ltc_store *s, const char *path, ltc_err *err) {
  return s->ch ? 0 : ltc_checkpointer_start(s->db, path, &s->checkpointer, err);
}

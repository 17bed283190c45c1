/* store.c: the SQLite store (see store.h, docs/schema.md): schema, pragmas, the batching
 * session writer and session listing. Prepared statements only. */
#define _GNU_SOURCE
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_codec.h"
#include "store_internal.h"
#include "replay.h"

/* The records, packed: its own text, for rebuilding an older layout too (below). */
#define EVENT_BLOCKS \
    "CREATE TABLE IF NOT EXISTS event_blocks (\n" \
    "  session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,\n" \
    "  track INTEGER NOT NULL,            -- a loop or a worker thread\n" \
    "  first_seq INTEGER NOT NULL,        -- records are first_seq, first_seq + 1, ...\n" \
    "  count INTEGER NOT NULL,\n" \
    "  start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL,\n" \
    "  data BLOB NOT NULL,                -- packed records (collector/src/store_codec.h)\n" \
    "  UNIQUE (session, track, first_seq) -- a rowid table: see docs/schema.md for why\n" \
    ");\n" \
    "-- time-window reads: the blocks of a session that start before a window's end and end\n" \
    "-- after its start, told apart from the index alone\n" \
    "CREATE INDEX IF NOT EXISTS event_blocks_by_time ON event_blocks (session, start_ns, end_ns);\n"

/* What programs printed: a rowid table, so that a line is an append (a WITHOUT ROWID table
 * keyed by (session, track, seq) seeks for every insert: print-heavy ingest was 25% slower). */
#define MARKS \
    "CREATE TABLE IF NOT EXISTS marks (   -- lt_mark / lt_print lines, for reading without decoding\n" \
    "  session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,\n" \
    "  track INTEGER NOT NULL, seq INTEGER NOT NULL, -- the record's place in its track\n" \
    "  ts INTEGER NOT NULL, task INTEGER NOT NULL, text TEXT NOT NULL\n" \
    ");\n" \
    "-- the marks of a time window, for drawing them on a zoomed-out timeline\n" \
    "CREATE INDEX IF NOT EXISTS marks_by_time ON marks (session, ts);\n"

/* The schema: every table says what a row is; docs/schema.md has the long form. */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS sessions (\n"
    "  id INTEGER PRIMARY KEY,            -- one traced run (one stream)\n"
    "  program TEXT NOT NULL,\n"
    "  argv TEXT NOT NULL,                -- JSON array\n"
    "  pid INTEGER,\n"
    "  label TEXT NOT NULL DEFAULT '',\n"
    "  clock TEXT NOT NULL CHECK (clock IN ('real', 'virtual')),\n"
    "  started_wall_ns INTEGER,           -- CLOCK_REALTIME when the run began\n"
    "  mono_start_ns INTEGER,             -- CLOCK_MONOTONIC at the same moment\n"
    "  start_ns INTEGER, end_ns INTEGER,  -- first and last event, on the trace clock\n"
    "  status TEXT NOT NULL CHECK (status IN\n"
    "    ('live', 'complete', 'truncated', 'aborted', 'interrupted')),\n"
    "  events INTEGER NOT NULL DEFAULT 0, -- records stored\n"
    "  lost INTEGER NOT NULL DEFAULT 0,   -- records the program dropped (drop mode)\n"
    "  error TEXT,                        -- why a stream was cut or corrupt\n"
    "  shuffle_seed INTEGER               -- shuffle mode's seed (as i64); NULL: FIFO\n"
    ");\n"
    EVENT_BLOCKS
    "CREATE TABLE IF NOT EXISTS strings (\n"
    "  session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,\n"
    "  track INTEGER NOT NULL, id INTEGER NOT NULL, text TEXT NOT NULL,\n"
    "  PRIMARY KEY (session, track, id)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE IF NOT EXISTS tasks (\n"
    "  session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,\n"
    "  track INTEGER NOT NULL, task INTEGER NOT NULL,\n"
    "  name TEXT NOT NULL, parent INTEGER,  -- parent: a task of the same track, NULL at top\n"
    "  spawn_file TEXT, spawn_func TEXT, spawn_line INTEGER,\n"
    "  created_ns INTEGER NOT NULL, finished_ns INTEGER,\n"
    "  outcome TEXT CHECK (outcome IN ('result', 'error', 'cancelled')),\n"
    "  status INTEGER,                    -- 0 or -errno when it ended\n"
    "  PRIMARY KEY (session, track, task)\n"
    ") WITHOUT ROWID;\n"
    MARKS
    "CREATE TABLE IF NOT EXISTS sites (   -- where in the source a task was spawned or awaited\n"
    "  session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,\n"
    "  track INTEGER NOT NULL, id INTEGER NOT NULL,\n"
    "  file TEXT NOT NULL, func TEXT NOT NULL, line INTEGER NOT NULL,\n"
    "  PRIMARY KEY (session, track, id)\n"
    ") WITHOUT ROWID;\n";



static const char *const statements[ST_COUNT] = {
    [ST_SESSION_INSERT] =
        "INSERT INTO sessions (program, argv, pid, label, clock, started_wall_ns, "
        "mono_start_ns, status, shuffle_seed) VALUES (?, ?, ?, ?, ?, ?, ?, 'live', ?)",
    [ST_SESSION_PROGRESS] =
        "UPDATE sessions SET events = ?2, lost = ?3, start_ns = coalesce(start_ns, ?4), "
        "end_ns = max(coalesce(end_ns, ?5), ?5) WHERE id = ?1",
    [ST_SESSION_END] = "UPDATE sessions SET status = ?2, error = ?3 WHERE id = ?1",
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



const char *ltc_store_error(const ltc_store *s) { return s->error; }

int ltc_store_fail(ltc_store *s, const char *what) {
  snprintf(s->error, sizeof s->error, "%s: %s", what, sqlite3_errmsg(s->db));
  return -EIO;
}

int ltc_store_exec(ltc_store *s, const char *sql) {
  char *msg = NULL;
  if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(s->error, sizeof s->error, "%s", msg ? msg : "sqlite error");
    sqlite3_free(msg);
    return -EIO;
  }
  return 0;
}


static int mkdirs(const char *dir) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s", dir);
  for (char *p = tmp + 1; *p; p++)
    if (*p == '/') {
      *p = 0;
      if (mkdir(tmp, 0700) < 0 && errno != EEXIST) return -errno;
      *p = '/';
    }
  if (mkdir(tmp, 0700) < 0 && errno != EEXIST) return -errno;
  return 0;
}

/* Databases made before sessions had shuffle_seed get the column (NULL: FIFO, which is what
 * every run before shuffle mode was). */
static int add_shuffle_seed(ltc_store *s) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM pragma_table_info('sessions') "
                                "WHERE name = 'shuffle_seed'", -1, &st, NULL) != SQLITE_OK)
    return ltc_store_fail(s, "schema");
  bool have = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
  sqlite3_finalize(st);
  return have ? 0 : ltc_store_exec(s, "ALTER TABLE sessions ADD COLUMN shuffle_seed INTEGER");
}

/* A table made WITHOUT ROWID by an earlier release (event_blocks, marks) is rebuilt in
 * today's layout (ddl: its table and index), in one transaction. Why each is a rowid table
 * now: event_blocks' rows are blocks of tens of kB, which SQLite reads whole to compare keys
 * in a WITHOUT ROWID table (5x slower windows); marks, see MARKS. */
static int rebuild_as_rowid(ltc_store *s, const char *table, const char *index, const char *ddl,
                            const char *columns) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_schema "
                                "WHERE type = 'table' AND name = ?", -1, &st, NULL) != SQLITE_OK)
    return ltc_store_fail(s, "schema");
  sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
  bool old = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (!old) return 0;
  char sql[4096]; /* the old table is read in its key's order: the new rows keep it */
  int n = snprintf(sql, sizeof sql,
                   "BEGIN; ALTER TABLE %s RENAME TO %s_without_rowid; DROP INDEX IF EXISTS %s; "
                   "%s INSERT INTO %s (%s) SELECT %s FROM %s_without_rowid; "
                   "DROP TABLE %s_without_rowid; COMMIT;",
                   table, table, index, ddl, table, columns, columns, table, table);
  if (n < 0 || (size_t)n >= sizeof sql) {
    snprintf(s->error, sizeof s->error, "rebuilding %s: the statement is too long", table);
    return -ENAMETOOLONG;
  }
  return ltc_store_exec(s, sql);
}

static int rowid_tables(ltc_store *s) {
  int rc = rebuild_as_rowid(s, "event_blocks", "event_blocks_by_time", EVENT_BLOCKS,
                            "session, track, first_seq, count, start_ns, end_ns, data");
  if (rc == 0)
    rc = rebuild_as_rowid(s, "marks", "marks_by_time", MARKS, "session, track, seq, ts, task, text");
  return rc;
}

const char *ltc_store_default_path(char *buf, size_t len) {
  const char *env = getenv("LOOPTRACE_DB");
  if (env && *env) {
    snprintf(buf, len, "%s", env);
    return buf;
  }
  const char *xdg = getenv("XDG_DATA_HOME");
  const char *home = getenv("HOME");
  char dir[4096];
  if (xdg && *xdg)
    snprintf(dir, sizeof dir, "%s/looptrace", xdg);
  else
    snprintf(dir, sizeof dir, "%s/.local/share/looptrace", home && *home ? home : "/tmp");
  mkdirs(dir);
  snprintf(buf, len, "%s/looptrace.db", dir);
  return buf;
}

/* Process-wide SQLite settings, before its first use: no memory statistics, which otherwise
 * take a global mutex around every allocation SQLite makes (a print-heavy ingest allocates
 * for every row). Harmless if something used SQLite first: then it is simply left as is. */
static void sqlite_setup(void) { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

int ltc_store_open(const char *path, ltc_store **out, char *err, size_t errlen) {
  pthread_once(&sqlite_once, sqlite_setup);
  ltc_store *s = calloc(1, sizeof *s);
  if (!s) return -ENOMEM;
  int rc = -EIO;
  /* NOMUTEX: a store is used by one thread at a time (store.h), so SQLite's per-call
   * connection mutex is pure cost (8% of a print-heavy ingest in perf) */
  if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
      SQLITE_OK) {
    snprintf(err, errlen, "cannot open %s: %s", path, sqlite3_errmsg(s->db));
    goto bad;
  }
  sqlite3_busy_timeout(s->db, 5000);
  /* WAL: readers (the web API) never block the writer. synchronous=NORMAL: a commit is not
   * fsynced, so a power cut may lose the last moments, but never corrupts the file; a process
   * that is killed (kill -9) loses nothing it committed. */
  if (ltc_store_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;") ||
      rowid_tables(s) || ltc_store_exec(s, schema) || add_shuffle_seed(s) ||
      /* Sessions left live by a writer that died: they will never be finished now. */
      ltc_store_exec(s, "UPDATE sessions SET status = 'interrupted' WHERE status = 'live'")) {
    snprintf(err, errlen, "%s: %s", path, s->error);
    goto bad;
  }
  for (int i = 0; i < ST_COUNT; i++)
    if (sqlite3_prepare_v3(s->db, statements[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
                           NULL) != SQLITE_OK) {
      snprintf(err, errlen, "%s: preparing: %s", path, sqlite3_errmsg(s->db));
      goto bad;
    }
  *out = s;
  return 0;
bad:
  ltc_store_close(s);
  return rc;
}

int ltc_store_open_reader(const char *path, ltc_store **out, char *err, size_t errlen) {
  pthread_once(&sqlite_once, sqlite_setup);
  ltc_store *s = calloc(1, sizeof *s);
  if (!s) return -ENOMEM;
  s->reader = true;
  /* Read-write at the file level (WAL readers update the shared-memory index), but
   * query_only: this connection never changes the database. */
  if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
      ltc_store_exec(s, "PRAGMA query_only=1; PRAGMA cache_size=-65536")) {
    snprintf(err, errlen, "cannot open %s: %s", path, sqlite3_errmsg(s->db));
    ltc_store_close(s);
    return -EIO;
  }
  sqlite3_busy_timeout(s->db, 5000);
  *out = s;
  return 0;
}

static void live_free(live_session *l) {
  for (uint32_t i = 0; i < l->ntracks; i++) store_block_free(&l->tracks[i].block);
  free(l->tracks);
  free(l);
}

void ltc_store_close(ltc_store *s) {
  if (!s) return;
  if (s->in_tx) ltc_store_commit(s);
  if (s->checkpointer) {
    ltc_checkpointer_stop(s->checkpointer);
    sqlite3_wal_hook(s->db, NULL, NULL);
    s->checkpointer = NULL; /* closing the last connection checkpoints what is left */
  }
  while (s->live) {
    live_session *l = s->live;
    s->live = l->next;
    live_free(l);
  }
  ltc_replay_cache_free(s->replay);
  for (int i = 0; i < ST_COUNT; i++) sqlite3_finalize(s->st[i]);
  for (int i = 0; i < 2; i++) sqlite3_finalize(s->lookup[i]);
  sqlite3_close(s->db);
  free(s);
}

static int begin(ltc_store *s) {
  if (s->in_tx) return 0;
  if (ltc_store_exec(s, "BEGIN")) return -EIO;
  s->in_tx = true;
  return 0;
}

/* Runs a prepared statement to its end and resets it. */
static int step(ltc_store *s, int which) {
  sqlite3_stmt *st = s->st[which];
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc == SQLITE_DONE ? 0 : ltc_store_fail(s, statements[which]);
}

static live_session *find_live(ltc_store *s, int64_t id) {
  for (live_session *l = s->live; l; l = l->next)
    if (l->id == id) return l;
  return NULL;
}

int ltc_store_session_begin(ltc_store *s, const ltc_hello *h, const char *label, int64_t *id) {
  live_session *l = calloc(1, sizeof *l);
  if (!l) return -ENOMEM;
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
  int rc = begin(s);
  if (rc == 0) {
    sqlite3_stmt *st = s->st[ST_SESSION_INSERT];
    sqlite3_bind_text(st, 1, h->program, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, argv_json ? argv_json : "[]", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, h->pid);
    sqlite3_bind_text(st, 4, label ? label : h->label, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, h->clock == LT_WIRE_CLOCK_VIRTUAL ? "virtual" : "real", -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, h->wall_start_ns);
    sqlite3_bind_int64(st, 7, h->mono_start_ns);
    if (h->shuffled) sqlite3_bind_int64(st, 8, (int64_t)h->shuffle_seed);
    rc = step(s, ST_SESSION_INSERT);
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
  return ltc_store_commit(s);
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

static int write_block(ltc_store *s, live_session *l, uint32_t track, store_block *b) {
  if (b->count == 0) return 0;
  int rc = begin(s);
  if (rc < 0) return rc;
  sqlite3_stmt *st = s->st[ST_BLOCK_INSERT];
  sqlite3_bind_int64(st, 1, l->id);
  sqlite3_bind_int64(st, 2, track);
  sqlite3_bind_int64(st, 3, (int64_t)b->first_seq);
  sqlite3_bind_int64(st, 4, b->count);
  sqlite3_bind_int64(st, 5, b->start_ns);
  sqlite3_bind_int64(st, 6, b->end_ns);
  sqlite3_bind_blob(st, 7, b->data, (int)b->len, SQLITE_STATIC);
  rc = step(s, ST_BLOCK_INSERT);
  store_block_reset(b);
  return rc;
}

/* Text is bound SQLITE_STATIC in the writer's statements: each runs (step, reset, clear)
 * before the text it was given can change, so SQLite need not copy it. */
static int bind_text_or_null(sqlite3_stmt *st, int i, const char *t) {
  return t ? sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

/* The derived rows a record feeds: strings, tasks, marks. */
static int derive(ltc_store *s, live_session *l, const ltc_event *e, const ltc_reader *r) {
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
      return step(s, ST_STRING_INSERT);
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
      return step(s, ST_TASK_INSERT);
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
      return step(s, ST_SITE_INSERT);
    }
    case LT_EV_TASK_DONE:
      st = s->st[ST_TASK_DONE];
      sqlite3_bind_int64(st, 1, l->id);
      sqlite3_bind_int64(st, 2, e->track);
      sqlite3_bind_int64(st, 3, e->task);
      sqlite3_bind_int64(st, 4, e->ts);
      sqlite3_bind_text(st, 5,
                        e->flags == LT_OUTCOME_RESULT  ? "result"
                        : e->flags == LT_OUTCOME_ERROR ? "error"
                                                       : "cancelled",
                        -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 6, (int64_t)e->a[0]);
      return step(s, ST_TASK_DONE);
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
      return step(s, ST_MARK_INSERT);
    }
    default: return 0;
  }
}

int ltc_store_session_event(ltc_store *s, int64_t id, const ltc_event *e, const ltc_reader *r) {
  live_session *l = find_live(s, id);
  if (!l) return -ENOENT;
  store_block *b = block_of(l, e->track);
  if (!b) return -ENOMEM;
  /* A block holds consecutive records: a gap (records lost) starts a new one. */
  if (b->count && (b->count == STORE_BLOCK_EVENTS || e->seq != b->first_seq + b->count)) {
    int rc = write_block(s, l, e->track, b);
    if (rc < 0) return rc;
  }
  if (store_block_add(b, e) < 0) return -ENOMEM;
  int rc = begin(s);
  if (rc == 0) rc = derive(s, l, e, r);
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

static int flush_session(ltc_store *s, live_session *l) {
  for (uint32_t i = 0; i < l->ntracks; i++) {
    int rc = write_block(s, l, l->tracks[i].track, &l->tracks[i].block);
    if (rc < 0) return rc;
  }
  if (!l->dirty) return 0;
  int rc = begin(s);
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
  return step(s, ST_SESSION_PROGRESS);
}

int ltc_store_commit(ltc_store *s) {
  for (live_session *l = s->live; l; l = l->next) {
    int rc = flush_session(s, l);
    if (rc < 0) return rc;
  }
  if (!s->in_tx) return 0;
  s->in_tx = false;
  return ltc_store_exec(s, "COMMIT");
}

int ltc_store_session_end(ltc_store *s, int64_t id, const char *status, uint64_t lost,
                          const char *error) {
  live_session *l = find_live(s, id);
  int rc = 0;
  if (l) {
    if (lost > l->lost) l->lost = lost;
    l->dirty = true;
    rc = flush_session(s, l);
  }
  /* A session already ended may be restated (record learns after its stream ended that the
   * program was killed); an id that was never written is refused. */
  if (rc == 0) rc = begin(s);
  if (rc == 0) {
    sqlite3_stmt *st = s->st[ST_SESSION_END];
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 3, error && *error ? error : NULL);
    rc = step(s, ST_SESSION_END);
    if (rc == 0 && sqlite3_changes(s->db) == 0) rc = -ENOENT;
  }
  if (l) {
    for (live_session **p = &s->live; *p; p = &(*p)->next)
      if (*p == l) {
        *p = l->next;
        break;
      }
    live_free(l);
  }
  int crc = ltc_store_commit(s);
  return rc < 0 ? rc : crc;
}

/* Small writes the web API asks for; the daemon runs them on its writer thread. */
static int run_one(ltc_store *s, const char *sql, int64_t id, const char *text) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
    return ltc_store_fail(s, sql);
  sqlite3_bind_int64(st, 1, id);
  if (text) sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ltc_store_fail(s, sql);
  sqlite3_finalize(st);
  if (rc == 0 && sqlite3_changes(s->db) == 0) rc = -ENOENT;
  return rc;
}

int ltc_store_session_label(ltc_store *s, int64_t id, const char *label) {
  int rc = ltc_store_commit(s); /* its own transaction, after what is buffered */
  if (rc == 0) rc = run_one(s, "UPDATE sessions SET label = ?2 WHERE id = ?1", id, label);
  return rc;
}

int ltc_store_session_delete(ltc_store *s, int64_t id) {
  if (find_live(s, id)) return -EBUSY; /* still being written: its stream owns it */
  int rc = ltc_store_commit(s);
  /* foreign keys cascade to its blocks, strings, tasks and marks */
  if (rc == 0) rc = run_one(s, "DELETE FROM sessions WHERE id = ?1 AND status != 'live'", id, NULL);
  ltc_session_row row; /* live, but written by another process (record straight to the file) */
  if (rc == -ENOENT && ltc_store_session_row(s, id, &row) == 0) rc = -EBUSY;
  return rc;
}

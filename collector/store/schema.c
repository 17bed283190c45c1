/* schema.c: the database's schema and its versions (docs/schema.md has the long form). The
 * schema is numbered in PRAGMA user_version; a database is brought from its version to this
 * build's by the migrations below, in order, in one transaction: a crash midway leaves it as
 * it was. A database made by a newer build is refused, never half-read. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/store-int.h"

/* The records, packed: a rowid table, since its rows are blocks of tens of kB that SQLite
 * would read whole to compare keys in a WITHOUT ROWID table (windows were 5x slower). */
#define EVENT_BLOCKS                                                                          \
  "CREATE TABLE event_blocks (\n"                                                             \
  "  session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,\n"                   \
  "  track INTEGER NOT NULL,            -- a loop or a worker thread\n"                        \
  "  first_seq INTEGER NOT NULL,        -- records are first_seq, first_seq + 1, ...\n"       \
  "  count INTEGER NOT NULL,\n"                                                               \
  "  start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL,\n"                                   \
  "  data BLOB NOT NULL,                -- packed records (collector/store/codec.h)\n"         \
  "  UNIQUE (session, track, first_seq) -- a rowid table: see docs/schema.md for why\n"        \
  ");\n"                                                                                      \
  "-- time-window reads: the blocks of a session that start before a window's end and end\n"  \
  "-- after its start, told apart from the index alone\n"                                     \
  "CREATE INDEX event_blocks_by_time ON event_blocks (session, start_ns, end_ns);\n"

/* What programs printed: a rowid table, so that a line is an append (a WITHOUT ROWID table
 * keyed by (session, track, seq) seeks for every insert: print-heavy ingest was 25% slower). */
#define MARKS                                                                                 \
  "CREATE TABLE marks (   -- lt_mark / lt_print lines, for reading without decoding\n"         \
  "  session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,\n"                   \
  "  track INTEGER NOT NULL, seq INTEGER NOT NULL, -- the record's place in its track\n"       \
  "  ts INTEGER NOT NULL, task INTEGER NOT NULL, text TEXT NOT NULL\n"                        \
  ");\n"                                                                                      \
  "-- the marks of a time window, for drawing them on a zoomed-out timeline\n"                \
  "CREATE INDEX marks_by_time ON marks (session, ts);\n"

#define SITES                                                                                 \
  "CREATE TABLE sites (   -- where in the source a task was spawned or awaited\n"              \
  "  session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,\n"                   \
  "  track INTEGER NOT NULL, id INTEGER NOT NULL,\n"                                          \
  "  file TEXT NOT NULL, func TEXT NOT NULL, line INTEGER NOT NULL,\n"                        \
  "  PRIMARY KEY (session, track, id)\n"                                                      \
  ") WITHOUT ROWID;\n"

/* What the database says of itself: 'last_session', the highest session id ever given, so
 * that deleting the newest session does not hand its id to the next. */
#define META                                                                                  \
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;\n"         \
  "INSERT INTO meta VALUES ('last_session', (SELECT coalesce(max(id), 0) FROM sessions));\n"

/* This build's schema, for a new database: every table says what a row is. */
static const char current[] =
    "CREATE TABLE sessions (\n"
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
    "  shuffle_seed INTEGER,              -- shuffle mode's seed (as i64); NULL: FIFO\n"
    "  unstored INTEGER NOT NULL DEFAULT 0, -- records taken in that could not be stored\n"
    "  writer TEXT,                       -- while live: the writing process as 'PID START'\n"
    "  flight_from_ns INTEGER,            -- a dump of the flight recorder: the window it\n"
    "  flight_to_ns INTEGER,              -- covers on the trace clock (NULL: not a dump)\n"
    "  flight_lost INTEGER,               -- records that fell out of the ring before it\n"
    "  flight_dump INTEGER                -- the number of the dump in its process\n"
    ");\n" EVENT_BLOCKS META
    "CREATE TABLE strings (\n"
    "  session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,\n"
    "  track INTEGER NOT NULL, id INTEGER NOT NULL, text TEXT NOT NULL,\n"
    "  PRIMARY KEY (session, track, id)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE tasks (\n"
    "  session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,\n"
    "  track INTEGER NOT NULL, task INTEGER NOT NULL,\n"
    "  name TEXT NOT NULL, parent INTEGER,  -- parent: a task of the same track, NULL at top\n"
    "  spawn_file TEXT, spawn_func TEXT, spawn_line INTEGER,\n"
    "  created_ns INTEGER NOT NULL, finished_ns INTEGER,\n"
    "  outcome TEXT CHECK (outcome IN ('result', 'error', 'cancelled')),\n"
    "  status INTEGER,                    -- 0 or -errno when it ended\n"
    "  PRIMARY KEY (session, track, task)\n"
    ") WITHOUT ROWID;\n" MARKS SITES;

/* A table made WITHOUT ROWID by an earlier release, rebuilt in today's layout (ddl: its
 * table and index), its rows read in its key's order so that the new rows keep it. */
#define REBUILD(table, index, ddl, columns)                                                   \
  "ALTER TABLE " table " RENAME TO old_" table "; DROP INDEX IF EXISTS " index "; " ddl        \
  "INSERT INTO " table " (" columns ") SELECT " columns " FROM old_" table "; "                \
  "DROP TABLE old_" table ";"

/* Migration i (from 1) takes a database from version i to i + 1. Version 1 is the first
 * release's layout; a new migration is appended here (and `current` changed to match it),
 * never edited once released. */
static const struct migration {
  const char *what, *sql;
} migrations[] = {
    {"the sites of spawns and awaits, and the marks' time index",
     SITES "CREATE INDEX marks_by_time ON marks (session, ts);"},
    {"shuffle mode's seed", "ALTER TABLE sessions ADD COLUMN shuffle_seed INTEGER;"},
    {"event_blocks as a rowid table, its time index with end_ns",
     REBUILD("event_blocks", "event_blocks_by_time", EVENT_BLOCKS,
             "session, track, first_seq, count, start_ns, end_ns, data")},
    {"marks as a rowid table",
     REBUILD("marks", "marks_by_time", MARKS, "session, track, seq, ts, task, text")},
    {"what could not be stored, who writes a live session, session ids never reused",
     "ALTER TABLE sessions ADD COLUMN unstored INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE sessions ADD COLUMN writer TEXT;" META},
    {"flight recordings: the window a dump covers, what fell out before it",
     "ALTER TABLE sessions ADD COLUMN flight_from_ns INTEGER;"
     "ALTER TABLE sessions ADD COLUMN flight_to_ns INTEGER;"
     "ALTER TABLE sessions ADD COLUMN flight_lost INTEGER;"
     "ALTER TABLE sessions ADD COLUMN flight_dump INTEGER;"},
};
#define LATEST ((int)(sizeof migrations / sizeof *migrations) + 1)

/* The first result column of sql as an integer (0 when there is no row). */
static int64_t scalar(ltc_store *s, const char *sql) {
  sqlite3_stmt *st;
  int64_t v = 0;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* Databases made before the schema had a number (user_version 0) are one of the releases'
 * layouts, each its predecessor's plus one change: which one is read from the layout, once. */
static int legacy_version(ltc_store *s) {
  int v = 1;
  if (scalar(s, "SELECT count(*) FROM sqlite_schema WHERE name = 'sites'") > 0) v = 2;
  if (v == 2 && scalar(s, "SELECT count(*) FROM pragma_table_info('sessions') "
                          "WHERE name = 'shuffle_seed'") > 0)
    v = 3;
  if (v == 3 && scalar(s, "SELECT sql NOT LIKE '%WITHOUT ROWID%' FROM sqlite_schema "
                          "WHERE name = 'event_blocks'") > 0)
    v = 4;
  if (v == 4 && scalar(s, "SELECT sql NOT LIKE '%WITHOUT ROWID%' FROM sqlite_schema "
                          "WHERE name = 'marks'") > 0)
    v = 5;
  return v; /* version 6 and later were always numbered */
}

static int version_of(ltc_store *s, bool *empty) {
  int64_t v = scalar(s, "PRAGMA user_version");
  *empty = scalar(s, "SELECT count(*) FROM sqlite_schema WHERE name = 'sessions'") == 0;
  return v == 0 && !*empty ? legacy_version(s) : (int)v;
}

static int newer(const char *what, int v, ltc_err *err) {
  return ltc_fail(err, -EPROTONOSUPPORT,
                  "%s: the database's schema is version %d, and this looptrace knows up to %d: "
                  "it was written by a newer looptrace (use that one, or another --db)",
                  what, v, LATEST);
}

int ltc_store_migrate(ltc_store *s, ltc_err *err) {
  bool empty;
  int rc = ltc_store_exec(s, "BEGIN IMMEDIATE", err); /* one writer migrates; others wait */
  if (rc < 0) return rc;
  int v = version_of(s, &empty);
  if (v > LATEST) {
    ltc_store_exec(s, "ROLLBACK", NULL);
    return newer("opening", v, err);
  }
  if (empty) {
    rc = ltc_store_exec(s, current, err);
  } else {
    for (int i = v; rc == 0 && i < LATEST; i++) {
      rc = ltc_store_exec(s, migrations[i - 1].sql, err);
      if (rc < 0) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err ? err->msg : "");
        ltc_fail(err, rc, "migrating to schema version %d (%s): %s", i + 1,
                 migrations[i - 1].what, why);
      }
    }
  }
  char set[64];
  snprintf(set, sizeof set, "PRAGMA user_version = %d", LATEST);
  if (rc == 0) rc = ltc_store_exec(s, set, err);
  if (rc == 0) rc = ltc_store_exec(s, "COMMIT", err);
  if (rc < 0) ltc_store_exec(s, "ROLLBACK", NULL);
  return rc;
}

int ltc_store_check_version(ltc_store *s, ltc_err *err) {
  bool empty;
  int v = version_of(s, &empty);
  if (v > LATEST) return newer("reading", v, err);
  if (v < LATEST || empty)
    return ltc_fail(err, -EPROTONOSUPPORT,
                    "reading: the database's schema is version %d, not yet %d (open it to "
                    "write first, e.g. with looptrace sessions)",
                    empty ? 0 : v, LATEST);
  return 0;
}

/* test_schema.c: the database's schema versions (collector/store/schema.c). A database in the
 * layout of each earlier release, numbered 0 as every database was before versions, is
 * brought to this build's layout when opened to write: the same tables, columns and indexes as
 * a new database, integrity intact, every record and mark still there, user_version set; a
 * reader refuses it until then. A database stamped with a version newer than this build is
 * refused by writer, reader and command alike, with a message that says so, and left as it
 * was. */
#include <errno.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "db_query.h"
#include "store/store.h"

#define LATEST 7 /* this build's schema version */

static char dir[64], fresh[160];

/* A canonical description of a database's layout: each table with its columns (name, type,
 * not null, primary key) and whether it has rowids, each index with its columns. Comments and
 * the text of the DDL are left out: a column added by ALTER TABLE reads as one made by CREATE. */
static const char *const layout_sql =
    "SELECT m.name || ' rowid=' || (m.sql NOT LIKE '%WITHOUT ROWID%') || ' (' || "
    "(SELECT group_concat(p.name || ' ' || p.type || ' ' || p.\"notnull\" || ' ' || p.pk, ', ') "
    "FROM pragma_table_info(m.name) p) || ')' FROM sqlite_schema m WHERE m.type = 'table' "
    "UNION ALL SELECT 'index ' || m.name || ' on ' || m.tbl_name || ' (' || "
    "(SELECT group_concat(i.name, ', ') FROM pragma_index_info(m.name) i) || ')' "
    "FROM sqlite_schema m WHERE m.type = 'index' AND m.name NOT LIKE 'sqlite_autoindex%' "
    "ORDER BY 1";

static int setup(void **state) {
  strcpy(dir, "/tmp/lt-schema-XXXXXX");
  if (!mkdtemp(dir)) return -1;
  snprintf(fresh, sizeof fresh, "%s/fresh.db", dir);
  /* a session with tasks, sites and marks, recorded by today's build */
  if (shell("%s/looptrace record --clock virtual --db %s -- %s/seed_ordering >/dev/null",
            LT_BIN_DIR, fresh, LT_BIN_DIR) != 0 ||
      shell("%s/looptrace export 1 --format jsonl --db %s > %s/fresh.jsonl", LT_BIN_DIR, fresh,
            dir) != 0)
    return -1;
  return 0;
}

static int teardown(void **state) { return shell("rm -rf %s", dir); }

/* Each release's layout, made from today's: its changes undone, newest first. */
static const char *const undo[] = {
    /* version 6: no flight recordings */
    "ALTER TABLE sessions DROP COLUMN flight_from_ns; ALTER TABLE sessions DROP COLUMN "
    "flight_to_ns; ALTER TABLE sessions DROP COLUMN flight_lost; ALTER TABLE sessions DROP "
    "COLUMN flight_dump;",
    /* version 5: nothing said what could not be stored, nor who wrote a live session, and a
     * deleted newest session's id was given again */
    "ALTER TABLE sessions DROP COLUMN unstored; ALTER TABLE sessions DROP COLUMN writer;"
    "DROP TABLE meta;",
    /* version 4: marks was WITHOUT ROWID, keyed by its record */
    "CREATE TABLE old_marks (session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE "
    "CASCADE, track INTEGER NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, task INTEGER "
    "NOT NULL, text TEXT NOT NULL, PRIMARY KEY (session, track, seq)) WITHOUT ROWID;"
    "INSERT INTO old_marks SELECT * FROM marks; DROP TABLE marks;"
    "ALTER TABLE old_marks RENAME TO marks; CREATE INDEX marks_by_time ON marks (session, ts);",
    /* version 3: event_blocks too, and its time index had no end_ns */
    "CREATE TABLE old_blocks (session INTEGER NOT NULL REFERENCES sessions(id) ON DELETE "
    "CASCADE, track INTEGER NOT NULL, first_seq INTEGER NOT NULL, count INTEGER NOT NULL, "
    "start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY "
    "(session, track, first_seq)) WITHOUT ROWID;"
    "INSERT INTO old_blocks SELECT * FROM event_blocks; DROP TABLE event_blocks;"
    "ALTER TABLE old_blocks RENAME TO event_blocks;"
    "CREATE INDEX event_blocks_by_time ON event_blocks (session, start_ns);",
    /* version 2: no shuffle mode */
    "ALTER TABLE sessions DROP COLUMN shuffle_seed;",
    /* version 1, the first release: no sites, and marks had no time index */
    "DROP TABLE sites; DROP INDEX marks_by_time;",
};

/* A copy of the fresh database in the layout of version v (1 to LATEST - 1). */
static void make_old(int v, const char *path) {
  sqlite3 *d;
  char sql[512];
  assert_int_equal(sqlite3_open(fresh, &d), SQLITE_OK);
  snprintf(sql, sizeof sql, "VACUUM INTO '%s'", path);
  assert_int_equal(sqlite3_exec(d, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(d);
  assert_int_equal(sqlite3_open(path, &d), SQLITE_OK);
  assert_int_equal(sqlite3_exec(d, "BEGIN; PRAGMA user_version = 0;", NULL, NULL, NULL),
                   SQLITE_OK);
  for (int k = LATEST - 1; k >= v; k--) {
    char *msg = NULL;
    if (sqlite3_exec(d, undo[LATEST - 1 - k], NULL, NULL, &msg) != SQLITE_OK)
      fail_msg("making version %d: %s", v, msg);
  }
  if (v >= 6) { /* version 6 and later were always numbered */
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
    assert_int_equal(sqlite3_exec(d, sql, NULL, NULL, NULL), SQLITE_OK);
  }
  assert_int_equal(sqlite3_exec(d, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(d);
}

static void test_every_older_layout_is_brought_up_to_date(void **state) {
  char want[16384];
  snprintf(want, sizeof want, "%s", db_lines(fresh, layout_sql));
  assert_non_null(strstr(want, "event_blocks rowid=1"));
  assert_int_equal(db_int(fresh, "PRAGMA user_version"), LATEST);
  const char *marks = "SELECT group_concat(text, '|') FROM (SELECT text FROM marks "
                      "ORDER BY session, track, seq)";
  char want_marks[4096];
  snprintf(want_marks, sizeof want_marks, "%s", db_lines(fresh, marks));
  for (int v = 1; v < LATEST; v++) {
    char old[192];
    snprintf(old, sizeof old, "%s/v%d.db", dir, v);
    make_old(v, old);
    assert_string_not_equal(db_lines(old, layout_sql), want);
    ltc_store *s;
    ltc_err err = {0};
    /* a reader does not read a layout it does not know */
    assert_int_equal(ltc_store_open_reader(old, &s, &err), -EPROTONOSUPPORT);
    char says[64];
    snprintf(says, sizeof says, "schema is version %d, not yet %d", v, LATEST);
    if (!strstr(err.msg, says)) fail_msg("version %d: %s", v, err.msg);
    /* opening it to write (as serve, record and every command do) migrates it */
    assert_int_equal(ltc_store_open(old, &s, &err), 0);
    ltc_store_close(s);
    assert_string_equal(db_lines(old, layout_sql), want);
    assert_int_equal(db_int(old, "PRAGMA user_version"), LATEST);
    assert_string_equal(db_lines(old, "PRAGMA integrity_check"), "ok\n");
    assert_string_equal(db_lines(old, "PRAGMA foreign_key_check"), "");
    assert_string_equal(db_lines(old, marks), want_marks);
    /* every record is still there; from version 2 on the sites too, so the export is the
     * same byte for byte (version 1 had none to keep) */
    assert_int_equal(db_int(old, "SELECT sum(count) FROM event_blocks"),
                     db_int(fresh, "SELECT sum(count) FROM event_blocks"));
    assert_int_equal(shell("%s/looptrace export 1 --format jsonl --db %s > %s/v%d.jsonl",
                           LT_BIN_DIR, old, dir, v),
                     0);
    if (v >= 2)
      assert_int_equal(shell("cmp -s %s/fresh.jsonl %s/v%d.jsonl", dir, dir, v), 0);
    /* and now a reader reads it, and opening it again changes nothing */
    assert_int_equal(ltc_store_open_reader(old, &s, &err), 0);
    ltc_store_close(s);
    assert_int_equal(ltc_store_open(old, &s, &err), 0);
    ltc_store_close(s);
    assert_string_equal(db_lines(old, layout_sql), want);
  }
}

static void test_a_newer_database_is_refused_and_left_alone(void **state) {
  char newer[192];
  snprintf(newer, sizeof newer, "%s/newer.db", dir);
  assert_int_equal(shell("cp %s %s && sqlite3 %s 'PRAGMA user_version = %d'", fresh, newer, newer,
                         LATEST + 1),
                   0);
  char before[16384];
  snprintf(before, sizeof before, "%s", db_lines(newer, layout_sql));
  ltc_store *s = NULL;
  ltc_err err = {0};
  assert_int_equal(ltc_store_open(newer, &s, &err), -EPROTONOSUPPORT);
  assert_null(s);
  char says[96];
  snprintf(says, sizeof says, "version %d, and this looptrace knows up to %d", LATEST + 1, LATEST);
  if (!strstr(err.msg, says)) fail_msg("%s", err.msg);
  assert_non_null(strstr(err.msg, newer)); /* it names the file */
  memset(&err, 0, sizeof err);
  assert_int_equal(ltc_store_open_reader(newer, &s, &err), -EPROTONOSUPPORT);
  if (!strstr(err.msg, says)) fail_msg("%s", err.msg);
  /* the commands say so and exit 1, and nothing in the file changed: not even a live session
   * marked interrupted */
  assert_int_equal(shell("sqlite3 %s \"UPDATE sessions SET status = 'live'\"", newer), 0);
  assert_int_equal(shell("%s/looptrace sessions --db %s > %s/out 2> %s/err", LT_BIN_DIR, newer,
                         dir, dir),
                   1);
  char path[192];
  snprintf(path, sizeof path, "%s/err", dir);
  if (!strstr(file_text(path), says)) fail_msg("sessions said: %s", file_text(path));
  assert_int_equal(db_int(newer, "PRAGMA user_version"), LATEST + 1);
  assert_string_equal(db_lines(newer, "SELECT status FROM sessions"), "live\n");
  assert_string_equal(db_lines(newer, layout_sql), before);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_older_layout_is_brought_up_to_date),
      cmocka_unit_test(test_a_newer_database_is_refused_and_left_alone),
  };
  return cmocka_run_group_tests_name("schema", tests, setup, teardown);
}

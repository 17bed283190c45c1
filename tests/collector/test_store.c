/* test_store.c: recorded sessions in a real SQLite file. `looptrace record` of every seed
 * example (real child processes) stores one complete session whose marks are exactly the
 * oracle's lines; the packed blocks decode to exactly the records the stream carried; a writer
 * killed mid-batch leaves a consistent database holding everything it committed; a database
 * in the first release's layout is brought up to date holding every record. */
#include <setjmp.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "db_query.h"
#include "ingest/ingest.h"
#include "store/store.h"
#include "store/codec.h"

static char dir[64], db[160];

static int setup(void **state) {
  strcpy(dir, "/tmp/lt-store-XXXXXX");
  assert_non_null(mkdtemp(dir));
  snprintf(db, sizeof db, "%s/t.db", dir);
  return 0;
}

static int teardown(void **state) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}

static const char *seeds[] = {"seed_countdown", "seed_fetch_numbers", "seed_no_await",
                              "seed_ordering",  "seed_say_after",     "seed_taskgroup",
                              "seed_ten_jobs"};

static void test_record_every_seed(void **state) {
  for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "%s/looptrace record --db %s --clock virtual --name %s -- %s/%s > %s/out 2>%s/err",
             LT_BIN_DIR, db, seeds[i], LT_BIN_DIR, seeds[i], dir, dir);
    int st = system(cmd);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
  }
  for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++) {
    char sql[512], oracle[512];
    snprintf(sql, sizeof sql,
             "SELECT status || ' ' || clock FROM sessions WHERE label = '%s'", seeds[i]);
    assert_string_equal(db_lines(db, sql), "complete virtual\n");
    snprintf(sql, sizeof sql,
             "SELECT m.text FROM marks m JOIN sessions s ON s.id = m.session "
             "WHERE s.label = '%s' ORDER BY m.track, m.seq",
             seeds[i]);
    snprintf(oracle, sizeof oracle, "%s/%s.out", LT_ORACLE_DIR, seeds[i]);
    char want[16384];
    snprintf(want, sizeof want, "%s", file_text(oracle));
    assert_string_equal(db_lines(db, sql), want);
  }
  /* the tasks of seed_ordering, with their parents and where they were spawned */
  assert_string_equal(
      db_lines(db, "SELECT name || ' ' || coalesce(p.pname, '-') || ' ' || "
                  "coalesce(spawn_line, '-') || ' ' || outcome FROM tasks t "
                  "LEFT JOIN (SELECT session AS ps, task AS pt, name AS pname FROM tasks) p "
                  "ON p.ps = t.session AND p.pt = t.parent "
                  "WHERE t.session = (SELECT id FROM sessions WHERE label = 'seed_ordering') "
                  "AND name LIKE 'T%' ORDER BY task"),
      "T1 main 27 result\nT3 main 28 result\nT2 main 29 result\n");
}

static void test_program_that_is_not_traced(void **state) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "%s/looptrace record --db %s -- true 2>%s/err", LT_BIN_DIR, db, dir);
  int st = system(cmd);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 1);
  char errpath[128];
  snprintf(errpath, sizeof errpath, "%s/err", dir);
  assert_non_null(strstr(file_text(errpath), "sent no trace"));
}

/* ---- the packed blocks hold exactly the stream's records ---- */

typedef struct collected {
  ltc_event ev[4096];
  size_t n;
} collected;

static void collect(void *user, const ltc_event *e) {
  collected *c = user;
  if (c->n < 4096) c->ev[c->n++] = *e;
}

static void test_blocks_decode_to_the_stream(void **state) {
  /* the reference: the stream itself, recorded to a file and decoded */
  char trace[128], cmd[512];
  snprintf(trace, sizeof trace, "%s/ref.ltr", dir);
  snprintf(cmd, sizeof cmd, "LOOPTRACE=file:%s LOOPTRACE_CLOCK=virtual %s/seed_taskgroup >/dev/null",
           trace, LT_BIN_DIR);
  assert_int_equal(system(cmd), 0);
  static collected want, got;
  want.n = got.n = 0;
  ltc_reader_callbacks cb = {NULL, collect, &want};
  ltc_reader *r = ltc_reader_new(&cb);
  FILE *f = fopen(trace, "rb");
  uint8_t buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) ltc_reader_feed(r, buf, n);
  fclose(f);
  assert_int_equal(ltc_reader_finish(r), LTC_STREAM_CLEAN);
  ltc_reader_free(r);

  /* the same stream through ingest into a fresh database */
  char db2[160];
  snprintf(db2, sizeof db2, "%s/blocks.db", dir);
  ltc_store *s;
  assert_int_equal(ltc_store_open(db2, &s, NULL), 0);
  FILE *in = fopen(trace, "rb");
  ltc_ingest_result res;
  assert_int_equal(ltc_ingest_fd(s, fileno(in), "blocks", &res, NULL), 0);
  fclose(in);
  assert_string_equal(res.status, "complete");
  ltc_store_close(s);

  sqlite3 *d;
  sqlite3_open(db2, &d);
  sqlite3_stmt *st;
  sqlite3_prepare_v2(d, "SELECT track, first_seq, data FROM event_blocks ORDER BY track, first_seq",
                     -1, &st, NULL);
  while (sqlite3_step(st) == SQLITE_ROW)
    assert_int_equal(store_block_decode(sqlite3_column_blob(st, 2),
                                        (size_t)sqlite3_column_bytes(st, 2),
                                        (uint32_t)sqlite3_column_int64(st, 0),
                                        (uint64_t)sqlite3_column_int64(st, 1), collect, &got),
                     0);
  sqlite3_finalize(st);
  sqlite3_close(d);
  assert_int_equal(got.n, want.n);
  for (size_t i = 0; i < want.n; i++) {
    assert_int_equal(got.ev[i].seq, want.ev[i].seq);
    assert_int_equal(got.ev[i].kind, want.ev[i].kind);
    assert_int_equal(got.ev[i].flags, want.ev[i].flags);
    assert_int_equal(got.ev[i].task, want.ev[i].task);
    assert_int_equal(got.ev[i].ts, want.ev[i].ts);
    uint32_t nargs = want.ev[i].kind == LT_EV_STRING ? 1 : want.ev[i].nargs;
    assert_int_equal(got.ev[i].nargs, nargs);
    assert_memory_equal(got.ev[i].a, want.ev[i].a, nargs * sizeof(uint64_t));
  }
}

/* ---- a writer killed mid-batch ---- */

static void test_killed_writer_leaves_consistent_db(void **state) {
  char db3[160];
  snprintf(db3, sizeof db3, "%s/crash.db", dir);
  pid_t pid = fork();
  if (pid == 0) {
    ltc_store *s;
    if (ltc_store_open(db3, &s, NULL) < 0) _exit(3);
    const char *argv[] = {"prog"};
    ltc_hello h = {.pid = 1, .clock = LT_WIRE_CLOCK_REAL, .program = "prog", .label = "",
                   .argc = 1, .argv = argv};
    int64_t id;
    ltc_store_session_begin(s, &h, "crash", &id, NULL);
    for (uint64_t i = 0; i < 10000; i++) {
      ltc_event e = {.track = 1, .seq = i, .kind = LT_EV_LOOP_ITER, .ts = (int64_t)i, .nargs = 2,
                     .a = {i, 1}};
      ltc_store_session_event(s, id, &e, NULL, NULL);
      if (i == 4999) ltc_store_commit(s, NULL); /* the first half is committed... */
    }
    raise(SIGKILL); /* ...the second half never is */
    _exit(4);
  }
  int st;
  waitpid(pid, &st, 0);
  assert_true(WIFSIGNALED(st));
  ltc_store *s;
  assert_int_equal(ltc_store_open(db3, &s, NULL), 0); /* marks it interrupted */
  ltc_store_close(s);
  snprintf(db, sizeof db, "%s", db3);
  assert_string_equal(db_lines(db, "PRAGMA integrity_check"), "ok\n");
  assert_string_equal(db_lines(db, "SELECT status || ' ' || events FROM sessions"),
                      "interrupted 5000\n");
  assert_string_equal(db_lines(db, "SELECT sum(count) FROM event_blocks"), "5000\n");
}

/* ---- a program killed mid-run ---- */

static void test_killed_program_is_aborted_and_keeps_its_prefix(void **state) {
  char db4[160], prog[256];
  snprintf(db4, sizeof db4, "%s/abort.db", dir);
  snprintf(prog, sizeof prog, "%s/seed_countdown", LT_BIN_DIR);
  pid_t rec = fork();
  if (rec == 0) {
    freopen("/dev/null", "w", stdout);
    execl(LT_BIN_DIR "/looptrace", "looptrace", "record", "--db", db4, "--", prog, (char *)NULL);
    _exit(127);
  }
  /* Wait, on what the database shows, until the program has printed two lines (its countdown
   * runs for a second of real time), then kill it. */
  int64_t pid = -1;
  for (int i = 0; i < 2000 && pid <= 0; i++) {
    if (db_int(db4, "SELECT count(*) FROM marks") >= 2)
      pid = db_int(db4, "SELECT pid FROM sessions");
    else
      usleep(5000);
  }
  assert_true(pid > 0);
  assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
  int st;
  waitpid(rec, &st, 0);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 128 + SIGKILL); /* record passes the program's end on */
  snprintf(db, sizeof db, "%s", db4);
  assert_string_equal(db_lines(db, "SELECT status FROM sessions"), "aborted\n");
  /* what it printed before it died is kept, in order: the oracle's first lines */
  char *marks = db_lines(db, "SELECT text FROM marks ORDER BY seq");
  assert_true(strlen(marks) >= 5);
  assert_memory_equal(marks, "10\n9\n", 5);
  assert_string_equal(db_lines(db, "PRAGMA integrity_check"), "ok\n");
}

/* ---- bytes after the end: the stream is cut there, and the count says what was stored ---- */

static void test_bytes_after_the_end(void **state) {
  char trace[128], dbx[160];
  snprintf(trace, sizeof trace, "%s/after.ltr", dir);
  snprintf(dbx, sizeof dbx, "%s/after.db", dir);
  assert_int_equal(shell("LOOPTRACE=file:%s LOOPTRACE_CLOCK=virtual %s/seed_ordering >/dev/null"
                         " && printf 'more bytes' >> %s", trace, LT_BIN_DIR, trace), 0);
  ltc_store *s;
  assert_int_equal(ltc_store_open(dbx, &s, NULL), 0);
  FILE *in = fopen(trace, "rb");
  assert_non_null(in);
  ltc_ingest_result res;
  assert_int_equal(ltc_ingest_fd(s, fileno(in), "after", &res, NULL), 0);
  fclose(in);
  ltc_store_close(s);
  assert_string_equal(res.status, "truncated");
  assert_non_null(strstr(res.error, "bytes after the end"));
  /* every record of seed_ordering (its golden trace), not one more for the END */
  assert_int_equal(res.events, 81);
  assert_int_equal(db_int(dbx, "SELECT events FROM sessions"), 81);
  assert_int_equal(db_int(dbx, "SELECT sum(count) FROM event_blocks"), 81);
}

/* ---- a database made when event_blocks and marks were WITHOUT ROWID tables ---- */

static void test_older_layout_is_brought_up_to_date(void **state) {
  char fresh[160], old[160];
  snprintf(fresh, sizeof fresh, "%s/fresh.db", dir);
  snprintf(old, sizeof old, "%s/old.db", dir);
  assert_int_equal(shell("%s/looptrace record --clock virtual --db %s -- %s/seed_ordering "
                         ">/dev/null", LT_BIN_DIR, fresh, LT_BIN_DIR), 0);
  assert_int_equal(shell("%s/looptrace export 1 --format jsonl --db %s > %s/fresh.jsonl",
                         LT_BIN_DIR, fresh, dir), 0);
  /* the same database in the layout of the first release */
  sqlite3 *d;
  assert_int_equal(sqlite3_open(fresh, &d), SQLITE_OK);
  char sql[512];
  snprintf(sql, sizeof sql, "VACUUM INTO '%s'", old);
  assert_int_equal(sqlite3_exec(d, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(d);
  assert_int_equal(sqlite3_open(old, &d), SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(d,
                   "BEGIN;"
                   "CREATE TABLE old_blocks (session INTEGER NOT NULL REFERENCES sessions(id) "
                   "ON DELETE CASCADE, track INTEGER NOT NULL, first_seq INTEGER NOT NULL, count "
                   "INTEGER NOT NULL, start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL, data "
                   "BLOB NOT NULL, PRIMARY KEY (session, track, first_seq)) WITHOUT ROWID;"
                   "INSERT INTO old_blocks SELECT * FROM event_blocks;"
                   "DROP TABLE event_blocks;"
                   "ALTER TABLE old_blocks RENAME TO event_blocks;"
                   "CREATE INDEX event_blocks_by_time ON event_blocks (session, start_ns);"
                   "CREATE TABLE old_marks (session INTEGER NOT NULL REFERENCES sessions(id) "
                   "ON DELETE CASCADE, track INTEGER NOT NULL, seq INTEGER NOT NULL, ts INTEGER "
                   "NOT NULL, task INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (session, "
                   "track, seq)) WITHOUT ROWID;"
                   "INSERT INTO old_marks SELECT * FROM marks;"
                   "DROP TABLE marks;"
                   "ALTER TABLE old_marks RENAME TO marks;"
                   "CREATE INDEX marks_by_time ON marks (session, ts);"
                   /* as every database was before versions, and without what came since */
                   "ALTER TABLE sessions DROP COLUMN unstored;"
                   "ALTER TABLE sessions DROP COLUMN writer; DROP TABLE meta;"
                   "ALTER TABLE sessions DROP COLUMN flight_from_ns;"
                   "ALTER TABLE sessions DROP COLUMN flight_to_ns;"
                   "ALTER TABLE sessions DROP COLUMN flight_lost;"
                   "ALTER TABLE sessions DROP COLUMN flight_dump;"
                   "PRAGMA user_version = 0;"
                   "COMMIT;",
                   NULL, NULL, NULL),
      SQLITE_OK);
  sqlite3_close(d);
  const char *layout = "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_schema WHERE name = "
                       "'event_blocks' UNION ALL SELECT sql LIKE '%end_ns%' FROM sqlite_schema "
                       "WHERE name = 'event_blocks_by_time' UNION ALL SELECT sql LIKE "
                       "'%WITHOUT ROWID%' FROM sqlite_schema WHERE name = 'marks'";
  const char *marks = "SELECT group_concat(line, '|') FROM (SELECT session || ' ' || track || ' ' "
                      "|| seq || ' ' || ts || ' ' || task || ' ' || text AS line FROM marks "
                      "ORDER BY session, track, seq)";
  char want_marks[16384];
  snprintf(want_marks, sizeof want_marks, "%s", db_lines(fresh, marks));
  assert_true(strlen(want_marks) > 20);
  assert_string_equal(db_lines(old, layout), "1\n0\n1\n");
  /* opening it to write (as serve and record do) brings it to today's layout */
  ltc_store *s;
  assert_int_equal(ltc_store_open(old, &s, NULL), 0);
  ltc_store_close(s);
  assert_string_equal(db_lines(old, layout), "0\n1\n0\n");
  assert_string_equal(db_lines(old, "PRAGMA integrity_check"), "ok\n");
  assert_string_equal(db_lines(old, marks), want_marks);
  /* ...holding every record it held */
  assert_int_equal(shell("%s/looptrace export 1 --format jsonl --db %s > %s/old.jsonl",
                         LT_BIN_DIR, old, dir), 0);
  assert_int_equal(shell("cmp -s %s/fresh.jsonl %s/old.jsonl", dir, dir), 0);
  assert_true(db_int(old, "SELECT count(*) FROM event_blocks") > 0);
  /* and opening it again changes nothing */
  assert_int_equal(ltc_store_open(old, &s, NULL), 0);
  ltc_store_close(s);
  assert_string_equal(db_lines(old, layout), "0\n1\n0\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_record_every_seed),
      cmocka_unit_test(test_program_that_is_not_traced),
      cmocka_unit_test(test_blocks_decode_to_the_stream),
      cmocka_unit_test(test_killed_writer_leaves_consistent_db),
      cmocka_unit_test(test_killed_program_is_aborted_and_keeps_its_prefix),
      cmocka_unit_test(test_bytes_after_the_end),
      cmocka_unit_test(test_older_layout_is_brought_up_to_date),
  };
  return cmocka_run_group_tests_name("store", tests, setup, teardown);
}

/* test_compare.c: comparing runs (ordering.c, orderdiff.c, api_compare.c, compare_cmd.c, record
 * --runs/--shuffle), with real child processes recorded under the virtual clock:
 * sequential against concurrent say_after diverge where expected (main sleeps in one, awaits
 * say_after(hello) in the other) and turn around in 3 units against 2; two runs of one
 * program have an empty diff and `looptrace diff` exits 0; shuffled runs of demo_fifo (whose
 * output depends on FIFO order) fall into several groups while FIFO runs form one; replaying a
 * recorded seed reproduces its run exactly (same ordering, same output); the API's diff and
 * orderings reads and their errors; old hellos and old databases still read. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cjson/cJSON.h>
#include <cmocka.h>

#include "api/api.h"
#include "db_query.h"
#include "model/orderdiff.h"
#include "model/ordering.h"
#include "wire/reader.h"

#define MS 1000000LL

static char dir[64], db[160];
static ltc_store *reader;
static int64_t seq, conc, conc2;

/* Records PROGRAM ARGS under the virtual clock with extra record options; its stdout goes to
 * dir/NAME.out. Returns the newest session's id. */
static int64_t record(const char *name, const char *opts, const char *prog) {
  assert_int_equal(shell("%s/looptrace record --db %s --clock virtual %s -- %s/%s > %s/%s.out "
                      "2>>%s/record.err",
                      LT_BIN_DIR, db, opts, LT_BIN_DIR, prog, dir, name, dir),
                   0);
  return db_int(db, "SELECT max(id) FROM sessions");
}

static int setup(void **state) {
  strcpy(dir, "/tmp/lt-compare-XXXXXX");
  if (!mkdtemp(dir)) return -1;
  snprintf(db, sizeof db, "%s/t.db", dir);
  seq = record("seq", "--name sequential", "say_after sequential");
  conc = record("conc", "--name concurrent", "say_after concurrent");
  conc2 = record("conc2", "--name concurrent-again", "say_after concurrent");
  return ltc_store_open_reader(db, &reader, NULL);
}

static int teardown(void **state) {
  ltc_store_close(reader);
  return shell("rm -rf %s", dir);
}

static const char *str(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}
static int64_t num(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  if (cJSON_IsRaw(v)) return strtoll(v->valuestring, NULL, 10);
  assert_true(cJSON_IsNumber(v));
  return (int64_t)v->valuedouble;
}
static const cJSON *obj(const cJSON *o, const char *k) {
  return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* A read through the API's dispatch (what the daemon answers), args as JSON text. */
static cJSON *ask(const char *op, const char *args, ltc_err *err) {
  cJSON *a = cJSON_Parse(args);
  assert_non_null(a);
  memset(err, 0, sizeof *err);
  cJSON *out = ltc_api_read(reader, op, a, err);
  cJSON_Delete(a);
  return out;
}

static cJSON *diff(int64_t a, int64_t b) {
  char args[128];
  snprintf(args, sizeof args, "{\"a\":%lld,\"b\":%lld,\"context\":-1}", (long long)a, (long long)b);
  ltc_err err;
  cJSON *out = ask("diff", args, &err);
  if (!out) fail_msg("diff: %d %s", err.code, err.msg);
  return out;
}

/* The turnaround row of the task labelled name. */
static const cJSON *task_row(const cJSON *d, const char *name) {
  const cJSON *t;
  cJSON_ArrayForEach(t, obj(obj(d, "turnaround"), "tasks")) {
    if (strcmp(str(t, "task"), name) == 0) return t;
  }
  fail_msg("no task %s in the turnaround table", name);
  return NULL;
}

static void test_sequential_against_concurrent(void **state) {
  cJSON *d = diff(seq, conc);
  assert_false(cJSON_IsTrue(obj(d, "same")));
  /* both start with main's first step; then main sleeps in one and awaits a task in the other */
  const cJSON *f = obj(d, "first_divergence");
  assert_int_equal(num(f, "a"), 1);
  assert_int_equal(num(f, "b"), 1);
  /* with the lines of the source: lt_sleep (examples/say_after.c:20) and lt_await (:40) */
  assert_string_equal(str(f, "text_a"), "main sleeps at say_after.c:20");
  assert_string_equal(str(f, "text_b"), "main awaits say_after(hello) at say_after.c:40");
  /* 3 units against 2: the whole run and main itself */
  const cJSON *ta = obj(d, "turnaround");
  assert_int_equal(num(ta, "a"), 300 * MS);
  assert_int_equal(num(ta, "b"), 200 * MS);
  assert_int_equal(num(ta, "delta"), -100 * MS);
  const cJSON *m = task_row(d, "main");
  assert_int_equal(num(obj(m, "a"), "turnaround"), 300 * MS);
  assert_int_equal(num(obj(m, "b"), "turnaround"), 200 * MS);
  assert_int_equal(num(obj(m, "a"), "waiting"), 300 * MS); /* it slept, then ran in no time */
  assert_int_equal(num(obj(m, "a"), "busy") + num(obj(m, "a"), "scheduled"), 0);
  /* the two say_after tasks exist only in the concurrent run */
  const cJSON *h = task_row(d, "say_after(hello)"), *w = task_row(d, "say_after(world)");
  assert_true(cJSON_IsNull(obj(h, "a")));
  assert_int_equal(num(obj(h, "b"), "turnaround"), 100 * MS);
  assert_int_equal(num(obj(w, "b"), "turnaround"), 200 * MS);
  /* the aligned list holds every step of both, in order, with + and - where they differ */
  const cJSON *e;
  int64_t na = 0, nb = 0, last_a = -1, last_b = -1;
  char ops[128] = "";
  cJSON_ArrayForEach(e, obj(d, "entries")) {
    const char *op = str(e, "op");
    strncat(ops, op, 1);
    if (*op != '+') assert_int_equal(num(e, "a"), ++last_a), na++;
    if (*op != '-') assert_int_equal(num(e, "b"), ++last_b), nb++;
  }
  assert_int_equal(na, num(obj(d, "steps"), "a"));
  assert_int_equal(nb, num(obj(d, "steps"), "b"));
  assert_int_equal(ops[0], ' ');
  assert_non_null(strchr(ops, '-'));
  assert_non_null(strchr(ops, '+'));
  cJSON_Delete(d);

  /* the command: exit 1, the divergence and 3 against 2 units in its text */
  assert_int_equal(shell("%s/looptrace diff %lld %lld --db %s --unit 100ms > %s/diff.txt", LT_BIN_DIR,
                      (long long)seq, (long long)conc, db, dir),
                   1);
  char path[128];
  snprintf(path, sizeof path, "%s/diff.txt", dir);
  const char *text = file_text(path);
  assert_non_null(strstr(text, "first divergence: step 2 of a (at 0 ns), step 2 of b (at 0 ns)"));
  assert_non_null(
      strstr(text, "\n-     2             0 ns            main sleeps at say_after.c:"));
  assert_non_null(
      strstr(text, "\n+           2                 0 ns  main awaits say_after(hello)"));
  assert_non_null(strstr(text, "300 ms = 3 u       200 ms = 2 u     -100 ms = -1 u"));
  assert_non_null(strstr(text, "timer of main fires")); /* a fire is named by who armed it */
}

static void test_two_runs_of_one_program_have_an_empty_diff(void **state) {
  cJSON *d = diff(conc, conc2);
  assert_true(cJSON_IsTrue(obj(d, "same")));
  assert_true(cJSON_IsNull(obj(d, "first_divergence")));
  assert_int_equal(num(obj(d, "steps"), "only_a") + num(obj(d, "steps"), "only_b"), 0);
  assert_int_equal(num(obj(d, "turnaround"), "delta"), 0);
  cJSON_Delete(d);
  ltc_err err;
  char args[64];
  snprintf(args, sizeof args, "{\"a\":%lld,\"b\":%lld}", (long long)conc, (long long)conc2);
  d = ask("diff", args, &err); /* with context: an empty list */
  assert_non_null(d);
  assert_int_equal(cJSON_GetArraySize(obj(d, "entries")), 0);
  cJSON_Delete(d);
  assert_int_equal(shell("%s/looptrace diff %lld %lld --db %s > %s/same.txt", LT_BIN_DIR,
                      (long long)conc, (long long)conc2, db, dir),
                   0);
  char path[128];
  snprintf(path, sizeof path, "%s/same.txt", dir);
  assert_non_null(strstr(file_text(path), "the orderings are the same: "));
  /* errors: 2 */
  assert_int_equal(
      shell("%s/looptrace diff %lld 999 --db %s 2>/dev/null", LT_BIN_DIR, (long long)conc, db), 2);
  assert_int_equal(
      shell("%s/looptrace diff %lld --db %s 2>/dev/null", LT_BIN_DIR, (long long)conc, db), 2);
}

static void test_shuffled_runs_fall_into_groups(void **state) {
  record("fifo", "--runs 4", "demo_fifo");
  int64_t last = record("shuffled", "--runs 8 --shuffle 1 --name shuffled", "demo_fifo");
  assert_int_equal(db_int(db,
                          "SELECT count(*) FROM sessions WHERE label LIKE 'demo_fifo#%' "
                          "AND shuffle_seed IS NULL"),
                   4);
  assert_string_equal(db_lines(db,
                               "SELECT shuffle_seed FROM sessions WHERE label LIKE "
                               "'shuffled#%' ORDER BY id"),
                      "1\n2\n3\n4\n5\n6\n7\n8\n");
  /* FIFO runs: one ordering, one output, exit 0 */
  assert_int_equal(
      shell("%s/looptrace orderings --db %s --label demo_fifo > /dev/null", LT_BIN_DIR, db), 0);
  /* shuffled: several of each, exit 1; the API says which runs share which */
  assert_int_equal(
      shell("%s/looptrace orderings --db %s --label shuffled > %s/groups.txt", LT_BIN_DIR, db, dir),
      1);
  char args[64];
  snprintf(args, sizeof args, "{\"sessions\":\"%lld-%lld\"}", (long long)last - 7, (long long)last);
  ltc_err err;
  cJSON *g = ask("orderings", args, &err);
  assert_non_null(g);
  assert_true(num(g, "distinct_orderings") >= 2);
  assert_true(num(g, "distinct_outputs") >= 2);
  assert_int_equal(cJSON_GetArraySize(obj(g, "runs")), 8);
  /* groups largest first, every run in exactly one; the others say where they depart */
  int64_t members = 0, prev = INT64_MAX;
  const cJSON *grp;
  cJSON_ArrayForEach(grp, obj(g, "orderings")) {
    int64_t n = cJSON_GetArraySize(obj(grp, "sessions"));
    assert_true(n <= prev);
    prev = n;
    members += n;
    if (num(grp, "group") > 1) {
      assert_true(num(obj(grp, "departs"), "step") > 0);
      assert_non_null(strstr(str(obj(grp, "departs"), "this"), "resumes"));
    }
  }
  assert_int_equal(members, 8);
  cJSON_ArrayForEach(grp, obj(g, "outputs")) {
    assert_int_equal(num(grp, "lines"), 5);
    assert_int_equal(cJSON_GetArraySize(obj(grp, "text")), 5);
  }
  cJSON_Delete(g);
  char path[128];
  snprintf(path, sizeof path, "%s/groups.txt", dir);
  assert_non_null(strstr(file_text(path), "8 runs: "));
  assert_non_null(strstr(file_text(path), "departs from ordering 1 at step "));
}

static void test_replaying_a_seed_reproduces_the_run(void **state) {
  int64_t a = record("rand", "--shuffle random", "demo_fifo");
  int64_t seed = db_int(db, "SELECT shuffle_seed FROM sessions ORDER BY id DESC LIMIT 1");
  assert_true(seed >= 0 && seed < (1LL << 53)); /* random seeds stay JSON-exact */
  char path[160];
  snprintf(path, sizeof path, "%s/record.err", dir);
  char said[64];
  snprintf(said, sizeof said, "replay this run with --shuffle %lld", (long long)seed);
  assert_non_null(strstr(file_text(path), said));
  char opts[64];
  snprintf(opts, sizeof opts, "--shuffle %lld", (long long)seed);
  int64_t b = record("replay", opts, "demo_fifo");
  assert_int_equal(db_int(db, "SELECT shuffle_seed FROM sessions ORDER BY id DESC LIMIT 1"), seed);
  /* the same output, line for line, and the same ordering step for step */
  static char out_a[16384], marks_a[16384];
  snprintf(path, sizeof path, "%s/rand.out", dir);
  strcpy(out_a, file_text(path));
  snprintf(path, sizeof path, "%s/replay.out", dir);
  assert_string_equal(file_text(path), out_a);
  strcpy(marks_a, db_marks(db, a));
  assert_string_equal(db_marks(db, b), marks_a);
  assert_string_equal(marks_a, out_a);
  assert_int_equal(shell("%s/looptrace diff %lld %lld --db %s > /dev/null", LT_BIN_DIR, (long long)a,
                      (long long)b, db),
                   0);
  ltc_ordering *oa, *ob;
  assert_int_equal(ltc_ordering_load(reader, a, &oa, NULL), 0);
  assert_int_equal(ltc_ordering_load(reader, b, &ob, NULL), 0);
  assert_true(oa->shuffled && ob->shuffled && oa->seed == (uint64_t)seed);
  assert_true(ltc_ordering_equal(oa, ob));
  assert_true(ltc_ordering_same_output(oa, ob, NULL));
  ltc_ordering_free(oa);
  ltc_ordering_free(ob);
}

static void test_api_errors(void **state) {
  ltc_err err;
  assert_null(ask("diff", "{\"a\":1}", &err));
  assert_int_equal(ltc_err_http_status(err.code), 400);
  assert_null(ask("diff", "{\"a\":1,\"b\":999}", &err));
  assert_int_equal(ltc_err_http_status(err.code), 404);
  assert_null(ask("diff", "{\"a\":1,\"b\":2,\"context\":\"x\"}", &err));
  assert_int_equal(ltc_err_http_status(err.code), 400);
  assert_null(ask("orderings", "{}", &err));
  assert_int_equal(ltc_err_http_status(err.code), 400);
  assert_null(ask("orderings", "{\"sessions\":\"1,x\"}", &err));
  assert_int_equal(ltc_err_http_status(err.code), 400);
  assert_null(ask("orderings", "{\"sessions\":[1,999]}", &err));
  assert_int_equal(ltc_err_http_status(err.code), 404);
  /* the largest id there is, or beyond: refused, not counted past (tests/fuzz found it) */
  assert_null(ask("orderings", "{\"sessions\":\"9223372036854775807\"}", &err));
  assert_int_equal(ltc_err_http_status(err.code), 400);
  assert_null(ask("orderings", "{\"sessions\":\"92233720368547758079,2\"}", &err));
  assert_int_equal(ltc_err_http_status(err.code), 400);
  assert_null(ask("orderings", "{\"sessions\":\"1-9223372036854775807\"}", &err));
  assert_int_equal(ltc_err_http_status(err.code), 400);
  assert_true(ltc_api_is_read("diff") && ltc_api_is_read("orderings"));
  cJSON *ok = ask("orderings", "{\"sessions\":[2,3]}", &err);
  assert_non_null(ok);
  assert_int_equal(num(ok, "distinct_orderings"), 1); /* the two concurrent runs */
  cJSON_Delete(ok);
}

/* A hello from before shuffle mode (argv is its last field) reads as a FIFO run; one with the
 * extension gives its seed; bytes after it (a later version's) are skipped. */
static ltc_hello got;
static int hellos;
static void on_hello(void *user, const ltc_hello *h) {
  got = *h;
  hellos++;
}

static void feed_hello(const uint8_t *extra, size_t n) {
  uint8_t buf[256];
  size_t len = 0;
#define PUT(p, k) (memcpy(buf + len, (p), (k)), len += (k))
  uint32_t version = LT_WIRE_VERSION, zero = 0, pid = 42, argc = 1, one = 1;
  int64_t t = 0;
  uint8_t clock[4] = {LT_WIRE_CLOCK_VIRTUAL, 0, 0, 0};
  PUT(LT_WIRE_MAGIC, 8);
  PUT(&version, 4);
  size_t size_at = len;
  PUT(&zero, 4);
  size_t start = len;
  PUT(&pid, 4);
  PUT(clock, 4);
  PUT(&t, 8);
  PUT(&t, 8);
  PUT(&argc, 4);
  PUT(&one, 4);
  PUT("p", 1);
  PUT(&zero, 4); /* empty label */
  PUT(&one, 4);
  PUT("p", 1);
  if (n) PUT(extra, n);
  uint32_t hello = (uint32_t)(len - start);
  memcpy(buf + size_at, &hello, 4);
#undef PUT
  ltc_reader_callbacks cb = {on_hello, NULL, NULL};
  ltc_reader *r = ltc_reader_new(&cb);
  hellos = 0;
  assert_int_equal(ltc_reader_feed(r, buf, len), 0);
  assert_int_equal(hellos, 1);
  assert_int_equal(got.pid, 42);
  ltc_reader_free(r);
}

static void test_old_and_new_hellos(void **state) {
  feed_hello(NULL, 0);
  assert_false(got.shuffled);
  uint8_t ext[24] = {LT_HELLO_SHUFFLED};
  uint64_t seed = 0xfedcba9876543210ull;
  memcpy(ext + 8, &seed, 8);
  feed_hello(ext, 16);
  assert_true(got.shuffled);
  assert_true(got.shuffle_seed == seed);
  feed_hello(ext, 24);
  assert_true(got.shuffled);
  ext[0] = 0;
  feed_hello(ext, 16);
  assert_false(got.shuffled);
}

/* A database made before the column (the layout of schema version 2, numbered 0 as every
 * database was before versions): a reader refuses it, saying why; opening it for writing adds
 * shuffle_seed, and its runs read as FIFO. */
static void test_old_database_gains_the_column(void **state) {
  char old[160];
  snprintf(old, sizeof old, "%s/old.db", dir);
  ltc_store *w;
  assert_int_equal(ltc_store_open(old, &w, NULL), 0);
  ltc_store_close(w);
  assert_int_equal(shell("sqlite3 %s \"ALTER TABLE sessions DROP COLUMN shuffle_seed; "
                      "ALTER TABLE sessions DROP COLUMN unstored; ALTER TABLE sessions DROP "
                      "COLUMN writer; DROP TABLE meta; ALTER TABLE sessions DROP COLUMN "
                      "flight_from_ns; ALTER TABLE sessions DROP COLUMN flight_to_ns; ALTER "
                      "TABLE sessions DROP COLUMN flight_lost; ALTER TABLE sessions DROP "
                      "COLUMN flight_dump; INSERT INTO "
                      "sessions (program, argv, clock, status) VALUES ('p', '[]', 'real', "
                      "'complete'); PRAGMA user_version = 0\"",
                      old),
                   0);
  ltc_store *r;
  ltc_err err = {0};
  assert_int_equal(ltc_store_open_reader(old, &r, &err), -EPROTONOSUPPORT);
  assert_non_null(strstr(err.msg, "schema is version 2"));
  assert_int_equal(ltc_store_open(old, &w, NULL), 0);
  ltc_store_close(w);
  assert_int_equal(ltc_store_open_reader(old, &r, NULL), 0);
  ltc_session_row row;
  assert_int_equal(ltc_store_session_row(r, 1, &row, NULL), 0);
  assert_false(row.shuffled); /* a FIFO run */
  ltc_store_close(r);
  assert_int_equal(db_int(old,
                          "SELECT count(*) FROM pragma_table_info('sessions') WHERE name = "
                          "'shuffle_seed'"),
                   1);
  assert_int_equal(db_int(old, "SELECT count(*) FROM sessions WHERE shuffle_seed IS NULL"), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sequential_against_concurrent),
      cmocka_unit_test(test_two_runs_of_one_program_have_an_empty_diff),
      cmocka_unit_test(test_shuffled_runs_fall_into_groups),
      cmocka_unit_test(test_replaying_a_seed_reproduces_the_run),
      cmocka_unit_test(test_api_errors),
      cmocka_unit_test(test_old_and_new_hellos),
      cmocka_unit_test(test_old_database_gains_the_column),
  };
  return cmocka_run_group_tests_name("compare", tests, setup, teardown);
}

/* test_surface_trace.c: the asyncio surface beyond the seeds is traced like the rest: the real
 * examples/demo_surface, traced to a file, has its waits on a barrier, a condition, a stream,
 * a child process, asyncio.wait and open_connection's name resolution (on a worker thread)
 * recorded with their own reasons and source lines (as
 * `looptrace dump` names them), its renamed task dumped under its new name; and recorded into
 * a real SQLite file, the tasks table holds the name the task was given later. */
#include <setjmp.h>
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

static char dir[64];

static int setup(void **state) {
  strcpy(dir, "/tmp/lt-surface-XXXXXX");
  assert_non_null(mkdtemp(dir));
  return 0;
}

static int teardown(void **state) {
  return shell("rm -rf %s", dir);
}

/* A whole file's text (malloc'd). */
static char *slurp(const char *path) {
  char *b = file_copy(path);
  assert_non_null(b);
  return b;
}

/* The dump's text. */
static char *dump_of_a_traced_run(void) {
  assert_int_equal(shell("LOOPTRACE=file:%s/s.ltr %s/demo_surface > %s/out", dir, LT_BIN_DIR,
                         dir),
                   0);
  assert_int_equal(shell("%s/looptrace dump %s/s.ltr > %s/dump", LT_BIN_DIR, dir, dir), 0);
  char path[128];
  snprintf(path, sizeof path, "%s/dump", dir);
  return slurp(path);
}

static void expect(const char *text, const char *what) {
  if (!strstr(text, what)) fail_msg("the dump has no '%s'", what);
}

static void test_each_wait_has_its_reason(void **state) {
  char *d = dump_of_a_traced_run();
  expect(d, "A suspend barrier ");
  expect(d, "consumer suspend condition ");
  expect(d, "main suspend gather "); /* lt_wait: the multi-future family */
  expect(d, "main suspend process ");
  expect(d, "reader suspend stream ");
  expect(d, "main suspend executor "); /* open_connection's getaddrinfo, on a worker thread */
  expect(d, "loop exec-start ");
  expect(d, "C-renamed rename");
  expect(d, "C-renamed mark \"C passed the barrier as 2\"");
  /* the condition wait is recorded at the line of the program that waits */
  char *src = slurp(LT_ORACLE_DIR "/../../examples/demo_surface.c");
  const char *call = strstr(src, "lt_condition_wait_for(cond");
  assert_non_null(call);
  int line = 1;
  for (const char *c = src; c < call; c++) line += *c == '\n';
  char want[96];
  snprintf(want, sizeof want, "consumer suspend condition future#");
  const char *at = strstr(d, want);
  assert_non_null(at);
  snprintf(want, sizeof want, " at demo_surface.c:%d\n", line);
  const char *eol = strchr(at, '\n');
  assert_non_null(strstr(at, want));
  assert_true(strstr(at, want) < eol); /* on that very line of the dump */
  free(src);
  free(d);
}

static void test_the_store_takes_the_new_name(void **state) {
  char db[128];
  snprintf(db, sizeof db, "%s/t.db", dir);
  assert_int_equal(shell("%s/looptrace record --db %s --name surface -- %s/demo_surface "
                         "> %s/out2 2>%s/err2",
                         LT_BIN_DIR, db, LT_BIN_DIR, dir, dir),
                   0);
  assert_string_equal(db_lines(db, "SELECT name FROM tasks WHERE name IN ('C', 'C-renamed')"),
                      "C-renamed\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_each_wait_has_its_reason),
      cmocka_unit_test(test_the_store_takes_the_new_name),
  };
  return cmocka_run_group_tests_name("surface_trace", tests, setup, teardown);
}

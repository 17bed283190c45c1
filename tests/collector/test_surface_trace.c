/* test_surface_trace.c: the asyncio surface beyond the seeds is traced like the rest: the real
 * examples/demo_surface, traced to a file, has its waits on a barrier, a condition, a stream,
 * a child process and asyncio.wait recorded with their own reasons and source lines (as
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

/* The dump's text. */
static const char *dump_of_a_traced_run(void) {
  assert_int_equal(shell("LOOPTRACE=file:%s/s.ltr %s/demo_surface > %s/out", dir, LT_BIN_DIR,
                         dir),
                   0);
  assert_int_equal(shell("%s/looptrace dump %s/s.ltr > %s/dump", LT_BIN_DIR, dir, dir), 0);
  static char path[128];
  snprintf(path, sizeof path, "%s/dump", dir);
  return file_text(path);
}

static void expect(const char *text, const char *what) {
  if (!strstr(text, what)) fail_msg("the dump has no '%s'", what);
}

static void test_each_wait_has_its_reason(void **state) {
  const char *d = dump_of_a_traced_run();
  expect(d, "A suspend barrier ");
  expect(d, "consumer suspend condition ");
  expect(d, "main suspend gather "); /* lt_wait: the multi-future family */
  expect(d, "main suspend process ");
  expect(d, "reader suspend stream ");
  expect(d, "C-renamed rename");
  expect(d, "C-renamed mark \"C passed the barrier as 2\"");
  expect(d, "demo_surface.c:29"); /* the condition wait's line */
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

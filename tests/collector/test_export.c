/* test_export.c: `looptrace export` of a recorded session (real child processes): Chrome trace
 * JSON that parses, with a thread per task, the printed lines as instants on their tasks in the
 * oracle's order, balanced running/waiting slices, every flow arrow with both ends, and JSON
 * lines with one object per stored record. */
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

#include "db_query.h"

static char dir[64], db[128];

/* A whole file's text (malloc'd). */
static char *slurp(const char *path) {
  char *b = file_copy(path);
  assert_non_null(b);
  return b;
}

static int setup(void **state) {
  strcpy(dir, "/tmp/lt-export-XXXXXX");
  assert_non_null(mkdtemp(dir));
  snprintf(db, sizeof db, "%s/t.db", dir);
  assert_int_equal(shell("%s/looptrace record --db %s --clock virtual -- %s/seed_ordering >/dev/null "
                       "2>&1",
                       LT_BIN_DIR, db, LT_BIN_DIR),
                   0);
  return 0;
}

static int teardown(void **state) { return shell("rm -rf %s", dir); }

static const char *str(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : "";
}
static double num(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static void test_chrome_export(void **state) {
  char out[160];
  snprintf(out, sizeof out, "%s/t.json", dir);
  assert_int_equal(shell("%s/looptrace export 1 --db %s -o %s", LT_BIN_DIR, db, out), 0);
  char *text = slurp(out);
  cJSON *root = cJSON_Parse(text);
  assert_non_null(root);
  const cJSON *events = cJSON_GetObjectItemCaseSensitive(root, "traceEvents");
  assert_true(cJSON_IsArray(events));

  char threads[512] = "", marks[512] = "";
  int depth[64] = {0}, flows_s = 0, flows_f = 0;
  double flow_ids[64];
  int nflow = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, events) {
    const char *ph = str(e, "ph");
    int tid = (int)num(e, "tid");
    assert_true(tid >= 0 && tid < 64);
    if (!strcmp(ph, "M") && !strcmp(str(e, "name"), "thread_name")) {
      strcat(threads, str(cJSON_GetObjectItemCaseSensitive(e, "args"), "name"));
      strcat(threads, ",");
    } else if (!strcmp(ph, "i") && tid != 0) {
      strcat(marks, str(e, "name"));
      strcat(marks, "|");
    } else if (!strcmp(ph, "B")) {
      depth[tid]++;
    } else if (!strcmp(ph, "E")) {
      assert_true(depth[tid] > 0); /* never an end without its begin */
      depth[tid]--;
    } else if (!strcmp(ph, "s")) {
      flows_s++;
      flow_ids[nflow++] = num(e, "id");
    } else if (!strcmp(ph, "f")) {
      flows_f++;
      bool found = false;
      for (int i = 0; i < nflow; i++) found |= flow_ids[i] == num(e, "id");
      assert_true(found); /* every arrow's head has its tail */
    }
  }
  assert_string_equal(threads,
                      "event loop,main,T1,T3,T2,shutdown_asyncgens,shutdown_default_executor,");
  assert_string_equal(marks, "main start|main middle|T1 start|T3 start|T3 end|T2 start|T2 end|"
                             "T1 end|main end|");
  for (int t = 1; t < 64; t++) assert_int_equal(depth[t], 0); /* every task's slices closed */
  /* wake-ups with a waker: T1, T3, T2 spawned by main, T1 by its timer, main by T1 */
  assert_int_equal(flows_s, 5);
  assert_int_equal(flows_f, 5);
  cJSON_Delete(root);
  free(text);
}

static void test_jsonl_export(void **state) {
  char out[160];
  snprintf(out, sizeof out, "%s/t.jsonl", dir);
  assert_int_equal(shell("%s/looptrace export 1 --db %s --format jsonl -o %s", LT_BIN_DIR, db, out),
                   0);
  char *text = slurp(out);
  int lines = 0, marks = 0;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    cJSON *o = cJSON_Parse(line);
    assert_non_null(o);
    if (!strcmp(str(o, "kind"), "mark")) marks++;
    lines++;
    cJSON_Delete(o);
  }
  assert_int_equal(lines, 81); /* every stored record of seed_ordering (see its golden trace) */
  assert_int_equal(marks, 9);
  free(text);
}

static void test_unknown_session_and_bad_format(void **state) {
  assert_int_equal(shell("%s/looptrace export 99 --db %s >/dev/null 2>&1", LT_BIN_DIR, db), 1);
  assert_int_equal(shell("%s/looptrace export 1 --db %s --format xml >/dev/null 2>&1", LT_BIN_DIR,
                       db),
                   2);
  assert_int_equal(shell("%s/looptrace export --db %s >/dev/null 2>&1", LT_BIN_DIR, db), 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_chrome_export),
      cmocka_unit_test(test_jsonl_export),
      cmocka_unit_test(test_unknown_session_and_bad_format),
  };
  return cmocka_run_group_tests_name("export", tests, setup, teardown);
}

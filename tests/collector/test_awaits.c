/* test_awaits.c: the await graph (GET /api/sessions/N/awaits?at=) of seed programs recorded
 * under the virtual clock, at chosen moments, against trees derived by hand from their
 * sources: who awaits whom (exactly for a task awaited, by live children for a task group
 * or as_completed), each wait's reason and file:line, how long it has waited; and a cycle of
 * two tasks awaiting each other, reported as one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "scratch.h"

#include "api/api.h"
#include "store/store.h"

static int record(const char *prog) { return scratch_record("virtual", prog); }

/* A tree as one line: NAME{STATE[:REASON@FILE:LINE][ for MS]}(VIA NODE, ...), roots by " | ". */
static void print_node(const cJSON *n, char *out, size_t cap) {
  size_t len = strlen(out);
  const cJSON *w = cJSON_GetObjectItem(n, "waits"), *via = cJSON_GetObjectItem(n, "via");
  snprintf(out + len, cap - len, "%s%s%s{%s", via ? via->valuestring : "", via ? " " : "",
           cJSON_GetObjectItem(n, "name")->valuestring,
           cJSON_GetObjectItem(n, "state")->valuestring);
  len = strlen(out);
  if (cJSON_IsObject(w)) {
    const cJSON *file = cJSON_GetObjectItem(w, "file");
    snprintf(out + len, cap - len, ":%s@%s:%d for %d ms",
             cJSON_GetObjectItem(w, "reason")->valuestring, file ? file->valuestring : "?",
             file ? cJSON_GetObjectItem(w, "line")->valueint : 0,
             (int)(cJSON_GetObjectItem(n, "for_ns")->valuedouble / 1e6));
    len = strlen(out);
  }
  snprintf(out + len, cap - len, "%s}", cJSON_IsTrue(cJSON_GetObjectItem(n, "cycle")) ? " cycle"
                                                                                      : "");
  const cJSON *kids = cJSON_GetObjectItem(n, "awaits");
  if (cJSON_GetArraySize(kids) > 0) {
    strncat(out, "(", cap - strlen(out) - 1);
    int i = 0;
    for (const cJSON *k = kids->child; k; k = k->next, i++) {
      if (i) strncat(out, ", ", cap - strlen(out) - 1);
      print_node(k, out, cap);
    }
    strncat(out, ")", cap - strlen(out) - 1);
  }
}

/* The graph of session id at ms, as a line, and its cycles (names joined by " -> "). */
static void graph(int id, int ms, char *out, size_t cap, char *cycles, size_t ccap) {
  ltc_store *s;
  assert_int_equal(ltc_store_open(scratch_db, &s, NULL), 0);
  cJSON *args = cJSON_CreateObject();
  cJSON_AddNumberToObject(args, "session", id);
  cJSON_AddNumberToObject(args, "at", (double)ms * 1e6);
  ltc_err err = {0};
  cJSON *g = ltc_api_read(s, "awaits", args, &err);
  if (!g) fail_msg("awaits: %s", err.msg);
  out[0] = cycles[0] = 0;
  int i = 0;
  for (const cJSON *r = cJSON_GetObjectItem(g, "roots")->child; r; r = r->next, i++) {
    if (i) strncat(out, " | ", cap - strlen(out) - 1);
    print_node(r, out, cap);
  }
  for (const cJSON *c = cJSON_GetObjectItem(g, "cycles")->child; c; c = c->next)
    for (const cJSON *m = c->child; m; m = m->next) {
      if (cycles[0]) strncat(cycles, " -> ", ccap - strlen(cycles) - 1);
      strncat(cycles, cJSON_GetObjectItem(m, "name")->valuestring, ccap - strlen(cycles) - 1);
    }
  cJSON_Delete(g);
  cJSON_Delete(args);
  ltc_store_close(s);
}

static void expect(int id, int ms, const char *tree, const char *cycles) {
  char got[4096], cy[512];
  graph(id, ms, got, sizeof got, cy, sizeof cy);
  if (strcmp(got, tree) != 0) fail_msg("at %d ms:\n got  %s\n want %s", ms, got, tree);
  assert_string_equal(cy, cycles);
}

static void test_say_after_concurrent(void **state) {
  (void)state;
  int id = record("say_after concurrent");
  /* main awaits task1 (hello, 100 ms); task2 (world, 200 ms) is awaited by nobody yet */
  expect(id, 50,
         "main{waiting:task@say_after.c:40 for 50 ms}(await say_after(hello){waiting:sleep"
         "@say_after.c:20 for 50 ms}) | say_after(world){waiting:sleep@say_after.c:20 for 50 ms}",
         "");
  /* hello is done; main awaits world, which has slept 150 of its 200 ms */
  expect(id, 150,
         "main{waiting:task@say_after.c:41 for 50 ms}(await say_after(world){waiting:sleep"
         "@say_after.c:20 for 150 ms})",
         "");
}

static void test_ordering(void **state) {
  (void)state;
  int id = record("seed_ordering");
  /* T3 and T2 ran to their end at once; main awaits T1, asleep for 200 ms */
  expect(id, 100,
         "main{waiting:task@seed_ordering.c:31 for 100 ms}(await T1{waiting:sleep"
         "@seed_ordering.c:7 for 100 ms})",
         "");
}

static void test_taskgroup(void **state) {
  (void)state;
  int id = record("seed_taskgroup");
  /* the group (its end waits as a gather): Anna Herb (100 ms) is done, John Doe (200 ms)
   * still sleeps */
  expect(id, 150,
         "main{waiting:gather@seed_taskgroup.c:29 for 150 ms}(child Task-2{waiting:sleep"
         "@seed_taskgroup.c:16 for 150 ms})",
         "");
  /* as_completed (a gather too) from 200 ms: Anna Herb (100) is done, John Does (300) and
   * Chris (200) sleep */
  expect(id, 350,
         "main{waiting:gather@seed_taskgroup.c:42 for 50 ms}(child Task-4{waiting:sleep"
         "@seed_taskgroup.c:16 for 150 ms}, child Task-6{waiting:sleep@seed_taskgroup.c:16 "
         "for 150 ms})",
         "");
}

static void test_cycle(void **state) {
  (void)state;
  int id = record("demo_cycle");
  expect(id, 5,
         "main{waiting:sleep@demo_cycle.c:20 for 5 ms} | first{waiting:task@demo_cycle.c:12 "
         "for 4 ms}(await second{waiting:task@demo_cycle.c:15 for 5 ms}(await first{waiting:"
         "task@demo_cycle.c:12 for 4 ms cycle}))",
         "first -> second");
}

static int setup(void **state) {
  (void)state;
  return scratch_make("awaits");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_say_after_concurrent),
      cmocka_unit_test(test_ordering),
      cmocka_unit_test(test_taskgroup),
      cmocka_unit_test(test_cycle),
  };
  return cmocka_run_group_tests(tests, setup, scratch_remove);
}

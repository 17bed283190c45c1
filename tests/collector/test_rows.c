/* test_rows.c: the rows form of records (collector/api/rows.c), parsed back with cJSON: each
 * record is its numbers and the index of its shape; a shape (kind, arg count, words, site) is
 * written once however many records have it, and records that differ in any word get shapes
 * of their own; whole numbers at their limits come out exact; a reset form starts empty. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "api/jsonbuf.h"
#include "api/rows.h"
#include "lt/wire.h"

/* r's push fields as a JSON object (freed by the caller). */
static cJSON *parsed(const ltc_rows *r) {
  ltc_jsonbuf b = {0};
  ltc_jsonbuf_put(&b, "{", 1);
  assert_int_equal(ltc_rows_write(r, &b), 0);
  ltc_jsonbuf_put(&b, "}", 1);
  cJSON *o = cJSON_Parse(ltc_jsonbuf_text(&b));
  ltc_jsonbuf_free(&b);
  assert_non_null(o);
  return o;
}

static ltc_event suspend(uint64_t seq, int64_t ts, uint32_t task) {
  ltc_event e = {.track = 1, .seq = seq, .kind = LT_EV_TASK_SUSPEND, .task = task, .ts = ts,
                 .nargs = 2};
  e.a[0] = task;
  e.a[1] = 7; /* the site's id */
  return e;
}

static void shapes_are_written_once(void **state) {
  (void)state;
  ltc_rows r = {0};
  ltc_event_text here = {.file = "w.c", .func = "worker", .line = 42};
  ltc_event_text there = {.file = "w.c", .func = "worker", .line = 43};
  for (int i = 0; i < 1000; i++) {
    ltc_event e = suspend((uint64_t)i, 1000 + i, (uint32_t)(i % 4));
    ltc_rows_add(&r, &e, i == 500 ? &there : &here);
  }
  ltc_event mark = {.track = 1, .seq = 1000, .kind = LT_EV_MARK, .ts = 5000, .nargs = 1};
  ltc_event_text said = {.text = "tick \"1\""};
  ltc_rows_add(&r, &mark, &said);
  cJSON *o = parsed(&r);
  cJSON *shapes = cJSON_GetObjectItem(o, "shapes"), *rows = cJSON_GetObjectItem(o, "rows");
  assert_int_equal(cJSON_GetArraySize(shapes), 3); /* line 42, line 43, the mark */
  const cJSON *s0 = cJSON_GetArrayItem(shapes, 0);
  assert_string_equal(cJSON_GetObjectItem(s0, "kind")->valuestring, "suspend");
  assert_int_equal(cJSON_GetObjectItem(s0, "n")->valueint, 2);
  const cJSON *site = cJSON_GetObjectItem(s0, "site");
  assert_string_equal(cJSON_GetObjectItem(site, "func")->valuestring, "worker");
  assert_int_equal(cJSON_GetObjectItem(site, "line")->valueint, 42);
  assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(shapes, 1), "site")
                       ->child->next->next->valueint, 43);
  assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(shapes, 2), "text")->valuestring,
                      "tick \"1\"");
  /* 1000 suspends of 6 + 2 numbers, and the mark's 6 + 1 */
  assert_int_equal(cJSON_GetArraySize(rows), 1000 * 8 + 7);
  const cJSON *x = cJSON_GetArrayItem(rows, 500 * 8);
  double want[] = {1, 500, 1500, 0, 0, 1, 0, 7}; /* task 500 % 4, the line-43 shape */
  for (int i = 0; i < 8; i++, x = x->next) assert_true(x->valuedouble == want[i]);
  assert_true(cJSON_GetArrayItem(rows, 1000 * 8 + 5)->valuedouble == 2);
  cJSON_Delete(o);
  ltc_rows_free(&r);
}

static void numbers_are_exact(void **state) {
  (void)state;
  ltc_rows r = {0};
  ltc_event e = {.track = 0x7fffffff, .seq = 0, .kind = LT_EV_MARK, .ts = INT64_MIN,
                 .nargs = 1, .flags = 255, .task = UINT32_MAX};
  e.a[0] = UINT64_MAX;
  ltc_rows_add(&r, &e, NULL);
  ltc_jsonbuf b = {0};
  assert_int_equal(ltc_rows_write(&r, &b), 0);
  assert_string_equal(ltc_jsonbuf_text(&b),
                      "\"shapes\":[{\"kind\":\"mark\",\"n\":1}],\"rows\":[2147483647,0,"
                      "-9223372036854775808,255,4294967295,0,18446744073709551615]");
  ltc_jsonbuf_free(&b);
  ltc_rows_reset(&r); /* and empty again, shapes forgotten */
  e.ts = 0;
  ltc_rows_add(&r, &e, NULL);
  b = (ltc_jsonbuf){0};
  assert_int_equal(ltc_rows_write(&r, &b), 0);
  assert_string_equal(ltc_jsonbuf_text(&b),
                      "\"shapes\":[{\"kind\":\"mark\",\"n\":1}],\"rows\":[2147483647,0,0,255,"
                      "4294967295,0,18446744073709551615]");
  ltc_jsonbuf_free(&b);
  ltc_rows_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(shapes_are_written_once),
      cmocka_unit_test(numbers_are_exact),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_task_info.c: lt_all_tasks as asyncio.all_tasks (the tasks of this loop not done yet,
 * the caller among them, created ones that never ran too; here in creation order) and
 * lt_task_set_name as Task.set_name (short and long names, renaming to itself, misuse). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "combine_log.h"

static int nap(void *arg, void **result) { return lt_sleep(LT_MSEC((intptr_t)arg)); }

static void log_tasks(const char *what) {
  lt_task *ts[8];
  long n = lt_all_tasks(ts, 8);
  char buf[128] = "";
  for (long i = 0; i < n && i < 8; i++)
    snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " %s", lt_task_name(ts[i]));
  logf_("%s %ld:%s", what, n, buf);
}

static int all_main(void *arg, void **result) {
  log_tasks("alone");
  lt_task *a = lt_spawn_named(nap, (void *)10, "a");
  lt_task *b = lt_spawn_named(nap, (void *)20, "b");
  lt_task *c = lt_spawn_named(nap, (void *)30, "c");
  log_tasks("spawned"); /* not started yet: still listed */
  lt_sleep(LT_MSEC(15));
  log_tasks("a done");
  lt_task *few[1];
  long n = lt_all_tasks(few, 1);
  logf_("count beyond cap %ld first %s", n, lt_task_name(few[0]));
  logf_("count only %ld", lt_all_tasks(NULL, 0));
  lt_await(c, NULL);
  log_tasks("all done");
  lt_task_release(a);
  lt_task_release(b);
  lt_task_release(c);
  return 0;
}

static void test_all_tasks_lists_the_pending_in_creation_order(void **state) {
  assert_int_equal(run_virtual(all_main, NULL), 0);
  LOG_EXPECT("alone 1: main", "spawned 4: main a b c", "a done 3: main b c",
             "count beyond cap 3 first main", "count only 3", "all done 1: main");
  assert_int_equal(lt_all_tasks(NULL, 0), -EPERM);
}

static int rename_main(void *arg, void **result) {
  lt_task *t = lt_spawn(nap, (void *)1);
  logf_("before %s", lt_task_name(t));
  logf_("rc %d", lt_task_set_name(t, "worker"));
  logf_("now %s", lt_task_name(t));
  const char *long_name = "a name much longer than the thirty-one bytes kept inline";
  lt_task_set_name(t, long_name);
  logf_("long ok %d", strcmp(lt_task_name(t), long_name) == 0);
  lt_task_set_name(t, lt_task_name(t)); /* to itself, from the heap */
  logf_("self ok %d", strcmp(lt_task_name(t), long_name) == 0);
  lt_task_set_name(t, "short");
  lt_task_set_name(t, lt_task_name(t)); /* to itself, inline */
  logf_("short %s", lt_task_name(t));
  logf_("null %d", lt_task_set_name(t, NULL));
  lt_await(t, NULL);
  lt_task_set_name(t, "done too"); /* a finished task keeps its name and can change it */
  logf_("after %s", lt_task_name(t));
  lt_task_release(t);
  return 0;
}

static void test_set_name(void **state) {
  assert_int_equal(run_virtual(rename_main, NULL), 0);
  LOG_EXPECT("before Task-2", "rc 0", "now worker", "long ok 1", "self ok 1", "short short",
             "null -22", "after done too");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_all_tasks_lists_the_pending_in_creation_order),
      cmocka_unit_test(test_set_name),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

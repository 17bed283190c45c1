/* seed_no_await: a task created and never awaited is cancelled when main returns
 * (shared/oracle/seed_no_await.py). */
#include <errno.h>

#include <looptrace.h>

static int foo(void *arg, void **result) {
  lt_print("%s", (const char *)arg);
  int rc = lt_sleep(LT_MSEC(100));
  if (rc == -ECANCELED) {
    lt_print("foo cancelled");
    return rc; /* re-raise: the task ends cancelled */
  }
  lt_print("Ending foo");
  return rc;
}

static int amain(void *arg, void **result) {
  lt_print("awaiting foo...");
  lt_task *task = lt_spawn_named(foo, "inside foo", "foo");
  lt_print("finished awaiting foo");
  lt_task_release(task); /* the loop keeps it alive until lt_run cancels it */
  return 0;
}

int main(void) { return lt_run(amain, NULL, NULL, NULL) == 0 ? 0 : 1; }

/* seed_countdown: a countdown task interleaved with main's own sleeps and awaits
 * (shared/oracle/seed_countdown.py). */
#include <looptrace.h>

static int do_more_stuff(const char **out) {
  int rc = lt_sleep(LT_MSEC(200));
  if (rc < 0) return rc;
  *out = "Hello World";
  return 0;
}

static int do_stuff(void) {
  int rc = lt_sleep(LT_MSEC(100));
  if (rc < 0) return rc;
  lt_print("Doing more stuff");
  const char *result;
  rc = do_more_stuff(&result); /* a plain call: awaiting a coroutine runs it inline */
  if (rc < 0) return rc;
  lt_print("%s", result);
  return 0;
}

static int countdown(void *arg, void **result) {
  for (int i = 10; i > 0; i--) {
    lt_print("%d", i);
    int rc = lt_sleep(LT_MSEC(100));
    if (rc < 0) return rc;
  }
  lt_print("TAKE OFF!!!!!");
  return 0;
}

static int amain(void *arg, void **result) {
  lt_task *future = lt_spawn_named(countdown, NULL, "countdown");
  int rc = lt_sleep(LT_MSEC(50));
  if (rc == 0) rc = do_stuff();
  if (rc == 0) rc = lt_await(future, NULL);
  if (rc == 0) lt_print("Main is exiting");
  lt_task_release(future);
  return rc;
}

int main(void) { return lt_run(amain, NULL, NULL, NULL) == 0 ? 0 : 1; }

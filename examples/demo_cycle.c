/* demo_cycle.c: two tasks that await each other (a deadlock the await graph shows as a cycle).
 * main gives up after 10 ms and ends the process: cancelling either task would cancel the
 * task it awaits, round the cycle for ever (as asyncio's Task.cancel does). */
#include <stdlib.h>

#include <looptrace.h>

static lt_task *a, *b;

static int first(void *arg, void **result) {
  int rc = lt_sleep(LT_MSEC(1)); /* so that second exists and waits */
  return rc < 0 ? rc : lt_await(b, NULL);
}

static int second(void *arg, void **result) { return lt_await(a, NULL); }

static int amain(void *arg, void **result) {
  a = lt_spawn_named(first, NULL, "first");
  b = lt_spawn_named(second, NULL, "second");
  int rc = lt_sleep(LT_MSEC(10));
  lt_print("deadlocked: first and second await each other");
  exit(rc < 0 ? 1 : 0); /* the trace ends cleanly at exit */
}

int main(void) { return lt_run(amain, NULL, NULL, NULL) ? 1 : 0; }

/* seed_say_after: sequential awaits take 3 units, concurrent tasks 2
 * (shared/oracle/seed_say_after.py; 1 unit = 100 ms). */
#include <math.h>

#include <looptrace.h>

typedef struct say {
  int64_t delay;
  const char *what;
} say;

static int say_after(void *arg, void **result) {
  const say *s = arg;
  int rc = lt_sleep(s->delay);
  if (rc < 0) return rc;
  lt_print("%s", s->what);
  return 0;
}

static long units_since(int64_t t0) { return lround((double)(lt_now() - t0) / 1e8); }

static int sequential(void) {
  int64_t t0 = lt_now();
  say hello = {LT_MSEC(100), "hello"}, world = {LT_MSEC(200), "world"};
  int rc = say_after(&hello, NULL); /* awaiting a coroutine directly: no new task */
  if (rc == 0) rc = say_after(&world, NULL);
  if (rc == 0) lt_print("sequential took %ld units", units_since(t0));
  return rc;
}

static int concurrent(void) {
  int64_t t0 = lt_now();
  static say hello = {LT_MSEC(100), "hello"}, world = {LT_MSEC(200), "world"};
  lt_task *task1 = lt_spawn_named(say_after, &hello, "say_after(hello)");
  lt_task *task2 = lt_spawn_named(say_after, &world, "say_after(world)");
  int rc = lt_await(task1, NULL);
  if (rc == 0) rc = lt_await(task2, NULL);
  if (rc == 0) lt_print("concurrent took %ld units", units_since(t0));
  lt_task_release(task1);
  lt_task_release(task2);
  return rc;
}

static int amain(void *arg, void **result) {
  int rc = sequential();
  if (rc == 0) rc = concurrent();
  return rc;
}

int main(void) { return lt_run(amain, NULL, NULL, NULL) == 0 ? 0 : 1; }

/* say_after: seed_say_after's two halves as one program with an argument, so that each can be
 * recorded as a session of its own and the two compared (`looptrace diff`): `say_after
 * sequential` awaits say_after(hello) and then say_after(world) directly (3 units of 100 ms),
 * `say_after concurrent` runs them as two tasks (2 units). Same functions, same source lines. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <looptrace.h>

typedef struct say {
  int64_t delay;
  const char *what;
} say;

static say hello = {LT_MSEC(100), "hello"}, world = {LT_MSEC(200), "world"};

static int say_after(void *arg, void **result) {
  const say *s = arg;
  int rc = lt_sleep(s->delay);
  if (rc < 0) return rc;
  lt_print("%s", s->what);
  return 0;
}

static long units_since(int64_t t0) { return lround((double)(lt_now() - t0) / 1e8); }

static int sequential(void *arg, void **result) {
  int64_t t0 = lt_now();
  int rc = say_after(&hello, NULL); /* awaiting a coroutine directly: no new task */
  if (rc == 0) rc = say_after(&world, NULL);
  if (rc == 0) lt_print("sequential took %ld units", units_since(t0));
  return rc;
}

static int concurrent(void *arg, void **result) {
  int64_t t0 = lt_now();
  lt_task *task1 = lt_spawn_named(say_after, &hello, "say_after(hello)");
  lt_task *task2 = lt_spawn_named(say_after, &world, "say_after(world)");
  int rc = lt_await(task1, NULL);
  if (rc == 0) rc = lt_await(task2, NULL);
  if (rc == 0) lt_print("concurrent took %ld units", units_since(t0));
  lt_task_release(task1);
  lt_task_release(task2);
  return rc;
}

int main(int argc, char **argv) {
  const char *how = argc > 1 ? argv[1] : "";
  lt_task_fn fn = strcmp(how, "sequential") == 0   ? sequential
                  : strcmp(how, "concurrent") == 0 ? concurrent
                                                   : NULL;
  if (!fn) {
    fprintf(stderr, "usage: say_after sequential|concurrent\n");
    return 2;
  }
  return lt_run(fn, NULL, NULL, NULL) == 0 ? 0 : 1;
}

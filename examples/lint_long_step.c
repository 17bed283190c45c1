/* lint_long_step.c: trips `looptrace lint`'s long-step alone: one step of 150 ms (over the
 * 100 ms threshold), in a task that has yielded before, with no timer armed meanwhile.
 * `lint_long_step MS` makes the step MS long instead (10: a run with nothing to say). */
#include <stdlib.h>

#include <looptrace.h>

#include "spin.h"

static int cruncher(void *arg, void **result) {
  int rc = lt_yield(); /* it has yielded once: this is a long step, not a never-yielded task */
  if (rc < 0) return rc;
  spin_ms(*(long *)arg);
  return 0;
}

static int amain(void *arg, void **result) {
  lt_task *t = lt_spawn_named(cruncher, arg, "cruncher");
  int rc = lt_await(t, NULL);
  lt_task_release(t);
  return rc;
}

int main(int argc, char **argv) {
  long ms = argc > 1 ? atol(argv[1]) : 150;
  return lt_run(amain, &ms, NULL, NULL) ? 1 : 0;
}

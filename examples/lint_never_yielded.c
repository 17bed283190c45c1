/* lint_never_yielded.c: trips `looptrace lint`'s never-yielded alone: a task whose one and
 * only step runs 1.2 s (over 1 s) without ever yielding. */
#include <looptrace.h>

#include "spin.h"

static int hog(void *arg, void **result) {
  spin_ms(1200);
  return 0;
}

static int amain(void *arg, void **result) {
  lt_task *t = lt_spawn_named(hog, NULL, "hog");
  int rc = lt_await(t, NULL);
  lt_task_release(t);
  return rc;
}

int main(void) { return lt_run(amain, NULL, NULL, NULL) ? 1 : 0; }

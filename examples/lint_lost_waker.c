/* lint_lost_waker.c: trips `looptrace lint`'s lost-waker alone: a task awaits a future that
 * nothing ever resolves; main returns without it, and the loop cancels the forgotten task. */
#include <looptrace.h>

static lt_future *never;

static int orphan(void *arg, void **result) { return lt_await(never, NULL); }

static int amain(void *arg, void **result) {
  never = lt_future_new();
  lt_task *t = lt_spawn_named(orphan, NULL, "orphan");
  int rc = lt_sleep(LT_MSEC(5)); /* the orphan is waiting by now; main forgets it */
  lt_task_release(t);
  return rc;
}

int main(void) {
  int rc = lt_run(amain, NULL, NULL, NULL);
  return rc ? 1 : 0;
}

/* lint_self_wake.c: trips `looptrace lint`'s self-wake alone: a task that polls by yielding
 * (sleep 0) 50 times, so nearly all of its wake-ups are its own. */
#include <looptrace.h>

static int poller(void *arg, void **result) {
  for (int i = 0; i < 50; i++) {
    int rc = lt_yield();
    if (rc < 0) return rc;
  }
  return 0;
}

static int amain(void *arg, void **result) {
  lt_task *t = lt_spawn_named(poller, NULL, "poller");
  int rc = lt_await(t, NULL);
  lt_task_release(t);
  return rc;
}

int main(void) { return lt_run(amain, NULL, NULL, NULL) ? 1 : 0; }

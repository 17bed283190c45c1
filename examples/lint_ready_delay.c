/* lint_ready_delay.c: trips `looptrace lint`'s ready-delay alone: five tasks made ready at
 * once, each running one 30 ms step (under 100 ms): the last waits ~120 ms in the ready
 * queue (over 50 ms). No timer is armed. */
#include <looptrace.h>

#include "spin.h"

static int step30(void *arg, void **result) {
  spin_ms(30);
  return 0;
}

static int amain(void *arg, void **result) {
  lt_task *t[5];
  for (int i = 0; i < 5; i++) t[i] = lt_spawn_named(step30, NULL, "step30");
  int rc = 0;
  for (int i = 4; i >= 0; i--) { /* the last first: main is ready only when the queue is empty */
    if (rc == 0) rc = lt_await(t[i], NULL);
    lt_task_release(t[i]);
  }
  return rc;
}

int main(void) { return lt_run(amain, NULL, NULL, NULL) ? 1 : 0; }

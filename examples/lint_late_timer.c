/* lint_late_timer.c: trips `looptrace lint`'s late-timer alone: a 10 ms sleep whose timer
 * comes due while another task's step runs 80 ms (under the 100 ms long-step threshold), so
 * it fires ~70 ms late (over 20 ms); nobody else waits to run meanwhile. */
#include <looptrace.h>

#include "spin.h"

static int sleeper(void *arg, void **result) { return lt_sleep(LT_MSEC(10)); }

static int busy(void *arg, void **result) {
  spin_ms(80);
  return 0;
}

static int amain(void *arg, void **result) {
  lt_task *s = lt_spawn_named(sleeper, NULL, "sleeper");
  lt_task *b = lt_spawn_named(busy, NULL, "busy");
  int rc = lt_await(s, NULL);
  if (rc == 0) rc = lt_await(b, NULL);
  lt_task_release(s);
  lt_task_release(b);
  return rc;
}

int main(void) { return lt_run(amain, NULL, NULL, NULL) ? 1 : 0; }

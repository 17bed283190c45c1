/* lint_cancel_stuck.c: trips `looptrace lint`'s cancel-stuck alone: a task that, cancelled,
 * takes the request back (uncancel) and goes on sleeping 1.2 s (over the 1 s grace) before
 * it finishes. */
#include <errno.h>

#include <looptrace.h>

static int stubborn(void *arg, void **result) {
  int rc = lt_sleep(LT_SEC(10));
  if (rc != -ECANCELED) return rc;
  lt_task_uncancel(lt_current_task());
  return lt_sleep(LT_MSEC(1200));
}

static int amain(void *arg, void **result) {
  lt_task *t = lt_spawn_named(stubborn, NULL, "stubborn");
  int rc = lt_sleep(LT_MSEC(5));
  if (rc == 0) lt_task_cancel(t);
  if (rc == 0) rc = lt_await(t, NULL);
  lt_task_release(t);
  return rc;
}

int main(void) { return lt_run(amain, NULL, NULL, NULL) ? 1 : 0; }

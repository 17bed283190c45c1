/* lint_long_wait.c: trips `looptrace lint`'s long-wait alone: a task holds a lock across a
 * 300 ms sleep, and another waits those 300 ms for it (over 100 ms). */
#include <looptrace.h>

static lt_lock *lock;

static int holder(void *arg, void **result) {
  int rc = lt_lock_acquire(lock);
  if (rc < 0) return rc;
  rc = lt_sleep(LT_MSEC(300));
  lt_lock_release(lock);
  return rc;
}

static int waiter(void *arg, void **result) {
  int rc = lt_lock_acquire(lock); /* waits out the holder's sleep */
  if (rc == 0) lt_lock_release(lock);
  return rc;
}

static int amain(void *arg, void **result) {
  lock = lt_lock_new();
  lt_task *h = lt_spawn_named(holder, NULL, "holder");
  lt_task *w = lt_spawn_named(waiter, NULL, "waiter");
  int rc = lt_await(h, NULL);
  if (rc == 0) rc = lt_await(w, NULL);
  lt_task_release(h);
  lt_task_release(w);
  lt_lock_free(lock);
  return rc;
}

int main(void) { return lt_run(amain, NULL, NULL, NULL) ? 1 : 0; }

/* seed_ordering: the task-ordering quiz. main creates T1, T3, T2 in that order; the tasks run
 * in creation order once main first suspends (shared/oracle/seed_ordering.py). */
#include <looptrace.h>

static int T1(void *arg, void **result) {
  lt_print("T1 start");
  int rc = lt_sleep(LT_MSEC(200));
  if (rc < 0) return rc;
  lt_print("T1 end");
  return 0;
}

static int T2(void *arg, void **result) {
  lt_print("T2 start");
  lt_print("T2 end");
  return 0;
}

static int T3(void *arg, void **result) {
  lt_print("T3 start");
  lt_print("T3 end");
  return 0;
}

static int amain(void *arg, void **result) {
  lt_print("main start");
  lt_task *t1 = lt_spawn_named(T1, NULL, "T1");
  lt_task *t3 = lt_spawn_named(T3, NULL, "T3");
  lt_task *t2 = lt_spawn_named(T2, NULL, "T2");
  lt_print("main middle");
  int rc = lt_await(t1, NULL);
  if (rc == 0) rc = lt_await(t2, NULL);
  if (rc == 0) rc = lt_await(t3, NULL);
  if (rc == 0) lt_print("main end");
  lt_task_release(t1);
  lt_task_release(t2);
  lt_task_release(t3);
  return rc;
}

int main(void) { return lt_run(amain, NULL, NULL, NULL) == 0 ? 0 : 1; }

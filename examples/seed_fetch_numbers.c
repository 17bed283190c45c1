/* seed_fetch_numbers: a slow fetch runs while another task counts
 * (shared/oracle/seed_fetch_numbers.py). */
#include <stdint.h>

#include <looptrace.h>

static int fetch_data(void *arg, void **result) {
  lt_print("Start fetching");
  int rc = lt_sleep(LT_MSEC(430));
  if (rc < 0) return rc;
  lt_print("Done fetching");
  *result = (void *)(intptr_t)1;
  return 0;
}

static int print_numbers(void *arg, void **result) {
  for (int i = 0; i < 10; i++) {
    lt_print("%d", i);
    int rc = lt_sleep(LT_MSEC(50));
    if (rc < 0) return rc;
  }
  return 0;
}

static int amain(void *arg, void **result) {
  lt_task *task1 = lt_spawn_named(fetch_data, NULL, "fetch_data");
  lt_task *task2 = lt_spawn_named(print_numbers, NULL, "print_numbers");
  void *value = NULL;
  int rc = lt_await(task1, &value);
  if (rc == 0) {
    lt_print("data %d", (int)(intptr_t)value);
    rc = lt_await(task2, NULL);
  }
  lt_task_release(task1);
  lt_task_release(task2);
  return rc;
}

int main(void) { return lt_run(amain, NULL, NULL, NULL) == 0 ? 0 : 1; }

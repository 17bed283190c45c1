/* hello_tasks.c: a program built outside the looptrace tree against an installed runtime
 * (tests/install/test_install.sh builds it with pkg-config and with find_package). Three tasks
 * sleep for different times and print as they wake, in deadline order; main gathers their
 * results, and the loop's clock says how long it took. */
#include <stdio.h>

#include <looptrace.h>

static int sleeper(void *arg, void **result) {
  int ms = (int)(intptr_t)arg;
  int rc = lt_sleep(LT_MSEC(ms));
  if (rc < 0) return rc;
  lt_print("woke after %d ms", ms);
  *result = (void *)(intptr_t)(ms * 2);
  return 0;
}

static int amain(void *arg, void **result) {
  (void)arg;
  (void)result;
  int64_t t0 = lt_now();
  lt_future *f[3];
  const int ms[3] = {30, 10, 20};
  for (int i = 0; i < 3; i++)
    f[i] = lt_task_future(lt_spawn_named(sleeper, (void *)(intptr_t)ms[i], "sleeper"));
  void *values[3];
  int rc = lt_gather(f, 3, values, NULL, 0);
  for (int i = 0; i < 3; i++) lt_future_release(f[i]);
  if (rc < 0) return rc;
  lt_print("results %d %d %d after %lld ms", (int)(intptr_t)values[0], (int)(intptr_t)values[1],
           (int)(intptr_t)values[2], (long long)((lt_now() - t0) / 1000000));
  return 0;
}

int main(void) { return lt_run(amain, NULL, NULL, NULL) == 0 ? 0 : 1; }

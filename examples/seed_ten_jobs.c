/* seed_ten_jobs: ten tasks each compute, then sleep n*10 ms; gather collects their results in
 * order (shared/oracle/seed_ten_jobs.py). */
#include <stdint.h>
#include <stdio.h>

#include <looptrace.h>

static int job(void *arg, void **result) {
  long n = (long)(intptr_t)arg;
  long long acc = 0;
  for (long i = 0; i < n * 1000; i++) acc += (long long)i * i;
  int rc = lt_sleep(LT_MSEC(10) * n);
  if (rc < 0) return rc;
  lt_print("job %ld done", n);
  *result = (void *)(intptr_t)acc;
  return 0;
}

static int amain(void *arg, void **result) {
  lt_future *tasks[10];
  for (long i = 0; i < 10; i++) {
    char name[16];
    snprintf(name, sizeof name, "job(%ld)", i);
    tasks[i] = lt_task_future(lt_spawn_named(job, (void *)(intptr_t)i, name));
  }
  void *values[10];
  int rc = lt_gather(tasks, 10, values, NULL, 0);
  if (rc == 0) {
    char line[256];
    int len = snprintf(line, sizeof line, "[");
    for (int i = 0; i < 10; i++)
      len += snprintf(line + len, sizeof line - (size_t)len, "%s%lld", i ? ", " : "",
                      (long long)(intptr_t)values[i]);
    snprintf(line + len, sizeof line - (size_t)len, "]");
    lt_print("%s", line);
  }
  for (int i = 0; i < 10; i++) lt_future_release(tasks[i]);
  return rc;
}

int main(void) { return lt_run(amain, NULL, NULL, NULL) == 0 ? 0 : 1; }

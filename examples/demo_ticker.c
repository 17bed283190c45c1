/* demo_ticker: a small service-like program that runs for a while, for watching a loop live:
 * WORKERS tasks in a task group each tick TICKS times, sleeping INTERVAL_MS between ticks (a
 * little apart from each other), printing each tick. Usage: demo_ticker [TICKS [INTERVAL_MS
 * [WORKERS]]], default 20 ticks of 50 ms by 3 workers (about a second). With INTERVAL_MS 0
 * the workers only yield to each other: a flood of records, as fast as the loop goes. */
#include <stdio.h>
#include <stdlib.h>

#include <looptrace.h>

typedef struct worker {
  int id, ticks;
  int64_t interval;
} worker;

static int tick(void *arg, void **result) {
  const worker *w = arg;
  for (int i = 1; i <= w->ticks; i++) {
    /* workers drift apart by a millisecond each */
    int rc = lt_sleep(w->interval ? w->interval + LT_MSEC(w->id) : 0);
    if (rc < 0) return rc;
    lt_print("worker %d: tick %d", w->id, i);
  }
  return 0;
}

static int amain(void *arg, void **result) {
  const int *cfg = arg;
  enum { MAX_WORKERS = 64 };
  static worker workers[MAX_WORKERS];
  int n = cfg[2] < MAX_WORKERS ? cfg[2] : MAX_WORKERS;
  lt_taskgroup *tg = lt_taskgroup_new();
  if (!tg) return -1;
  for (int i = 0; i < n; i++) {
    char name[32];
    snprintf(name, sizeof name, "worker %d", i + 1);
    workers[i] = (worker){i + 1, cfg[0], LT_MSEC(cfg[1])};
    lt_task *t = lt_taskgroup_spawn_named(tg, tick, &workers[i], name);
    lt_task_release(t);
  }
  int rc = lt_taskgroup_end(tg, 0);
  if (rc == 0) lt_print("all %d workers done", n);
  return rc;
}

int main(int argc, char **argv) {
  int cfg[3] = {20, 50, 3};
  for (int i = 1; i < argc && i <= 3; i++) cfg[i - 1] = atoi(argv[i]);
  if (cfg[0] < 1 || cfg[1] < 0 || cfg[2] < 1) {
    fprintf(stderr, "usage: demo_ticker [TICKS [INTERVAL_MS [WORKERS]]]\n");
    return 2;
  }
  return lt_run(amain, cfg, NULL, NULL) == 0 ? 0 : 1;
}

/* collector_load: the traced program bench_collector runs against the daemon. It owns only
 * the shape of the load: how many trace records, and how fast. Tracing comes from the
 * environment as for any program (LOOPTRACE=unix:PATH, LOOPTRACE_MODE, LOOPTRACE_LABEL).
 *
 *   collector_load RECORDS        as fast as it can: 4 tasks yielding to each other, the
 *                                 traffic of a busy asyncio program (each round of the loop
 *                                 is LOOP_ITER + RESUME/SUSPEND per task: 9 records)
 *   collector_load RECORDS RATE   paced at RATE records/s: one task yields in bursts once a
 *                                 millisecond and sleeps in between, so the loop flushes its
 *                                 records to the sink every millisecond (before it polls), as a
 *                                 live program does. Each record's ts is its emit time
 *                                 (CLOCK_MONOTONIC ns), which is what the websocket latency
 *                                 is measured against.
 *   collector_load --marks ...    the same, but every step of a task also prints a line of
 *                                 its own (lt_mark of a new text: a STRING and a MARK record),
 *                                 the traffic of a program that logs as it goes.
 * RECORDS is approximate (within a few hundred); the database says exactly how many. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <looptrace.h>

#define TASKS 4
/* LOOP_ITER, then RESUME + SUSPEND per task (and STRING + MARK with --marks) */
#define RECORDS_PER_ROUND (1 + (marks ? 4 : 2) * TASKS)
#define RECORDS_PER_YIELD (marks ? 5 : 3) /* one task alone: LOOP_ITER, RESUME, SUSPEND */
/* A 1 ms sleep: TIMER_ARM, SUSPEND, POLL_BEGIN, POLL_END, LOOP_ITER, TIMER_FIRE, READY,
 * LOOP_ITER, RESUME (the tick's records, counted so that the pace holds) */
#define RECORDS_PER_SLEEP 9

static long records, rate;
static bool marks;

/* one step of a task: a line of its own with --marks, then a yield */
static void step(long i) {
  if (marks) lt_mark("task %llu: step %ld", (unsigned long long)lt_task_id(lt_current_task()), i);
  lt_yield();
}

static int yielder(void *arg, void **result) {
  long rounds = *(long *)arg;
  for (long i = 0; i < rounds; i++) step(i);
  return 0;
}

static int flat_out(void) {
  long rounds = records / RECORDS_PER_ROUND;
  lt_task *t[TASKS];
  for (int i = 0; i < TASKS; i++) t[i] = lt_spawn(yielder, &rounds);
  for (int i = 0; i < TASKS; i++) {
    lt_await(t[i], NULL);
    lt_task_release(t[i]);
  }
  return 0;
}

static int paced(void) {
  int64_t t0 = lt_now();
  long done = 0;
  while (done < records) {
    long due = (long)((double)(lt_now() - t0) * (double)rate / 1e9);
    while (done < due && done < records) {
      step(done);
      done += RECORDS_PER_YIELD;
    }
    lt_sleep(LT_MSEC(1));
    done += RECORDS_PER_SLEEP;
  }
  return 0;
}

static int amain(void *arg, void **result) { return rate > 0 ? paced() : flat_out(); }

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--marks") == 0) {
    marks = true;
    argv++;
    argc--;
  }
  if (argc < 2 || argc > 3 || (records = atol(argv[1])) <= 0 ||
      (argc == 3 && (rate = atol(argv[2])) < 0)) {
    fprintf(stderr, "usage: collector_load [--marks] RECORDS [RECORDS_PER_SECOND]\n");
    return 2;
  }
  if (!getenv("LOOPTRACE")) fprintf(stderr, "collector_load: LOOPTRACE is not set: untraced\n");
  return lt_run(amain, NULL, NULL, NULL) < 0;
}

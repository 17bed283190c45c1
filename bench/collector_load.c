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
 *   collector_load --threads N RECORDS
 *                                 a stream of N + 1 tracks: N tasks each hand 10 ms jobs to
 *                                 the executor, which runs N worker threads (each a track of
 *                                 its own, beside the loop's), printing after each job; about
 *                                 12 records a job, so RECORDS / (12 N) jobs of each task.
 * RECORDS is approximate (within a few hundred); the database says exactly how many. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <looptrace.h>

#define TASKS 4
/* LOOP_ITER, then RESUME + SUSPEND per task (and STRING + MARK with --marks) */
#define RECORDS_PER_ROUND (1 + (marks ? 4 : 2) * TASKS)
#define RECORDS_PER_YIELD (marks ? 5 : 3) /* one task alone: LOOP_ITER, RESUME, SUSPEND */
/* A 1 ms sleep: TIMER_ARM, SUSPEND, POLL_BEGIN, POLL_END, LOOP_ITER, TIMER_FIRE, READY,
 * LOOP_ITER, RESUME (the tick's records, counted so that the pace holds) */
#define RECORDS_PER_SLEEP 9

static long records, rate, threads;
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

#define RECORDS_PER_JOB 12

static int sleep_10ms(void *arg, void **result) {
  struct timespec ts = {0, 10000000};
  nanosleep(&ts, NULL);
  return 0;
}

static int job_loop(void *arg, void **result) {
  long jobs = *(long *)arg;
  for (long i = 0; i < jobs; i++) {
    int rc = lt_to_thread(sleep_10ms, NULL, NULL);
    if (rc < 0) return rc;
    lt_mark("job %ld done", i);
  }
  return 0;
}

static int on_threads(void) {
  static long jobs;
  jobs = records / (RECORDS_PER_JOB * threads) + 1;
  lt_taskgroup *tg = lt_taskgroup_new();
  if (!tg) return -1;
  for (long i = 0; i < threads; i++) lt_task_release(lt_taskgroup_spawn(tg, job_loop, &jobs));
  return lt_taskgroup_end(tg, 0);
}

static int amain(void *arg, void **result) {
  return threads > 0 ? on_threads() : rate > 0 ? paced() : flat_out();
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--marks") == 0) {
    marks = true;
    argv++;
    argc--;
  }
  if (argc > 2 && strcmp(argv[1], "--threads") == 0) {
    threads = atol(argv[2]);
    argv += 2;
    argc -= 2;
  }
  if (argc < 2 || argc > 3 || (records = atol(argv[1])) <= 0 || threads < 0 || threads > 1000 ||
      (argc == 3 && (rate = atol(argv[2])) < 0)) {
    fprintf(stderr, "usage: collector_load [--marks] [--threads N] RECORDS [RECORDS_PER_SECOND]\n");
    return 2;
  }
  if (!getenv("LOOPTRACE")) fprintf(stderr, "collector_load: LOOPTRACE is not set: untraced\n");
  lt_run_opts opts = {.executor_threads = (int)threads};
  return lt_run(amain, NULL, NULL, &opts) < 0;
}

/* demo_flight.c: a busy service for the flight recorder (LOOPTRACE=ring:SIZE): workers pass
 * jobs through a queue, a ticker sleeps, short-lived helpers come and go, for ever.
 *   demo_flight            prints "ready" once it has run long enough to fill a 1 MiB ring
 *                          many times over, then goes on until killed
 *   demo_flight --block    the same, then one step that never yields: prints "blocking" and
 *                          spins until a byte arrives on stdin, prints "unblocked", exits 0
 * Dump it with kill -USR2 PID, or looptrace dump-ring PID. */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <looptrace.h>

#define READY_AFTER 100000 /* jobs: ~3 records of ~40 bytes each, many MiB */

static lt_queue *jobs;
static long done_jobs;

static int helper(void *arg, void **result) {
  (void)arg;
  (void)result;
  return lt_yield();
}

static int worker(void *arg, void **result) {
  (void)arg;
  (void)result;
  for (;;) {
    void *job;
    int rc = lt_queue_get(jobs, &job);
    if (rc < 0) return rc;
    if (++done_jobs % 1000 == 0) {
      lt_mark("jobs %ld", done_jobs);
      lt_task *h = lt_spawn_named(helper, NULL, "helper");
      if (h) lt_task_release(h); /* it ends by itself; nobody awaits it */
    }
  }
}

static int ticker(void *arg, void **result) {
  (void)arg;
  (void)result;
  for (long i = 0;; i++) {
    int rc = lt_sleep(LT_MSEC(1));
    if (rc < 0) return rc;
  }
}

/* A step that never yields: spins until stdin has a byte. */
static void block_until_stdin(void) {
  printf("blocking\n");
  fflush(stdout);
  for (;;) {
    struct pollfd p = {.fd = 0, .events = POLLIN};
    if (poll(&p, 1, 0) > 0) break;
  }
  printf("unblocked\n");
  fflush(stdout);
}

static int amain(void *arg, void **result) {
  (void)result;
  bool block = arg != NULL;
  jobs = lt_queue_new(64);
  lt_task *w[4], *t = lt_spawn_named(ticker, NULL, "ticker");
  for (int i = 0; i < 4; i++) {
    char name[16];
    snprintf(name, sizeof name, "worker-%d", i);
    w[i] = lt_spawn_named(worker, NULL, name);
  }
  bool said = false;
  for (long i = 0;; i++) {
    int rc = lt_queue_put(jobs, (void *)i);
    if (rc < 0) return rc;
    if (!said && done_jobs >= READY_AFTER) {
      said = true;
      printf("ready\n");
      fflush(stdout);
      if (block) {
        rc = lt_sleep(LT_MSEC(60)); /* a quiet moment: the loop flushes what it holds */
        if (rc < 0) return rc;
        block_until_stdin();
        break;
      }
    }
  }
  for (int i = 0; i < 4; i++) {
    lt_task_cancel(w[i]);
    lt_task_release(w[i]);
  }
  lt_task_cancel(t);
  lt_task_release(t);
  return 0;
}

int main(int argc, char **argv) {
  bool block = argc > 1 && strcmp(argv[1], "--block") == 0;
  if (argc > 1 && !block) {
    fprintf(stderr, "usage: demo_flight [--block]\n");
    return 2;
  }
  return lt_run(amain, block ? (void *)1 : NULL, NULL, NULL) ? 1 : 0;
}

/* bench_slice: how late a loop's timers (1 ms sleeps) fire when a busy neighbour shares its CPU:
 * the runtime with the kernel's default slice and with lt_set_slice (docs/runtime.md "Timers on
 * time on a busy machine"), against libuv's timers, alone and beside the neighbour, in one run.
 * Each variant is a child process pinned to CPU 0 (the neighbour is pinned there too), which
 * sleeps 1 ms N times and measures each wake against its deadline with CLOCK_MONOTONIC. The
 * neighbours: none, one always busy, and two that work in bursts and sleep between them (as a
 * browser's threads and the collector do), where a default slice makes wake-ups wait.
 * A traced run (to /dev/null) of the default slice shows what tracing adds: since its polls
 * stop to flush the trace, that is what --sleep-ms longer than the flush bound (50 ms) times.
 * Usage: bench_slice [--sleeps N] [--sleep-ms MS] [--slice-us US] [--runs K]. Prints a table;
 * never in CI. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef LT_HAVE_UV
#include <uv.h>
#endif

#include "bench_util.h"

static int sleeps = 3000;
static int64_t sleep_ns = 1000000;
static int64_t slice_ns = 100000;
static int64_t *late; /* ns, one per sleep */

static void pin_cpu0(void) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) perror("bench_slice: sched_setaffinity");
}

static int lt_sleeper(void *arg, void **result) {
  for (int i = 0; i < sleeps; i++) {
    int64_t due = bench_now_ns() + sleep_ns;
    lt_sleep(sleep_ns);
    late[i] = bench_now_ns() - due;
  }
  return 0;
}

#ifdef LT_HAVE_UV
typedef struct uv_sleeper {
  uv_timer_t t;
  int i;
  int64_t due;
} uv_sleeper;

static void uv_fired(uv_timer_t *t);

/* libuv's deadline is its loop's ms clock (CLOCK_MONOTONIC / 1e6, cut) + 1 ms: lateness is
 * counted from that, not from a deadline it never had. */
static void arm(uv_sleeper *s, uv_loop_t *loop) {
  uv_update_time(loop);
  uint64_t ms = (uint64_t)(sleep_ns / 1000000);
  s->due = ((int64_t)uv_now(loop) + (int64_t)ms) * 1000000;
  uv_timer_start(&s->t, uv_fired, ms, 0);
}

static void uv_fired(uv_timer_t *t) {
  uv_sleeper *s = (uv_sleeper *)t;
  late[s->i++] = bench_now_ns() - s->due;
  if (s->i == sleeps) return;
  arm(s, t->loop);
}

static void uv_run_sleeper(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  uv_sleeper s = {.i = 0};
  uv_timer_init(&loop, &s.t);
  arm(&s, &loop);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_close((uv_handle_t *)&s.t, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
}
#endif

typedef enum { PEER_LT, PEER_UV } peer;

static int cmp64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* One variant in a child pinned to CPU 0: its sorted lateness into out. 0, or -1. */
static int run_variant(peer p, int64_t slice, bool traced, int64_t *out) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(fds[0]);
    pin_cpu0();
    int rc = slice ? lt_set_slice(slice) : 0;
    if (rc < 0) {
      fprintf(stderr, "bench_slice: lt_set_slice: %s\n", strerror(-rc));
      _exit(3);
    }
    if (traced && (rc = lt_trace_start("file:/dev/null", "bench_slice", LT_TRACE_BLOCK)) < 0) {
      fprintf(stderr, "bench_slice: lt_trace_start: %s\n", strerror(-rc));
      _exit(3);
    }
    if (p == PEER_LT) lt_run(lt_sleeper, NULL, NULL, NULL);
#ifdef LT_HAVE_UV
    else uv_run_sleeper();
#endif
    size_t n = (size_t)sleeps * sizeof *late;
    for (size_t off = 0; off < n;) {
      ssize_t w = write(fds[1], (char *)late + off, n - off);
      if (w <= 0) _exit(4);
      off += (size_t)w;
    }
    _exit(0);
  }
  close(fds[1]);
  size_t n = (size_t)sleeps * sizeof *out, off = 0;
  while (off < n) {
    ssize_t r = read(fds[0], (char *)out + off, n - off);
    if (r <= 0) break;
    off += (size_t)r;
  }
  close(fds[0]);
  int status;
  waitpid(pid, &status, 0);
  if (off != n || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  qsort(out, (size_t)sleeps, sizeof *out, cmp64);
  return 0;
}

static int64_t burst_ns, rest_ns; /* the neighbour: busy burst_ns, then asleep rest_ns */

/* The neighbour: on CPU 0 until killed, busy for burst_ns and asleep for rest_ns by turns
 * (rest_ns 0: CPU-bound throughout). */
static pid_t start_hog(void) {
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never left spinning by a bench that died */
    if (getppid() == 1) _exit(0);
    pin_cpu0();
    volatile unsigned long x = 0;
    for (;;) {
      int64_t end = bench_now_ns() + burst_ns;
      while (rest_ns == 0 || bench_now_ns() < end) x++;
      struct timespec ts = {rest_ns / 1000000000, rest_ns % 1000000000};
      nanosleep(&ts, NULL);
    }
  }
  return pid;
}

static double pct_ms(const int64_t *sorted, double q) {
  size_t i = (size_t)(q * (double)(sleeps - 1) + 0.5);
  return (double)sorted[i] / 1e6;
}

int main(int argc, char **argv) {
  int runs = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--sleeps") == 0) sleeps = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--slice-us") == 0) slice_ns = atoll(argv[i + 1]) * 1000;
    else if (strcmp(argv[i], "--runs") == 0) runs = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--sleep-ms") == 0) sleep_ns = atoll(argv[i + 1]) * 1000000;
    else {
      fprintf(stderr,
              "usage: bench_slice [--sleeps N] [--sleep-ms MS] [--slice-us US] [--runs K]\n");
      return 2;
    }
  }
  if (sleeps < 100 || runs < 1 || sleep_ns < 1000000) {
    fprintf(stderr, "bench_slice: --sleeps is at least 100, --sleep-ms and --runs at least 1\n");
    return 2;
  }
  late = calloc((size_t)sleeps, sizeof *late);
  int64_t *sorted = calloc((size_t)sleeps, sizeof *sorted);
  if (!late || !sorted) return 1;
  struct {
    const char *name;
    peer p;
    int64_t slice;
    bool traced;
  } variants[] = {
      {"looptrace, default slice", PEER_LT, 0, false},
      {"looptrace, default slice, traced", PEER_LT, 0, true},
      {"looptrace, lt_set_slice", PEER_LT, slice_ns, false},
#ifdef LT_HAVE_UV
      {"libuv, default slice", PEER_UV, 0, false},
      {"libuv, the same slice", PEER_UV, slice_ns, false},
#endif
  };
  size_t nv = sizeof variants / sizeof variants[0];
  printf("timer lateness of %d sleeps of %lld ms on CPU 0 (slice %lld µs where set; traced: to "
         "/dev/null), %d run(s)\n\n",
         sleeps, (long long)(sleep_ns / 1000000), (long long)(slice_ns / 1000), runs);
  printf("| loop | neighbour on its CPU | p50 | p99 | p99.9 | max |\n|---|---|---|---|---|---|\n");
  struct {
    const char *name;
    int64_t burst, rest; /* burst 0: no neighbour */
  } hogs[] = {
      {"none", 0, 0},
      {"CPU-bound", 1, 0},
      {"busy 2 ms, asleep 1 ms", 2000000, 1000000},
      {"busy 300 µs, asleep 100 µs", 300000, 100000},
  };
  for (int r = 0; r < runs; r++) {
    for (size_t hog = 0; hog < sizeof hogs / sizeof hogs[0]; hog++) {
      burst_ns = hogs[hog].burst;
      rest_ns = hogs[hog].rest;
      pid_t h = burst_ns ? start_hog() : 0;
      for (size_t v = 0; v < nv; v++) {
        if (run_variant(variants[v].p, variants[v].slice, variants[v].traced, sorted) != 0) {
          fprintf(stderr, "bench_slice: %s failed\n", variants[v].name);
          continue;
        }
        printf("| %s | %s | %.3f ms | %.3f ms | %.3f ms | %.3f ms |\n", variants[v].name,
               hogs[hog].name, pct_ms(sorted, 0.5), pct_ms(sorted, 0.99),
               pct_ms(sorted, 0.999), (double)sorted[sleeps - 1] / 1e6);
        fflush(stdout);
      }
      if (h > 0) {
        kill(h, SIGKILL);
        waitpid(h, NULL, 0);
      }
    }
  }
  free(late);
  free(sorted);
  return 0;
}

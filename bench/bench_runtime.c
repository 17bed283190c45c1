/* bench_runtime: the runtime against CPython asyncio on the same workloads, in one run: a
 * switch between two tasks yielding to each other, spawning a task and awaiting it, arming
 * and firing 100k timers, and the resident memory of 100k tasks parked in a sleep. The asyncio
 * side is bench/asyncio_peer.py, run with python3. Prints a table; --json one object. Times
 * are the best of several runs (the least disturbed); never a CI gate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <looptrace.h>

#include "bench_util.h"

#define now_ns bench_now_ns
#define REPS BENCH_REPS

/* ---- switch: two tasks yielding to each other ---- */

/* (the switch workload is bench_util.h's, shared with bench_trace) */

/* ---- spawn a task and await its completion ---- */

#define SPAWNS 1000000L
static int child(void *arg, void **result) { return 0; }
static int spawn_main(void *arg, void **result) {
  int64_t t0 = now_ns();
  for (long i = 0; i < SPAWNS; i++) {
    lt_task *t = lt_spawn(child, NULL);
    lt_await(t, NULL);
    lt_task_release(t);
  }
  *(int64_t *)arg = now_ns() - t0;
  return 0;
}

/* ---- 100k timers, distinct deadlines within 1 ms, armed then all fired ----
 * The same as the peer's loop.call_later((i % 1000) us). Ours runs under the virtual clock so
 * that the figure is the loop's work, not the 1 ms it would otherwise sleep; asyncio has no
 * virtual clock, and its 1 ms is under 1% of its total. */
#define TIMERS 100000L
static long timers_left;
static void timer_cb(void *arg) { timers_left--; }
static int timer_main(void *arg, void **result) {
  int64_t t0 = now_ns();
  timers_left = TIMERS;
  for (long i = 0; i < TIMERS; i++) lt_call_later(LT_USEC(i % 1000), timer_cb, NULL);
  while (timers_left > 0) lt_sleep(LT_USEC(1000));
  *(int64_t *)arg = now_ns() - t0;
  return 0;
}

/* ---- 100k timeouts armed and cancelled before they fire (the common fate of a timeout) ----
 * The same as the peer's loop.call_later(1 + i us, cb).cancel(). */
static lt_timer cancel_timers[TIMERS];
static int cancel_main(void *arg, void **result) {
  int64_t t0 = now_ns();
  for (long i = 0; i < TIMERS; i++) {
    lt_timer_init(&cancel_timers[i]);
    lt_timer_start(&cancel_timers[i], LT_SEC(1) + LT_USEC(i), timer_cb, NULL);
  }
  for (long i = 0; i < TIMERS; i++) lt_timer_cancel(&cancel_timers[i]);
  *(int64_t *)arg = now_ns() - t0;
  return 0;
}

/* ---- resident memory of idle tasks ---- */

static long rss_bytes(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
  }
  return resident * sysconf(_SC_PAGESIZE);
}

static long idle_tasks = 100000;
static int idle(void *arg, void **result) { return lt_sleep(LT_SEC(3600)); }
static int idle_main(void *arg, void **result) {
  long before = rss_bytes();
  lt_task **ts = malloc((size_t)idle_tasks * sizeof *ts);
  for (long i = 0; i < idle_tasks; i++) ts[i] = lt_spawn(idle, NULL);
  lt_yield(); /* every task runs to its sleep */
  lt_yield();
  long after = rss_bytes();
  for (long i = 0; i < idle_tasks; i++) lt_task_release(ts[i]); /* lt_run cancels them */
  free(ts);
  *(double *)arg = (double)(after - before) / (double)idle_tasks;
  return 0;
}

/* Each task stack is two memory mappings: 100k tasks need vm.max_map_count above 200k. */
static const char *make_room_for_tasks(void) {
  static char note[160];
  long limit = 0;
  FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
  if (f) {
    if (fscanf(f, "%ld", &limit) != 1) limit = 0;
    fclose(f);
  }
  if (limit >= 2 * idle_tasks + 10000) return "";
  f = fopen("/proc/sys/vm/max_map_count", "w");
  if (f && fprintf(f, "%ld\n", 2 * idle_tasks + 65536) > 0 && fclose(f) == 0) {
    snprintf(note, sizeof note, " (raised vm.max_map_count from %ld)", limit);
    return note;
  }
  if (f) fclose(f);
  idle_tasks = (limit - 10000) / 2;
  snprintf(note, sizeof note, " (%ld tasks: vm.max_map_count is %ld and could not be raised)",
           idle_tasks, limit);
  return note;
}

static double measure_idle(void) {
  double per = 0;
  lt_run(idle_main, &per, NULL, NULL);
  return per;
}

/* ---- the peer ---- */

static double json_number(const char *json, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = strstr(json, pat);
  return p ? strtod(p + strlen(pat), NULL) : -1;
}

/* One row: ours, the peer's (when measured) and how many times faster ours is. */
static void row(const char *what, double ours, double peer, const char *unit, const char *aim) {
  bool time = strcmp(unit, "ns") == 0;
  printf("%-30s %9.1f %-2s", what, ours, unit);
  if (peer < 0)
    printf(" %14s %10s", "-", "-");
  else if (time)
    printf(" %11.1f %-2s %9.0fx", peer, unit, peer / ours);
  else
    printf(" %11.0f %-2s %10s", peer, unit, "");
  printf(" %16s\n", aim);
}

int main(int argc, char **argv) {
  bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
  bool no_peer = argc > 1 && strcmp(argv[1], "--no-peer") == 0;
  if (argc > 1 && !json && !no_peer) {
    fprintf(stderr, "usage: bench_runtime [--json | --no-peer]\n");
    return 2;
  }
  const char *room = make_room_for_tasks();
  lt_run_opts virtual_clock = {.clock = LT_CLOCK_VIRTUAL};
  double sw = bench_switch_ns();
  double sp = bench_best_ns(spawn_main, SPAWNS, NULL);
  double tm = bench_best_ns(timer_main, TIMERS, &virtual_clock);
  double tc = bench_best_ns(cancel_main, TIMERS, &virtual_clock);
  double rss = measure_idle();

  char peer[1024] = "";
  if (!no_peer) {
    FILE *py = popen("python3 " LT_BENCH_DIR "/asyncio_peer.py", "r");
    size_t n = py ? fread(peer, 1, sizeof peer - 1, py) : 0;
    peer[n] = 0;
    if (py) pclose(py);
  }
  double a_sw = json_number(peer, "switch_ns"), a_sp = json_number(peer, "spawn_ns");
  double a_tm = json_number(peer, "timer_ns"), a_rss = json_number(peer, "idle_task_rss_bytes");
  double a_tc = json_number(peer, "timer_cancel_ns");

  if (json) {
    printf("{\"switch_ns\": %.2f, \"spawn_ns\": %.2f, \"timer_ns\": %.2f, "
           "\"timer_cancel_ns\": %.2f, \"idle_task_rss_bytes\": %.0f, \"asyncio_switch_ns\": "
           "%.2f, \"asyncio_spawn_ns\": %.2f, \"asyncio_timer_ns\": %.2f, "
           "\"asyncio_timer_cancel_ns\": %.2f, \"asyncio_idle_task_rss_bytes\": %.0f}\n",
           sw, sp, tm, tc, rss, a_sw, a_sp, a_tm, a_tc, a_rss);
    return 0;
  }
  printf("bench_runtime: looptrace against CPython asyncio (python3), best of %d%s\n\n", REPS,
         room);
  printf("%-30s %12s %14s %10s %16s\n", "workload", "looptrace", "asyncio", "speed-up", "aim");
  row("switch (yield to each other)", sw, a_sw, "ns", "<=8 ns (15)");
  row("spawn + await completion", sp, a_sp, "ns", "<=50 ns (100)");
  row("timer armed + fired (100k)", tm, a_tm, "ns", ">=30x");
  row("timer armed + cancelled (100k)", tc, a_tc, "ns", "");
  row("resident per idle task (100k)", rss, a_rss, "B", "<=16 KiB");
  if (a_sw < 0) printf("\n(asyncio not measured: %s)\n", no_peer ? "--no-peer" : "python3 failed");
  return 0;
}

/* bench_trace: what tracing costs. Measured in one run against its peer, the same workload
 * untraced: the cost of one record on the hot path (stamped with the step's clock reading),
 * the clock read each step takes, a task switch untraced, traced to /dev/null (the tracer's
 * own work) and traced to a file (the kernel's copy too), and the rate a file sink absorbs;
 * the flight recorder (ring:16M) beside the file sink: a record's cost and the traced switch
 * while the ring is full (so every chunk in evicts one, and its live state is digested).
 * Prints a table; --json prints one object. Best of several repetitions (the least
 * disturbed); never a CI gate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <looptrace.h>

#include "bench_util.h"
#include "internal.h"
#include "trace.h"

#define now_ns bench_now_ns
#define REPS BENCH_REPS

/* ---- a switch: bench_util.h's, the one bench_runtime measures ---- */

/* ---- one record on the hot path ---- */

static long records = 4000000;

static int record_main(void *arg, void **result) {
  int64_t *out = arg;
  lt_loop *loop = lt_loop_current();
  int64_t t0 = now_ns();
  for (long i = 0; i < records; i++)
    lt__trace_simple(loop, LT_EV_FUTURE_CALLBACK, 0, 1, (uint64_t)i, 0);
  *out = now_ns() - t0;
  return 0;
}

static double record_ns(void) { return bench_best_ns(record_main, (double)records, NULL); }

/* The floor under a record: reading the clock it is stamped with. */
static int clock_main(void *arg, void **result) {
  int64_t *out = arg;
  lt__track *tr = lt_loop_current()->track;
  int64_t sink = 0, t0 = now_ns();
  for (long i = 0; i < records; i++) sink += lt__track_now(tr);
  *out = now_ns() - t0 + (sink == 42);
  return 0;
}

static double clock_read_ns(void) { return bench_best_ns(clock_main, (double)records, NULL); }

int main(int argc, char **argv) {
  bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
  if (argc > 1 && !json) {
    fprintf(stderr, "usage: bench_trace [--json]\n");
    return 2;
  }
  char path[] = "/tmp/bench_trace-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 1;
  close(fd);
  char spec[64];
  snprintf(spec, sizeof spec, "file:%s", path);

  double untraced = bench_switch_ns();
  /* The hot path alone: a sink that costs nothing (/dev/null), so the figure is the record
   * and its share of the buffer flushes, not the disk. */
  if (lt_trace_start("file:/dev/null", "bench_trace", LT_TRACE_BLOCK) != 0) return 1;
  double event = record_ns();
  double stamp = clock_read_ns();
  double traced_null = bench_switch_ns();
  lt_trace_stop();
  /* A real file: the traced switch, and how fast the sink absorbs records. */
  if (lt_trace_start(spec, "bench_trace", LT_TRACE_BLOCK) != 0) {
    fprintf(stderr, "bench_trace: cannot trace to %s\n", spec);
    return 1;
  }
  double traced = bench_switch_ns();
  double file_event = record_ns();
  lt_trace_stop();
  unlink(path);
  double events_per_s = 1e9 / file_event;
  /* The flight recorder: nothing written, the last 16 MiB kept (filled at once: the records
   * measured are ~10x that). */
  if (lt_trace_start("ring:16M", "bench_trace", LT_TRACE_BLOCK) != 0) return 1;
  double ring_event = record_ns();
  double ring_traced = bench_switch_ns();
  lt_trace_stop();

  if (json) {
    printf("{\"event_ns\": %.2f, \"timestamp_ns\": %.2f, \"switch_untraced_ns\": %.2f, "
           "\"switch_traced_null_ns\": %.2f, \"switch_traced_ns\": %.2f, "
           "\"traced_overhead_null_ns\": %.2f, \"traced_overhead_file_ns\": %.2f, "
           "\"traced_over_untraced\": %.2f, \"file_sink_events_per_s\": %.0f, "
           "\"file_event_ns\": %.2f, \"ring_event_ns\": %.2f, \"switch_traced_ring_ns\": %.2f}\n",
           event, stamp, untraced, traced_null, traced, traced_null - untraced,
           traced - untraced, traced / untraced, events_per_s, file_event, ring_event,
           ring_traced);
    return 0;
  }
  printf("bench_trace: best of %d runs, file sink in /tmp\n\n", REPS);
  printf("%-40s %12s %12s\n", "measure", "value", "aim");
  printf("%-40s %9.1f ns %12s\n", "one record (hot path)", event, "<= 5 ns");
  printf("%-40s %9.1f ns %12s\n", "the clock read a step takes (TSC)", stamp, "");
  printf("%-40s %9.1f ns %12s\n", "task switch, untraced (peer)", untraced, "");
  printf("%-40s %9.1f ns %12s\n", "task switch, traced to /dev/null", traced_null, "");
  printf("%-40s %9.1f ns %12s\n", "  overhead: the tracer's work", traced_null - untraced,
         "<= 10 ns");
  printf("%-40s %9.1f ns %12s\n", "task switch, traced to a file", traced, "");
  printf("%-40s %9.1f ns %12s\n", "  overhead: with the kernel's copy", traced - untraced, "");
  printf("%-40s %11.2fx %12s\n", "traced (file) / untraced", traced / untraced, "");
  printf("%-40s %9.2f M/s %12s\n", "file sink: records per second", events_per_s / 1e6, "");
  printf("%-40s %9.1f ns %12s\n", "one record, file sink (peer)", file_event, "");
  printf("%-40s %9.1f ns %12s\n", "one record, flight recorder (ring:16M)", ring_event,
         "~ file sink");
  printf("%-40s %9.1f ns %12s\n", "task switch, traced to a file (peer)", traced, "");
  printf("%-40s %9.1f ns %12s\n", "task switch, flight recorder", ring_traced, "~ file sink");
  return 0;
}

/* bench_echo: an echo service end to end on the runtime against libuv and asyncio, measured in
 * the same run. Each peer (echo_lt, echo_uv, echo_asyncio.py: echo_peer.h) runs an echo
 * server and N clients ping-ponging small messages over loopback on one loop for a few
 * seconds, then the same with one loop per core (SO_REUSEPORT listeners; not asyncio, whose
 * GIL allows one). The runtime runs untraced and traced to a file. Peers take turns within each
 * repeat, so that a busy machine slows them alike; the table gives medians over the repeats of
 * round trips per second, latency p50 / p99, CPU (user + system, the whole process) per round
 * trip, and the ratios the targets name. --json prints one object. Never a CI gate. */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct run {
  double rts_per_s, p50_us, p99_us, cpu_us_per_rt;
} run;

enum { LT, LT_TRACED, UV, ASYNCIO, LT_MULTI, LT_MULTI_TRACED, UV_MULTI, NVARIANTS };
static const char *const names[NVARIANTS] = {
    "looptrace",       "looptrace, traced", "libuv 1.44", "asyncio streams",
    "looptrace",       "looptrace, traced", "libuv 1.44"};

#define MAX_REPEATS 15
static run runs[NVARIANTS][MAX_REPEATS];
static int nruns[NVARIANTS];

static double field(const char *json, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = strstr(json, pat);
  return p ? strtod(p + strlen(pat), NULL) : -1;
}

/* Runs one peer; false when it could not run (the variant is then left out). */
static bool run_peer(int v, const char *cmd) {
  char out[512] = "";
  FILE *p = popen(cmd, "r");
  size_t n = p ? fread(out, 1, sizeof out - 1, p) : 0;
  out[n] = 0;
  int status = p ? pclose(p) : -1;
  double rts = field(out, "roundtrips"), secs = field(out, "seconds");
  if (status != 0 || rts <= 0 || secs <= 0) {
    fprintf(stderr, "bench_echo: %s: failed (%s)\n", names[v], out[0] ? out : "no output");
    return false;
  }
  runs[v][nruns[v]++] = (run){rts / secs, field(out, "p50_us"), field(out, "p99_us"),
                              field(out, "cpu_s") * 1e6 / rts};
  return true;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The median of one field over a variant's runs (-1: not measured). */
static double median(int v, size_t offset) {
  if (nruns[v] == 0) return -1;
  double xs[MAX_REPEATS];
  for (int i = 0; i < nruns[v]; i++) xs[i] = *(const double *)((const char *)&runs[v][i] + offset);
  qsort(xs, (size_t)nruns[v], sizeof *xs, cmp_double);
  return nruns[v] % 2 ? xs[nruns[v] / 2] : (xs[nruns[v] / 2 - 1] + xs[nruns[v] / 2]) / 2;
}
#define MED(v, f) median((v), offsetof(run, f))

static void row(int v, int base) {
  if (nruns[v] == 0) {
    printf("  %-22s %14s\n", names[v], "(not measured)");
    return;
  }
  printf("  %-22s %12.0f %9.1f %9.1f %10.2f", names[v], MED(v, rts_per_s), MED(v, p50_us),
         MED(v, p99_us), MED(v, cpu_us_per_rt));
  if (v != base && nruns[base]) printf(" %9.2fx", MED(base, rts_per_s) / MED(v, rts_per_s));
  printf("\n");
}

int main(int argc, char **argv) {
  int clients = 100, repeats = 3, loops = (int)sysconf(_SC_NPROCESSORS_ONLN), size = 64;
  double seconds = 2;
  bool json = false, asyncio = true;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) json = true;
    else if (strcmp(argv[i], "--no-asyncio") == 0) asyncio = false;
    else if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc) clients = atoi(argv[++i]);
    else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) seconds = atof(argv[++i]);
    else if (strcmp(argv[i], "--repeats") == 0 && i + 1 < argc) repeats = atoi(argv[++i]);
    else if (strcmp(argv[i], "--loops") == 0 && i + 1 < argc) loops = atoi(argv[++i]);
    else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) size = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: bench_echo [--clients N] [--seconds S] [--repeats R] [--loops K] "
                      "[--size BYTES] [--no-asyncio] [--json]\n");
      return 2;
    }
  }
  if (repeats < 1 || repeats > MAX_REPEATS || loops < 1 || clients < 1) return 2;
  char dir[4096];
  ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
  if (n <= 0) return 1;
  dir[n] = 0;
  *strrchr(dir, '/') = 0;
  char trace[] = "/tmp/bench_echo-XXXXXX";
  int tfd = mkstemp(trace);
  if (tfd < 0) return 1;
  close(tfd);

  char common[128], multi[160], cmd[8192 + 512];
  snprintf(common, sizeof common, "--clients %d --seconds %g --size %d", clients, seconds, size);
  snprintf(multi, sizeof multi, "%s --loops %d", common, loops);
  bool have_uv = access(strcat(strcpy(cmd, dir), "/echo_uv"), X_OK) == 0;
  for (int r = 0; r < repeats; r++) {
    snprintf(cmd, sizeof cmd, "%s/echo_lt %s", dir, common);
    run_peer(LT, cmd);
    if (have_uv) {
      snprintf(cmd, sizeof cmd, "%s/echo_uv %s", dir, common);
      run_peer(UV, cmd);
    }
    if (asyncio) {
      snprintf(cmd, sizeof cmd, "python3 %s/echo_asyncio.py %s", LT_BENCH_DIR, common);
      asyncio = run_peer(ASYNCIO, cmd);
    }
    snprintf(cmd, sizeof cmd, "LOOPTRACE=file:%s %s/echo_lt %s", trace, dir, common);
    run_peer(LT_TRACED, cmd);
    if (loops > 1) {
      snprintf(cmd, sizeof cmd, "%s/echo_lt %s", dir, multi);
      run_peer(LT_MULTI, cmd);
      if (have_uv) {
        snprintf(cmd, sizeof cmd, "%s/echo_uv %s", dir, multi);
        run_peer(UV_MULTI, cmd);
      }
      snprintf(cmd, sizeof cmd, "LOOPTRACE=file:%s %s/echo_lt %s", trace, dir, multi);
      run_peer(LT_MULTI_TRACED, cmd);
    }
  }
  unlink(trace);

  double lt = MED(LT, rts_per_s), uv = MED(UV, rts_per_s), py = MED(ASYNCIO, rts_per_s);
  double traced = MED(LT_TRACED, rts_per_s), ltm = MED(LT_MULTI, rts_per_s);
  double uvm = MED(UV_MULTI, rts_per_s), ltmt = MED(LT_MULTI_TRACED, rts_per_s);
  if (json) {
    printf("{");
    for (int v = 0; v < NVARIANTS; v++)
      printf("\"%s%s\": {\"roundtrips_per_s\": %.0f, \"p50_us\": %.2f, \"p99_us\": %.2f, "
             "\"cpu_us_per_roundtrip\": %.3f}, ",
             v == LT ? "looptrace" : v == LT_TRACED ? "looptrace_traced" : v == UV ? "libuv"
             : v == ASYNCIO ? "asyncio" : v == LT_MULTI ? "looptrace" : v == LT_MULTI_TRACED
             ? "looptrace_traced" : "libuv",
             v >= LT_MULTI ? "_multi" : "", MED(v, rts_per_s), MED(v, p50_us), MED(v, p99_us),
             MED(v, cpu_us_per_rt));
    printf("\"time_vs_libuv\": %.3f, \"time_vs_libuv_multi\": %.3f, \"speedup_vs_asyncio\": "
           "%.2f, \"traced_over_untraced\": %.3f, \"traced_over_untraced_multi\": %.3f, "
           "\"clients\": %d, \"seconds\": %g, \"loops\": %d, \"repeats\": %d}\n",
           uv > 0 ? uv / lt : -1, uvm > 0 ? uvm / ltm : -1, py > 0 ? lt / py : -1, lt / traced,
           ltm > 0 ? ltm / ltmt : -1, clients, seconds, loops, repeats);
    return 0;
  }
  printf("bench_echo: %d clients x %d B ping-pong over loopback, server and clients in one "
         "process;\n%g s per run, medians of %d runs taking turns\n\n",
         clients, size, seconds, repeats);
  printf("  %-22s %12s %9s %9s %10s %10s\n", "one loop", "round trips/s", "p50 us", "p99 us",
         "CPU us/rt", "time/ours");
  for (int v = LT; v <= ASYNCIO; v++) row(v, LT);
  if (loops > 1) {
    printf("\n  %-22s\n", "one loop per core");
    printf("  (%d loops, SO_REUSEPORT)\n", loops);
    for (int v = LT_MULTI; v <= UV_MULTI; v++) row(v, LT_MULTI);
  }
  printf("\n  %-44s %8s %12s\n", "target", "measured", "aim");
  if (uv > 0) printf("  %-44s %7.3fx %12s\n", "time per round trip vs libuv (one loop)", uv / lt,
                     "<= 1.0x");
  if (uvm > 0) printf("  %-44s %7.3fx %12s\n", "time per round trip vs libuv (per core)",
                      uvm / ltm, "<= 1.0x");
  if (py > 0) printf("  %-44s %7.2fx %12s\n", "round trips vs asyncio", lt / py, ">= 5x");
  printf("  %-44s %7.3fx %12s\n", "traced / untraced time (one loop)", lt / traced, "<= 1.03x");
  if (ltmt > 0) printf("  %-44s %7.3fx %12s\n", "traced / untraced time (per core)", ltm / ltmt,
                       "<= 1.03x");
  return 0;
}

/* test_timer_precision.c: a loop's poll waits what its next timer needs, to the nanosecond:
 * a 300 µs sleep's poll asks for at most 300 µs (asyncio's selector, and this loop until
 * stop 24, rounded it up to a whole ms), a 60.3 ms one's for 60.3 ms, and no timer fires
 * before its deadline. Read from the real trace, as `looptrace dump` prints it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <looptrace.h>

#include "db_query.h"

#define SLEEPS 10

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int early; /* sleeps that returned before their deadline */

static int sleeper(void *arg, void **result) {
  int64_t us = *(const int64_t *)arg;
  for (int i = 0; i < SLEEPS; i++) {
    int64_t t0 = mono_ns();
    lt_sleep(LT_USEC(us));
    if (mono_ns() - t0 < LT_USEC(us)) early++;
  }
  return 0;
}

/* Runs SLEEPS sleeps of us µs traced to dir/t.ltr in a child; dir/dump is its dump. */
static void traced_sleeps(const char *dir, int64_t us) {
  char path[128];
  snprintf(path, sizeof path, "file:%s/t.ltr", dir);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    if (lt_trace_start(path, "sleeps", LT_TRACE_BLOCK) != 0) _exit(3);
    int rc = lt_run(sleeper, &us, NULL, NULL);
    lt_trace_stop();
    _exit(rc != 0 ? 4 : early ? 5 : 0);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0); /* 5: a sleep returned before its deadline */
  assert_int_equal(shell("%s/looptrace dump %s/t.ltr > %s/dump", LT_BIN_DIR, dir, dir), 0);
}

/* The dump's poll timeouts (s) and timer lateness (s), in order. */
static void read_dump(const char *dir, double *timeouts, int *nt, double *lates, int *nl) {
  char path[128];
  snprintf(path, sizeof path, "%s/dump", dir);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char line[512];
  *nt = *nl = 0;
  while (fgets(line, sizeof line, f)) {
    const char *p;
    if ((p = strstr(line, " loop poll timeout=")) && *nt < 4 * SLEEPS)
      timeouts[(*nt)++] = strtod(p + strlen(" loop poll timeout="), NULL);
    if (strstr(line, " timer-fire ") && (p = strstr(line, " late ")) && *nl < 4 * SLEEPS)
      lates[(*nl)++] = strtod(p + strlen(" late "), NULL);
  }
  fclose(f);
}

/* SLEEPS sleeps of us µs, traced: each ended by its timer, never before its deadline, and
 * every poll asked for more than nothing and at most the sleep. */
static void sleeps_poll_for_at_most(int64_t us) {
  char dir[] = "/tmp/lt-precision-XXXXXX";
  assert_non_null(mkdtemp(dir));
  traced_sleeps(dir, us);
  double timeouts[4 * SLEEPS], lates[4 * SLEEPS];
  int nt, nl;
  read_dump(dir, timeouts, &nt, lates, &nl);
  assert_int_equal(nl, SLEEPS); /* every sleep ended by its timer */
  assert_true(nt >= 1);
  for (int i = 0; i < nt; i++) {
    if (timeouts[i] > (double)us / 1e6)
      fail_msg("poll %d asked for %.9f s, over the %lld us sleep", i, timeouts[i],
               (long long)us);
    assert_true(timeouts[i] > 0);
  }
  for (int i = 0; i < nl; i++) assert_true(lates[i] >= 0);
  shell("rm -rf %s", dir);
}

static void test_a_short_sleep_polls_for_what_it_needs(void **state) {
  sleeps_poll_for_at_most(300);
}

/* A sleep of 60.3 ms asks for 60.3 ms, not 61 (its poll is also split to flush the trace,
 * the flush bound being 50 ms: the timers still never fire early). */
static void test_a_long_sleep_asks_for_no_more_either(void **state) {
  sleeps_poll_for_at_most(60300);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_short_sleep_polls_for_what_it_needs),
      cmocka_unit_test(test_a_long_sleep_asks_for_no_more_either),
  };
  return cmocka_run_group_tests_name("timer_precision", tests, NULL, NULL);
}

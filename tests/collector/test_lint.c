/* test_lint.c: `looptrace lint` on its example programs, each recorded for real: every one
 * trips its own lint and no other, and the finding names the task, the await site (the line
 * of the example that the lint is about, found in its source) and a moment inside the run;
 * `lint A --against B` exits 1 on a planted regression (a step made long) and 0 both ways
 * round on two identical virtual-clock runs (the other way round under the real clock, a
 * clean run against the regressed one, is left to the machine's noise: not asserted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "scratch.h"

#include "model/lint.h"
#include "store/store.h"

#define EXAMPLES LT_ORACLE_DIR "/../../examples"


/* The line of examples/FILE that holds snippet (it must be there once). */
static int line_of(const char *file, const char *snippet) {
  char path[512], buf[512];
  snprintf(path, sizeof path, "%s/%s", EXAMPLES, file);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  int n = 0, found = 0, hits = 0;
  while (fgets(buf, sizeof buf, f)) {
    n++;
    if (strstr(buf, snippet)) found = n, hits++;
  }
  fclose(f);
  if (hits != 1) fail_msg("%s: '%s' is on %d lines", file, snippet, hits);
  return found;
}

typedef struct expect {
  const char *clock;  /* real for what CPU time trips; virtual (exact) for the rest */
  const char *prog;   /* examples/PROG.c */
  ltc_lint_kind kind; /* the one lint it trips */
  const char *task;   /* the task its worst finding names */
  const char *snippet; /* what is on the finding's line */
} expect;

static const expect cases[] = {
    {"real", "lint_long_step", LTC_LINT_LONG_STEP, "cruncher", "int rc = lt_yield();"},
    {"real", "lint_never_yielded", LTC_LINT_NEVER_YIELDED, "hog", "lt_spawn_named(hog"},
    {"real", "lint_late_timer", LTC_LINT_LATE_TIMER, "sleeper", "lt_sleep(LT_MSEC(10))"},
    {"real", "lint_ready_delay", LTC_LINT_READY_DELAY, "step30", "lt_spawn_named(step30"},
    {"virtual", "lint_self_wake", LTC_LINT_SELF_WAKE, "poller", "lt_yield()"},
    {"virtual", "lint_lost_waker", LTC_LINT_LOST_WAKER, "orphan", "lt_await(never"},
    {"virtual", "lint_cancel_stuck", LTC_LINT_CANCEL_STUCK, "stubborn",
     "lt_sleep(LT_MSEC(1200))"},
    {"virtual", "lint_long_wait", LTC_LINT_LONG_WAIT, "waiter", "waits out the holder"},
};

static void test_each_example_trips_its_lint_alone(void **state) {
  (void)state;
  size_t n = sizeof cases / sizeof *cases;
  assert_int_equal(n, LTC_LINT_COUNT); /* one example per lint */
  for (size_t i = 0; i < n; i++) {
    const expect *x = &cases[i];
    int id = scratch_record(x->clock, x->prog);
    ltc_store *s;
    assert_int_equal(ltc_store_open(scratch_db, &s, NULL), 0);
    ltc_lint l;
    assert_int_equal(ltc_lint_session(s, id, NULL, &l, NULL), 0);
    ltc_session_row row;
    assert_int_equal(ltc_store_session_row(s, id, &row, NULL), 0);
    size_t per[LTC_LINT_COUNT] = {0};
    for (size_t k = 0; k < l.n; k++) per[l.f[k].kind]++;
    for (unsigned k = 0; k < LTC_LINT_COUNT; k++)
      if ((k == x->kind) != (per[k] > 0))
        fail_msg("%s: %zu %s findings", x->prog, per[k], ltc_lint_name(k));
    const ltc_finding *f = &l.f[0]; /* its lint's worst */
    char file[64];
    snprintf(file, sizeof file, "%s.c", x->prog);
    assert_string_equal(f->name, x->task);
    assert_string_equal(f->file, file);
    assert_int_equal(f->line, line_of(file, x->snippet));
    assert_true(f->at_ns >= row.start_ns && f->at_ns <= row.end_ns);
    assert_true(f->value > 0);
    ltc_lint_free(&l);
    ltc_store_close(s);
  }
}

static void test_against_exits_1_on_a_regression_and_0_on_identical_runs(void **state) {
  (void)state;
  int clean = scratch_record("real", "lint_long_step 10"); /* a 10 ms step: nothing to say */
  int worse = scratch_record("real", "lint_long_step");     /* 150 ms */
  const char *lint = "%s/looptrace lint %d --against %d --db %s >/dev/null";
  assert_int_equal(shell(lint, LT_BIN_DIR, worse, clean, scratch_db), 1);
  /* two identical runs under the virtual clock, with findings of their own (a 300 ms wait) */
  int a = scratch_record("virtual", "lint_long_wait");
  int b = scratch_record("virtual", "lint_long_wait");
  assert_int_equal(shell(lint, LT_BIN_DIR, a, b, scratch_db), 0);
  assert_int_equal(shell(lint, LT_BIN_DIR, b, a, scratch_db), 0);
  int c = scratch_record("virtual", "seed_taskgroup");
  int d = scratch_record("virtual", "seed_taskgroup");
  assert_int_equal(shell(lint, LT_BIN_DIR, c, d, scratch_db), 0);
  /* and a lint of its own against one with fewer findings is worse */
  assert_int_equal(shell(lint, LT_BIN_DIR, a, c, scratch_db), 1);
}

static int setup(void **state) {
  (void)state;
  return scratch_make("lint");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_each_example_trips_its_lint_alone),
      cmocka_unit_test(test_against_exits_1_on_a_regression_and_0_on_identical_runs),
  };
  return cmocka_run_group_tests(tests, setup, scratch_remove);
}

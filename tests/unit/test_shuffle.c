/* test_shuffle.c: shuffle mode (runtime/src/shuffle.c). With LOOPTRACE_SHUFFLE=SEED each
 * iteration still runs exactly the callbacks ready when it began (what they schedule waits
 * for the next one), only in a seeded order: every task runs once per batch, one seed always
 * gives the same order, different seeds give different orders, and without the variable (or
 * with "off", or a value that is no seed) the queue stays FIFO. The in-process tests run with
 * LOOPTRACE_SHUFFLE=7 set before the first loop; the others run demo_fifo as a child. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <looptrace.h>

#include "internal.h" /* loop->handovers */
#include "record.h"

static const lt_run_opts virtual_clock = {.clock = LT_CLOCK_VIRTUAL};

static int two_steps(void *arg, void **result) {
  rec("%s1", (const char *)arg);
  int rc = lt_yield();
  rec("%s2", (const char *)arg);
  return rc;
}

static int spawn_eight(void *arg, void **result) {
  static const char *const names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
  lt_future *f[8];
  lt_task *t[8];
  for (int i = 0; i < 8; i++) {
    t[i] = lt_spawn(two_steps, (void *)names[i]);
    f[i] = lt_task_future(t[i]);
  }
  int rc = lt_gather(f, 8, NULL, NULL, 0);
  for (int i = 0; i < 8; i++) lt_task_release(t[i]);
  return rc;
}

/* Every first step before every second step: a batch is what was ready when it began. */
static void test_batches_stay_batches(void **state) {
  rec_reset();
  assert_int_equal(lt_run(spawn_eight, NULL, NULL, &virtual_clock), 0);
  char firsts[64] = "", seconds[64] = "";
  int seen_second = 0;
  for (char *w = strtok(rec_log, " "); w; w = strtok(NULL, " ")) {
    if (w[1] == '1') {
      assert_int_equal(seen_second, 0);
      strncat(firsts, w, 1);
    } else {
      seen_second = 1;
      strncat(seconds, w, 1);
    }
  }
  /* each task ran each step exactly once, and the order is not the FIFO one */
  assert_int_equal(strlen(firsts), 8);
  assert_int_equal(strlen(seconds), 8);
  for (char c = 'a'; c <= 'h'; c++)
    assert_non_null(strchr(firsts, c)), assert_non_null(strchr(seconds, c));
  assert_string_not_equal(firsts, "abcdefgh");
}

/* Direct transfer in shuffle mode: a task that yields hands the CPU to the next entry of the
 * shuffled batch, so each round runs in exactly the order docs/runtime.md specifies for the
 * process's first loop (seed 7): splitmix64 from the seed, a Fisher-Yates pass from the back
 * per batch of two or more, drawing j = (r * (i + 1)) >> 64; a yielding task re-queues
 * itself, so each batch starts in the order the previous one ran. */
#define SH_TASKS 6
#define SH_ROUNDS 5
static uint64_t sh_handed;

static int sh_task(void *arg, void **result) {
  for (int r = 0; r < SH_ROUNDS; r++) {
    rec("%d", (int)(intptr_t)arg);
    if (r + 1 < SH_ROUNDS) lt_yield();
  }
  return 0;
}

static int sh_main(void *arg, void **result) {
  for (int i = 0; i < SH_TASKS; i++) lt_task_release(lt_spawn(sh_task, (void *)(intptr_t)i));
  uint64_t h0 = lt_loop_current()->handovers;
  lt_sleep(LT_SEC(1)); /* out of the batches: only the six run until then */
  sh_handed = lt_loop_current()->handovers - h0;
  return 0;
}

static uint64_t sh_splitmix(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void test_handover_follows_the_shuffle(void **state) {
  rec_reset();
  assert_int_equal(lt_run(sh_main, NULL, NULL, &virtual_clock), 0); /* the process's first loop */
  uint64_t gen = 7;
  int order[SH_TASKS];
  for (int i = 0; i < SH_TASKS; i++) order[i] = i;
  char want[256] = "";
  for (int r = 0; r < SH_ROUNDS; r++) {
    for (int i = SH_TASKS - 1; i > 0; i--) {
      int j = (int)(((unsigned __int128)sh_splitmix(&gen) * (unsigned)(i + 1)) >> 64);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    for (int i = 0; i < SH_TASKS; i++)
      snprintf(want + strlen(want), sizeof want - strlen(want), "%s%d", *want ? " " : "",
               order[i]);
  }
  rec_is(want);
  /* all but the first step of each round were handed over (the loop begins a shuffled
   * batch: lt__loop_next_batch leaves shuffling to it); in the last round the tasks end
   * instead of yielding, and hand over only outside AddressSanitizer */
  assert_true(sh_handed >= (uint64_t)(SH_ROUNDS - 1) * (SH_TASKS - 1));
}

/* A later loop of the same process (its generator seeded apart from the first's) is
 * shuffled too. */
static void test_a_second_loop_is_shuffled(void **state) {
  rec_reset();
  assert_int_equal(lt_run(spawn_eight, NULL, NULL, &virtual_clock), 0);
  assert_string_not_equal(rec_log, "a1 b1 c1 d1 e1 f1 g1 h1 a2 b2 c2 d2 e2 f2 g2 h2");
}

static char *run_fifo(const char *env) {
  static char out[256];
  char cmd[512];
  snprintf(cmd, sizeof cmd, "env -u LOOPTRACE_SHUFFLE %s %s %s/demo_fifo 2>&1 | tr '\\n' ' '",
           env ? env : "", LT_CHILD_LAUNCHER, LT_BIN_DIR);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = 0;
  assert_int_equal(pclose(p), 0);
  return out;
}

/* demo_fifo as a child: FIFO without a seed; one seed replays; seeds differ. */
static void test_children(void **state) {
  assert_string_equal(run_fifo(NULL), "A B C D E ");
  assert_string_equal(run_fifo("LOOPTRACE_SHUFFLE=off"), "A B C D E ");
  assert_non_null(strstr(run_fifo("LOOPTRACE_SHUFFLE=banana"), "not a seed"));
  char seen[8][256];
  int distinct = 0;
  for (int seed = 1; seed <= 8; seed++) {
    char env[64];
    snprintf(env, sizeof env, "LOOPTRACE_SHUFFLE=%d", seed);
    char once[256];
    snprintf(once, sizeof once, "%s", run_fifo(env));
    assert_string_equal(run_fifo(env), once); /* the same seed replays */
    assert_int_equal(strlen(once), 10);       /* a permutation of A..E */
    for (char c = 'A'; c <= 'E'; c++) assert_non_null(strchr(once, c));
    int j = 0;
    while (j < distinct && strcmp(seen[j], once) != 0) j++;
    if (j == distinct) snprintf(seen[distinct++], sizeof seen[0], "%s", once);
  }
  assert_true(distinct >= 3);
  char hex[256];
  snprintf(hex, sizeof hex, "%s", run_fifo("LOOPTRACE_SHUFFLE=0x10"));
  assert_string_equal(run_fifo("LOOPTRACE_SHUFFLE=16"), hex); /* hex or decimal */
}

int main(void) {
  setenv("LOOPTRACE_SHUFFLE", "7", 1); /* read once, at the first loop */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_handover_follows_the_shuffle), /* first: seed 7 is its loop's */
      cmocka_unit_test(test_batches_stay_batches),
      cmocka_unit_test(test_a_second_loop_is_shuffled),
      cmocka_unit_test(test_children),
  };
  return cmocka_run_group_tests_name("shuffle", tests, NULL, NULL);
}

/* test_lintcache.c: the kept lints (collector/api/lintcache.c) on real recorded sessions: a
 * kept lint is the fresh one; at most 16 are kept, the least recently read going first; a
 * forgotten (deleted) session's goes; a session whose row is no longer the one linted, and a
 * live one, are linted afresh; the warmer keeps large ended sessions' only; and query threads reading and forgetting at once agree with
 * fresh lints (run under ASan by scripts/test). */
#define _GNU_SOURCE /* rand_r */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scratch.h"

#include "api/api.h"
#include "api/lint.h"
#include "store/store.h"

enum { KEEP = 16, SESSIONS = KEEP + 2 };

static const char *const progs[] = {"lint_long_wait", "lint_self_wake", "lint_lost_waker",
                                    "seed_taskgroup", "lint_cancel_stuck", "seed_countdown"};

static void assert_same_lint(const ltc_lint *a, const ltc_lint *b) {
  assert_int_equal(a->n, b->n);
  if (a->n) assert_memory_equal(a->f, b->f, a->n * sizeof *a->f);
  assert_memory_equal(&a->late, &b->late, sizeof a->late);
  assert_memory_equal(&a->ready, &b->ready, sizeof a->ready);
  assert_memory_equal(&a->step, &b->step, sizeof a->step);
  assert_int_equal(a->wakes, b->wakes);
  assert_int_equal(a->self_wakes, b->self_wakes);
}

/* Session id's lint through the cache equals a fresh one. */
static void check(ltc_store *s, int64_t id) {
  ltc_lint kept, fresh;
  assert_int_equal(ltc__lint_of(s, id, &kept, NULL), 0);
  assert_int_equal(ltc_lint_session(s, id, NULL, &fresh, NULL), 0);
  assert_same_lint(&kept, &fresh);
  ltc_lint_free(&kept);
  ltc_lint_free(&fresh);
}

static uint64_t kept_now(void) {
  uint64_t kept, answered;
  ltc_lintcache_counts(&kept, &answered);
  return kept;
}

static uint64_t answered_now(void) {
  uint64_t kept, answered;
  ltc_lintcache_counts(&kept, &answered);
  return answered;
}

static void test_bound_and_least_recently_read_first(void **state) {
  ltc_store *s = *state;
  ltc_lintcache_clear();
  for (int id = 1; id <= KEEP; id++) check(s, id);
  assert_int_equal(kept_now(), KEEP);
  uint64_t a = answered_now();
  check(s, 1); /* 1 is now the most recently read, 2 the least */
  assert_int_equal(answered_now(), a + 1);
  check(s, KEEP + 1);
  assert_int_equal(kept_now(), KEEP);
  assert_false(ltc_lintcache_kept(2));
  assert_true(ltc_lintcache_kept(1));
  assert_true(ltc_lintcache_kept(KEEP + 1));
  check(s, 3); /* still kept: answered */
  assert_int_equal(answered_now(), a + 2);
  check(s, 2); /* made again, in place of 4 */
  assert_int_equal(answered_now(), a + 2);
  assert_false(ltc_lintcache_kept(4));
  ltc_lintcache_clear();
  assert_int_equal(kept_now(), 0);
}

static void test_forgotten_and_changed_sessions_are_linted_afresh(void **state) {
  ltc_store *s = *state;
  ltc_lintcache_clear();
  check(s, 1);
  check(s, 2);
  ltc_lintcache_forget(1);
  assert_false(ltc_lintcache_kept(1));
  assert_true(ltc_lintcache_kept(2));
  assert_int_equal(kept_now(), 1);
  /* a row unlike the one linted (more records now): not answered from the kept lint */
  check(s, 5);
  uint64_t a = answered_now();
  db_int(scratch_db, "UPDATE sessions SET events = events + 1 WHERE id = 5");
  check(s, 5);
  assert_int_equal(answered_now(), a);
  check(s, 5); /* the new row's lint is kept in turn */
  assert_int_equal(answered_now(), a + 1);
  db_int(scratch_db, "UPDATE sessions SET events = events - 1 WHERE id = 5");
  /* a live session changes still: never kept */
  db_int(scratch_db, "UPDATE sessions SET status = 'live' WHERE id = 6");
  uint64_t k = kept_now();
  check(s, 6);
  check(s, 6);
  assert_int_equal(kept_now(), k);
  assert_int_equal(answered_now(), a + 1);
  assert_false(ltc_lintcache_kept(6));
  db_int(scratch_db, "UPDATE sessions SET status = 'complete' WHERE id = 6");
  /* an unknown session: its error, nothing kept */
  ltc_lint l;
  ltc_err err = {0};
  assert_int_equal(ltc__lint_of(s, 999, &l, &err), -ENOENT);
  ltc_lint_free(&l);
  assert_int_equal(kept_now(), k);
  ltc_lintcache_clear();
}

static void test_the_warmer_keeps_large_ended_sessions_only(void **state) {
  ltc_store *s = *state;
  ltc_lintcache_clear();
  assert_int_equal(ltc_lintcache_warm(s, 1, NULL), 1); /* under ltc_sumcache_warm_min */
  assert_int_equal(kept_now(), 0);
  int64_t min = ltc_sumcache_warm_min;
  ltc_sumcache_warm_min = 0;
  uint64_t a = answered_now();
  assert_int_equal(ltc_lintcache_warm(s, 1, NULL), 0);
  assert_int_equal(ltc_lintcache_warm(s, 1, NULL), 0); /* kept once */
  assert_int_equal(kept_now(), 1);
  assert_int_equal(answered_now(), a); /* the warmer's are not reads */
  check(s, 1);
  assert_int_equal(answered_now(), a + 1);
  db_int(scratch_db, "UPDATE sessions SET status = 'live' WHERE id = 2");
  assert_int_equal(ltc_lintcache_warm(s, 2, NULL), 1);
  db_int(scratch_db, "UPDATE sessions SET status = 'complete' WHERE id = 2");
  assert_int_equal(kept_now(), 1);
  assert_int_equal(ltc_lintcache_warm(s, 999, NULL), -ENOENT);
  ltc_sumcache_warm_min = min;
  ltc_lintcache_clear();
}

/* ---- query threads at once ---- */

typedef struct reader {
  pthread_t thread;
  unsigned seed;
  ltc_lint fresh[SESSIONS + 1];
  int bad;
} reader;

static void *read_many(void *arg) {
  reader *r = arg;
  ltc_store *s;
  if (ltc_store_open_reader(scratch_db, &s, NULL) < 0) return r->bad = 1, NULL;
  for (int i = 0; i < 300 && !r->bad; i++) {
    int64_t id = 1 + rand_r(&r->seed) % SESSIONS;
    ltc_lint l;
    if (ltc__lint_of(s, id, &l, NULL) < 0) {
      r->bad = 1;
      break;
    }
    const ltc_lint *f = &r->fresh[id];
    r->bad = l.n != f->n || (l.n && memcmp(l.f, f->f, l.n * sizeof *l.f) != 0) ||
             memcmp(&l.step, &f->step, sizeof l.step) != 0;
    ltc_lint_free(&l);
  }
  ltc_store_close(s);
  return NULL;
}

static void test_threads_reading_and_forgetting_at_once(void **state) {
  ltc_store *s = *state;
  ltc_lintcache_clear();
  reader r[4];
  for (int i = 0; i < 4; i++) {
    r[i] = (reader){.seed = 7u + (unsigned)i};
    for (int id = 1; id <= SESSIONS; id++)
      assert_int_equal(ltc_lint_session(s, id, NULL, &r[i].fresh[id], NULL), 0);
  }
  for (int i = 0; i < 4; i++)
    assert_int_equal(pthread_create(&r[i].thread, NULL, read_many, &r[i]), 0);
  for (int k = 0; k < 200; k++) ltc_lintcache_forget(1 + k % SESSIONS);
  for (int i = 0; i < 4; i++) {
    pthread_join(r[i].thread, NULL);
    assert_int_equal(r[i].bad, 0);
    for (int id = 1; id <= SESSIONS; id++) ltc_lint_free(&r[i].fresh[id]);
  }
  assert_true(kept_now() <= KEEP);
  ltc_lintcache_clear();
}

static int setup(void **state) {
  if (scratch_make("lintcache") < 0) return -1;
  for (int i = 0; i < SESSIONS; i++)
    scratch_record("virtual", progs[i % (sizeof progs / sizeof *progs)]);
  ltc_store *s;
  if (ltc_store_open_reader(scratch_db, &s, NULL) < 0) return -1;
  *state = s;
  return 0;
}

static int teardown(void **state) {
  ltc_store_close(*state);
  return scratch_remove(state);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bound_and_least_recently_read_first),
      cmocka_unit_test(test_forgotten_and_changed_sessions_are_linted_afresh),
      cmocka_unit_test(test_the_warmer_keeps_large_ended_sessions_only),
      cmocka_unit_test(test_threads_reading_and_forgetting_at_once),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}

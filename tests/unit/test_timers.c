/* test_timers.c: the timer heap (runtime/src/timer.c) under loads its buckets see in real
 * programs: timers armed while others fire, deadlines that tie, deadlines nanoseconds apart
 * and days apart, cancels of timers far from the head, deadlines set in the past. Every timer
 * fires in (deadline, arming order), at its deadline under the virtual clock, and a cancelled
 * one never fires; the reference order is computed here by sorting what was armed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <looptrace.h>

#include "record.h"

static const lt_run_opts virtual_clock = {.clock = LT_CLOCK_VIRTUAL};

#define NT 6000
static lt_timer tm[NT];
typedef struct armed {
  int64_t deadline;
  uint64_t order; /* arming order across the whole run */
  int idx;
  int fired_at;  /* position in the firing sequence, -1: not fired */
  bool cancelled;
} armed;
static armed arms[4 * NT]; /* one per arming (a timer re-armed gets a new one) */
static int narms, cur[NT];  /* cur[i]: timer i's arming now */
static int nfired, late, bad_fires;
static uint64_t seed = 99;

static uint64_t rnd(void) {
  seed = seed * 6364136223846793005ull + 1442695040888963407ull;
  return seed >> 33;
}

/* Delays of every scale: ties (a few values), a few ns apart, up to about a day. */
static int64_t some_delay(void) {
  switch (rnd() % 4) {
  case 0: return 1 + (int64_t)(rnd() % 4) * 1000;
  case 1: return 1 + (int64_t)(rnd() % 64);
  case 2: return 1 + (int64_t)(rnd() % 1000000);
  default: return 1 + (int64_t)((rnd() << 14) % (86400LL * 1000000000));
  }
}

static void fire(void *arg);

static void arm(int i) {
  if (narms >= 4 * NT) return;
  lt_timer_start(&tm[i], some_delay(), fire, (void *)(intptr_t)i);
  arms[narms] = (armed){tm[i].deadline, (uint64_t)narms, i, -1, false};
  cur[i] = narms++;
}

static void fire(void *arg) {
  int i = (int)(intptr_t)arg;
  armed *a = &arms[cur[i]];
  if (a->cancelled || a->fired_at >= 0) bad_fires++;
  if (lt_now() != a->deadline) late++;
  a->fired_at = nfired++;
  /* what a callback does: arm others (or itself again), cancel some armed far off */
  for (int k = 0; k < 2; k++) {
    int j = (int)(rnd() % NT);
    if (!lt_timer_active(&tm[j]) && rnd() % 3) arm(j);
  }
  int c = (int)(rnd() % NT);
  if (lt_timer_active(&tm[c]) && rnd() % 4 == 0) {
    lt_timer_cancel(&tm[c]);
    arms[cur[c]].cancelled = true;
  }
}

static int main_mixed(void *arg, void **result) {
  for (int i = 0; i < NT; i++) lt_timer_init(&tm[i]);
  for (int i = 0; i < NT; i += 2) arm(i);
  for (int i = 0; i < NT; i += 7)
    if (lt_timer_active(&tm[i])) {
      lt_timer_cancel(&tm[i]);
      arms[cur[i]].cancelled = true;
    }
  /* sleep until every timer has fired or was cancelled */
  for (;;) {
    bool any = false;
    for (int i = 0; i < NT && !any; i++) any = lt_timer_active(&tm[i]);
    if (!any) return 0;
    lt_sleep(LT_SEC(3600));
  }
}

static int by_key(const void *x, const void *y) {
  const armed *a = *(armed *const *)x, *b = *(armed *const *)y;
  if (a->deadline != b->deadline) return a->deadline < b->deadline ? -1 : 1;
  return a->order < b->order ? -1 : a->order > b->order;
}

static void test_mixed_loads_fire_in_key_order(void **state) {
  assert_int_equal(lt_run(main_mixed, NULL, NULL, &virtual_clock), 0);
  static armed *want[4 * NT];
  int n = 0;
  for (int k = 0; k < narms; k++)
    if (!arms[k].cancelled) want[n++] = &arms[k];
  qsort(want, (size_t)n, sizeof *want, by_key);
  assert_true(narms > 2 * NT); /* callbacks armed plenty */
  assert_int_equal(bad_fires, 0);
  assert_int_equal(late, 0);
  assert_int_equal(nfired, n);
  for (int k = 0; k < n; k++) assert_int_equal(want[k]->fired_at, k);
}

/* Deadlines set in the past, from a callback of a timer due now: they wait with what is due,
 * in (deadline, arming order), and run in the next iteration, before any timer of the
 * future. */
static lt_timer past[5];
static void past_fire(void *arg) { rec("%s@%lld", (const char *)arg, (long long)lt_now()); }
static void setter(void *arg) {
  int64_t now = lt_now();
  rec("setter@%lld", (long long)now);
  lt_timer_start_at(&past[0], now - 5, past_fire, "a");
  lt_timer_start_at(&past[1], now - 3, past_fire, "b");
  lt_timer_start_at(&past[2], now - 5, past_fire, "c");
  lt_timer_start_at(&past[3], now + 1, past_fire, "e");
  lt_timer_start_at(&past[4], now, past_fire, "d");
}

static int main_past(void *arg, void **result) {
  static lt_timer s, other;
  lt_timer_init(&s);
  lt_timer_init(&other);
  for (int i = 0; i < 5; i++) lt_timer_init(&past[i]);
  lt_timer_start(&s, 1000, setter, NULL);
  lt_timer_start(&other, 1000, past_fire, "tie"); /* due with the setter, armed after it */
  lt_sleep(5000);
  return 0;
}

static void test_deadlines_in_the_past(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_past, NULL, NULL, &virtual_clock), 0);
  rec_is("setter@1000 tie@1000 a@1000 c@1000 b@1000 d@1000 e@1001");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mixed_loads_fire_in_key_order),
      cmocka_unit_test(test_deadlines_in_the_past),
  };
  return cmocka_run_group_tests_name("timers", tests, NULL, NULL);
}

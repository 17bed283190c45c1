/* test_shield.c: lt_shield as asyncio.shield of CPython 3.11 behaves: cancelling the task that
 * awaits a shield leaves the inner task running to its result; the outcome's hops (inner done
 * -> _inner_done_callback -> the awaiting task); an error passed through; the inner cancelled
 * directly cancelling the shield; a done future shielded is itself. The expected log is what
 * CPython 3.11.7 printed for the same program on a virtual-clock loop. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "combine_log.h"

/* Sleeps |arg| ms and returns it; a negative arg fails with -EIO instead. */
static int inner(void *arg, void **result) {
  int ms = (int)(intptr_t)arg, abs_ms = ms < 0 ? -ms : ms;
  if (lt_sleep(LT_MSEC(abs_ms)) < 0) {
    logf_("inner %d cancelled", abs_ms);
    return -ECANCELED;
  }
  logf_("inner %d done", abs_ms);
  if (ms < 0) return -EIO;
  *result = (void *)(intptr_t)ms;
  return 0;
}

static int waiter(void *arg, void **result) {
  lt_future *s = lt_shield_of((lt_task *)arg);
  int rc = lt_await(s, result);
  lt_future_release(s);
  if (rc == -ECANCELED) logf_("waiter cancelled at %d", MS_NOW());
  return rc;
}

static int shield_main(void *arg, void **result) {
  void *v = NULL;
  lt_task *i = lt_spawn(inner, (void *)20);
  lt_task *w = lt_spawn(waiter, i);
  lt_sleep(LT_MSEC(5));
  lt_task_cancel(w);
  if (lt_await(w, NULL) == -ECANCELED) logf_("w cancelled");
  lt_await(i, &v);
  logf_("inner result %d at %d", (int)(intptr_t)v, MS_NOW());

  lt_task *j = lt_spawn(inner, (void *)1);
  lt_future *s = lt_shield_of(j);
  lt_sleep(LT_MSEC(1));
  lt_task *tk = lt_spawn(ticker, (void *)4);
  int rc = lt_await(s, &v);
  logf_("shielded %d rc=%d", (int)(intptr_t)v, rc);
  lt_future_release(s);
  lt_await(tk, NULL);

  lt_task *k = lt_spawn(inner, (void *)-3);
  s = lt_shield_of(k);
  logf_("error %d", lt_await(s, NULL));
  lt_future_release(s);

  lt_task *m = lt_spawn(inner, (void *)3);
  s = lt_shield_of(m);
  lt_yield();
  lt_task_cancel(m);
  if (lt_await(s, NULL) == -ECANCELED) logf_("outer cancelled %d", lt_future_cancelled(s));
  lt_future_release(s);
  s = lt_shield_of(k);
  logf_("done shortcut %d", s == lt_task_future(k));
  lt_future_release(s);
  lt_task *all[] = {i, w, j, tk, k, m};
  for (int n = 0; n < 6; n++) lt_task_release(all[n]);
  return 0;
}

static void test_shield_as_cpython(void **state) {
  assert_int_equal(run_watched(shield_main, NULL), 0);
  LOG_EXPECT("waiter cancelled at 5", "w cancelled", "inner 20 done", "inner result 20 at 20",
             "inner 1 done", "t0", "t1", "shielded 1 rc=0", "t2", "t3", "inner 3 done",
             "error -5", "inner 3 cancelled", "outer cancelled 1", "done shortcut 1");
}

static int misuse_main(void *arg, void **result) {
  int *e = arg;
  *e = lt_shield(NULL) == NULL ? errno : 0;
  return 0;
}

static void test_shield_misuse(void **state) {
  int e = 0;
  assert_int_equal(run_watched(misuse_main, &e), 0);
  assert_int_equal(e, EINVAL);
  assert_null(lt_shield(NULL));
  assert_int_equal(errno, EPERM);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shield_as_cpython),
      cmocka_unit_test(test_shield_misuse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

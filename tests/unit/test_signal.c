/* test_signal.c: lt_add_signal_handler as asyncio's add_signal_handler behaves: the handler
 * runs on the loop, two steps after the poll that saw the signal (the self-pipe's read, then
 * the handler), and may wake tasks; each delivery is one call; removing it says whether there
 * was one and restores the default; misuse is refused; the loop's handlers go when it ends.
 * The expected log is what CPython 3.11.7 printed for the same program (virtual-clock loop). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <unistd.h>

#include "combine_log.h"

static lt_event *ev;

static void handler(void *arg) {
  logf_("handler %s", (const char *)arg);
  lt_event_set(ev);
}

static int sig_main(void *arg, void **result) {
  ev = lt_event_new();
  int rc = lt_add_signal_handler(SIGUSR1, handler, "a");
  if (rc < 0) return rc;
  lt_task *tk = lt_spawn(ticker, (void *)6);
  lt_yield();
  kill(getpid(), SIGUSR1);
  logf_("sent");
  lt_event_wait(ev);
  logf_("main woke");
  lt_await(tk, NULL);
  lt_task_release(tk);
  lt_event_clear(ev);
  kill(getpid(), SIGUSR1);
  kill(getpid(), SIGUSR1);
  lt_sleep(LT_MSEC(1));
  int r1 = lt_remove_signal_handler(SIGUSR1);
  logf_("removed %d %d", r1, lt_remove_signal_handler(SIGUSR1));
  struct sigaction sa;
  sigaction(SIGUSR1, NULL, &sa);
  logf_("default again %d", sa.sa_handler == SIG_DFL);
  lt_event_free(ev);
  return 0;
}

static void test_handler_runs_on_the_loop_as_cpython(void **state) {
  assert_int_equal(run_watched(sig_main, NULL), 0);
  LOG_EXPECT("t0", "sent", "t1", "t2", "handler a", "t3", "main woke", "t4", "t5", "handler a",
             "handler a", "removed 1 0", "default again 1");
}

static void noop(void *arg) { (void)arg; }

static int misuse_main(void *arg, void **result) {
  int *rcs = arg;
  rcs[0] = lt_add_signal_handler(SIGKILL, noop, NULL);
  rcs[1] = lt_add_signal_handler(0, noop, NULL);
  rcs[2] = lt_add_signal_handler(SIGUSR2, NULL, NULL);
  rcs[3] = lt_add_signal_handler(SIGUSR2, noop, NULL); /* left installed: the loop's end */
  return 0;
}

static void test_misuse_and_cleanup_at_the_loop_end(void **state) {
  int rcs[4];
  assert_int_equal(run_watched(misuse_main, rcs), 0);
  assert_int_equal(rcs[0], -EINVAL);
  assert_int_equal(rcs[1], -EINVAL);
  assert_int_equal(rcs[2], -EINVAL);
  assert_int_equal(rcs[3], 0);
  struct sigaction sa;
  sigaction(SIGUSR2, NULL, &sa);
  assert_true(sa.sa_handler == SIG_DFL); /* removed when the loop ended */
  assert_int_equal(lt_add_signal_handler(SIGUSR2, noop, NULL), -EPERM);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_handler_runs_on_the_loop_as_cpython),
      cmocka_unit_test(test_misuse_and_cleanup_at_the_loop_end),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

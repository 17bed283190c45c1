/* test_misuse.c: misuse gets an error code (and a message on stderr), never undefined
 * behaviour: waiting outside a task, touching a loop from another thread, resolving a future
 * twice, resolving a task by hand, a task awaiting itself, calls with no loop at all. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <looptrace.h>

#include "record.h"

static const lt_run_opts virtual_clock = {.clock = LT_CLOCK_VIRTUAL};

static int await_rc, sleep_rc;
static void callback_tries_to_wait(void *arg) {
  lt_future *f = arg;
  await_rc = lt_await(f, NULL);
  sleep_rc = lt_sleep(LT_MSEC(1));
}

static int main_wait_in_callback(void *arg, void **result) {
  lt_future *f = lt_future_new();
  lt_call_soon(callback_tries_to_wait, f);
  lt_yield();
  lt_future_release(f);
  return 0;
}

static void test_await_outside_task(void **state) {
  await_rc = sleep_rc = 0;
  assert_int_equal(lt_run(main_wait_in_callback, NULL, NULL, &virtual_clock), 0);
  assert_int_equal(await_rc, -EPERM);
  assert_int_equal(sleep_rc, -EPERM);
}

static void test_no_loop_at_all(void **state) {
  errno = 0;
  assert_null(lt_future_new());
  assert_int_equal(errno, EPERM);
  errno = 0;
  assert_null(lt_spawn(NULL, NULL));
  assert_int_equal(errno, EPERM);
  assert_int_equal(lt_call_soon(NULL, NULL), -EPERM);
  assert_int_equal(lt_sleep(1), -EPERM);
  assert_null(lt_current_task());
  assert_null(lt_loop_current());
}

typedef struct foreign {
  lt_future *f;
  lt_task *t;
  int set_rc, cancel_rc, spawn_errno;
} foreign;

static void *foreign_thread(void *arg) {
  foreign *x = arg;
  x->set_rc = lt_future_set_result(x->f, NULL);
  x->cancel_rc = lt_task_cancel(x->t);
  errno = 0;
  if (!lt_spawn(NULL, NULL)) x->spawn_errno = errno;
  return NULL;
}

static int idle(void *arg, void **result) { return lt_sleep(LT_MSEC(1)); }

static int main_foreign_thread(void *arg, void **result) {
  foreign *x = arg;
  x->f = lt_future_new();
  x->t = lt_spawn(idle, NULL);
  pthread_t th;
  pthread_create(&th, NULL, foreign_thread, x);
  pthread_join(th, NULL); /* blocks the loop on purpose: the thread's calls are refused */
  assert_false(lt_future_done(x->f));
  int rc = lt_await(x->t, NULL);
  lt_future_release(x->f);
  lt_task_release(x->t);
  return rc;
}

static void test_loop_touched_from_another_thread(void **state) {
  foreign x = {0};
  assert_int_equal(lt_run(main_foreign_thread, &x, NULL, &virtual_clock), 0);
  assert_int_equal(x.set_rc, -EPERM);
  assert_int_equal(x.cancel_rc, -EPERM);
  assert_int_equal(x.spawn_errno, EPERM);
}

static int main_double_resolve(void *arg, void **result) {
  lt_future *f = lt_future_new();
  assert_int_equal(lt_future_set_result(f, NULL), 0);
  assert_int_equal(lt_future_set_result(f, NULL), -EINVAL);
  assert_int_equal(lt_future_set_error(f, -EIO), -EINVAL);
  lt_future *g = lt_future_new();
  assert_int_equal(lt_future_set_error(g, 5), -EINVAL); /* errors are negative errnos */
  assert_false(lt_future_done(g));
  lt_task *t = lt_spawn(idle, NULL);
  assert_int_equal(lt_future_set_result(lt_task_future(t), NULL), -EINVAL);
  assert_int_equal(lt_await(lt_current_task(), NULL), -EDEADLK);
  int rc = lt_await(t, NULL);
  lt_future_release(f);
  lt_future_release(g);
  lt_task_release(t);
  return rc;
}

static void test_resolve_twice_and_self_await(void **state) {
  assert_int_equal(lt_run(main_double_resolve, NULL, NULL, &virtual_clock), 0);
}

static int positive_status(void *arg, void **result) { return 3; }
static int main_positive(void *arg, void **result) {
  lt_task *t = lt_spawn(positive_status, NULL);
  int rc = lt_await(t, NULL);
  lt_task_release(t);
  return rc;
}

static void test_task_returning_positive_status(void **state) {
  assert_int_equal(lt_run(main_positive, NULL, NULL, &virtual_clock), -EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_await_outside_task),
      cmocka_unit_test(test_no_loop_at_all),
      cmocka_unit_test(test_loop_touched_from_another_thread),
      cmocka_unit_test(test_resolve_twice_and_self_await),
      cmocka_unit_test(test_task_returning_positive_status),
  };
  return cmocka_run_group_tests_name("misuse", tests, NULL, NULL);
}

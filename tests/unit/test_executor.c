/* test_executor.c: blocking work on worker threads: results and errors come back; the loop
 * keeps running while a job blocks (proved by a job that waits for the loop to write to it);
 * jobs really run in parallel; a cancelled waiter leaves its job to finish safely; other
 * threads wake the loop with lt_call_soon_threadsafe. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <looptrace.h>

#include "record.h"

static int answer(void *arg, void **result) {
  *result = (void *)(intptr_t)42;
  return 0;
}
static int fails(void *arg, void **result) { return -EIO; }

static int main_results(void *arg, void **result) {
  void *v = NULL;
  int rc = lt_to_thread(answer, NULL, &v);
  rec("answer:%d,%d", rc, (int)(intptr_t)v);
  rec("fails:%s", lt_strerror(lt_to_thread(fails, NULL, NULL)));
  return 0;
}

static void test_results_and_errors_come_back(void **state) {
  rec_reset();
  assert_int_equal(lt_run(main_results, NULL, NULL, NULL), 0);
  rec_is("answer:0,42 fails:Input/output error");
}

/* A job that blocks reading a pipe the loop writes to: it can only finish if the loop runs. */
static int pipefd[2];
static int blocking_read(void *arg, void **result) {
  char c;
  ssize_t n = read(pipefd[0], &c, 1);
  *result = (void *)(intptr_t)(n == 1 ? c : -1);
  return 0;
}

static int loop_writes(void *arg, void **result) {
  lt_yield();
  rec("loop-still-runs");
  return write(pipefd[1], "k", 1) == 1 ? 0 : -EIO;
}

static int main_loop_runs(void *arg, void **result) {
  lt_task *w = lt_spawn(loop_writes, NULL);
  void *v = NULL;
  int rc = lt_to_thread(blocking_read, NULL, &v);
  rec("job-read:%c", (char)(intptr_t)v);
  lt_await(w, NULL);
  lt_task_release(w);
  return rc;
}

static void test_loop_runs_while_a_job_blocks(void **state) {
  assert_int_equal(pipe(pipefd), 0);
  rec_reset();
  assert_int_equal(lt_run(main_loop_runs, NULL, NULL, NULL), 0);
  rec_is("loop-still-runs job-read:k");
  close(pipefd[0]);
  close(pipefd[1]);
}

/* Eight jobs that each wait until all eight have started: done only if they run at once. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int arrived;

static int rendezvous(void *arg, void **result) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 20;
  pthread_mutex_lock(&mu);
  arrived++;
  pthread_cond_broadcast(&cv);
  int rc = 0;
  while (arrived < 8 && rc == 0) rc = pthread_cond_timedwait(&cv, &mu, &until);
  pthread_mutex_unlock(&mu);
  return arrived >= 8 ? 0 : -ETIMEDOUT;
}

static int main_parallel(void *arg, void **result) {
  lt_future *f[8];
  for (int i = 0; i < 8; i++) f[i] = lt_executor_submit(rendezvous, NULL);
  int errs[8];
  int rc = lt_gather(f, 8, NULL, errs, LT_GATHER_RETURN_ERRORS);
  for (int i = 0; i < 8; i++) {
    if (errs[i]) rc = errs[i];
    lt_future_release(f[i]);
  }
  return rc;
}

static void test_jobs_run_in_parallel(void **state) {
  arrived = 0;
  lt_run_opts o = {.executor_threads = 8};
  assert_int_equal(lt_run(main_parallel, NULL, NULL, &o), 0);
}

/* The waiter is cancelled while its job blocks; the job runs on to its end. */
static int job_finished;
static int slow_job(void *arg, void **result) {
  char c;
  ssize_t n = read(pipefd[0], &c, 1);
  job_finished = n == 1;
  return 0;
}

static int waiter(void *arg, void **result) {
  int rc = lt_to_thread(slow_job, NULL, NULL);
  rec("waiter:%s", lt_strerror(rc));
  return rc;
}

static int main_cancel(void *arg, void **result) {
  lt_task *t = lt_spawn(waiter, NULL);
  lt_yield();
  lt_task_cancel(t);
  lt_await(t, NULL);
  rec("job-done-yet:%d", job_finished);
  write(pipefd[1], "z", 1); /* now let the job end; lt_run joins the pool at the end */
  lt_task_release(t);
  return 0;
}

static void test_cancelled_waiter_leaves_job_safe(void **state) {
  assert_int_equal(pipe(pipefd), 0);
  job_finished = 0;
  rec_reset();
  assert_int_equal(lt_run(main_cancel, NULL, NULL, NULL), 0);
  rec_is("waiter:cancelled job-done-yet:0");
  assert_int_equal(job_finished, 1); /* lt_run waited for it before returning */
  close(pipefd[0]);
  close(pipefd[1]);
}

/* ---- another thread wakes the loop ---- */

typedef struct wake {
  lt_loop *loop;
  lt_future *f;
  pthread_t loop_thread;
  int ran_on_loop_thread;
} wake;

static void resolve_from_loop(void *arg) {
  wake *w = arg;
  w->ran_on_loop_thread = pthread_equal(pthread_self(), w->loop_thread);
  lt_future_set_result(w->f, (void *)(intptr_t)7);
}

static void *foreign(void *arg) {
  wake *w = arg;
  lt_call_soon_threadsafe(w->loop, resolve_from_loop, w);
  return NULL;
}

static int main_threadsafe(void *arg, void **result) {
  wake *w = arg;
  w->loop = lt_loop_current();
  w->loop_thread = pthread_self();
  w->f = lt_future_new();
  pthread_t th;
  pthread_create(&th, NULL, foreign, w);
  void *v = NULL;
  int rc = lt_await(w->f, &v); /* nothing else is pending: the eventfd must wake the loop */
  pthread_join(th, NULL);
  lt_future_release(w->f);
  return rc == 0 && (intptr_t)v == 7 ? 0 : -EIO;
}

static void test_call_soon_threadsafe_wakes_the_loop(void **state) {
  wake w = {0};
  assert_int_equal(lt_run(main_threadsafe, &w, NULL, NULL), 0);
  assert_true(w.ran_on_loop_thread);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_results_and_errors_come_back),
      cmocka_unit_test(test_loop_runs_while_a_job_blocks),
      cmocka_unit_test(test_jobs_run_in_parallel),
      cmocka_unit_test(test_cancelled_waiter_leaves_job_safe),
      cmocka_unit_test(test_call_soon_threadsafe_wakes_the_loop),
  };
  return cmocka_run_group_tests_name("executor", tests, NULL, NULL);
}

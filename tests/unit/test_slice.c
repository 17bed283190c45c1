/* test_slice.c: lt_set_slice and LOOPTRACE_SLICE_US: the kernel runs the thread with the slice
 * asked for (its policy and nice untouched), 0 gives the default back, a slice the kernel
 * would clamp is refused, and lt_run sets the environment's slice for its run only. Each case
 * runs on a thread of its own, so that what it sets dies with it. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include <looptrace.h>

typedef struct attr48 { /* the kernel's struct sched_attr, first version */
  uint32_t size, policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime, deadline, period;
} attr48;

static attr48 now_attr(void) {
  attr48 a;
  memset(&a, 0, sizeof a);
  if (syscall(SYS_sched_getattr, 0, &a, sizeof a, 0) != 0) a.policy = UINT32_MAX;
  return a;
}

/* What a case saw on its thread: cmocka's asserts belong to the test's own thread. */
typedef struct seen {
  const char *arg;
  int rc[4];
  attr48 before, during, after;
  int prio;
  bool unsupported, unprivileged;
} seen;

static seen on_thread(void *(*fn)(void *), const char *arg) {
  seen s = {.arg = arg};
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, fn, &s), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
  if (s.unsupported) skip(); /* this kernel has no custom slices */
  if (s.unprivileged) skip();
  return s;
}

static void *set_and_restore(void *arg) {
  seen *s = arg;
  setpriority(PRIO_PROCESS, (id_t)gettid(), 3);
  s->before = now_attr();
  s->rc[0] = lt_set_slice(200000);
  s->unsupported = s->rc[0] == -EOPNOTSUPP;
  s->during = now_attr();
  s->prio = getpriority(PRIO_PROCESS, (id_t)gettid());
  s->rc[1] = lt_set_slice(0);
  s->after = now_attr();
  return NULL;
}

static void test_the_thread_runs_with_the_slice_asked_for(void **state) {
  seen s = on_thread(set_and_restore, NULL);
  assert_int_equal(s.rc[0], 0);
  assert_int_equal(s.during.runtime, 200000);
  assert_int_equal(s.during.policy, SCHED_OTHER);
  assert_int_equal(s.before.nice, 3);
  assert_int_equal(s.during.nice, 3); /* sched_setattr sets nice too: the thread's is kept */
  assert_int_equal(s.prio, 3);
  assert_int_equal(s.rc[1], 0);
  assert_int_equal(s.after.runtime, s.before.runtime); /* 0: the default back */
  assert_int_not_equal(s.before.runtime, 200000);
}

static void *batch_kept(void *arg) {
  seen *s = arg;
  sched_setscheduler(0, SCHED_BATCH, &(struct sched_param){0});
  s->before = now_attr();
  s->rc[0] = lt_set_slice(500000);
  s->unsupported = s->rc[0] == -EOPNOTSUPP;
  s->during = now_attr();
  return NULL;
}

static void test_the_policy_is_kept(void **state) {
  seen s = on_thread(batch_kept, NULL);
  assert_int_equal(s.before.policy, SCHED_BATCH);
  assert_int_equal(s.rc[0], 0);
  assert_int_equal(s.during.policy, SCHED_BATCH);
  assert_int_equal(s.during.runtime, 500000);
}

static void *clamped_refused(void *arg) {
  seen *s = arg;
  s->before = now_attr();
  s->rc[0] = lt_set_slice(99999);
  s->rc[1] = lt_set_slice(100000001);
  s->rc[2] = lt_set_slice(-1);
  s->after = now_attr();
  return NULL;
}

static void test_a_slice_the_kernel_would_clamp_is_refused(void **state) {
  seen s = on_thread(clamped_refused, NULL);
  for (int i = 0; i < 3; i++) assert_int_equal(s.rc[i], -ERANGE);
  assert_int_equal(s.after.runtime, s.before.runtime);
}

static attr48 in_run;
static int read_slice(void *arg, void **result) {
  in_run = now_attr();
  return 0;
}

static void *env_run(void *arg) {
  seen *s = arg;
  s->before = now_attr();
  setenv("LOOPTRACE_SLICE_US", s->arg, 1);
  s->rc[0] = lt_run(read_slice, NULL, NULL, NULL);
  unsetenv("LOOPTRACE_SLICE_US");
  s->during = in_run;
  s->after = now_attr();
  s->unsupported = lt_set_slice(100000) == -EOPNOTSUPP;
  return NULL;
}

static void test_the_environment_sets_it_for_the_run(void **state) {
  seen s = on_thread(env_run, "300");
  assert_int_equal(s.rc[0], 0);
  assert_int_equal(s.during.runtime, 300000);
  assert_int_equal(s.after.runtime, s.before.runtime); /* for the run only */
  const char *bad[] = {"abc", "50", "100001", "-5", "300us"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    s = on_thread(env_run, bad[i]);
    assert_int_equal(s.rc[0], 0); /* said on stderr and left: the run goes on */
    assert_int_equal(s.during.runtime, s.before.runtime);
  }
}

static void *realtime_refused(void *arg) {
  seen *s = arg;
  if (sched_setscheduler(0, SCHED_FIFO, &(struct sched_param){1}) != 0) {
    s->unprivileged = true;
    return NULL;
  }
  s->rc[0] = lt_set_slice(200000);
  s->during = now_attr();
  return NULL;
}

static void test_a_realtime_thread_is_refused(void **state) {
  seen s = on_thread(realtime_refused, NULL); /* skipped without the right to real time */
  assert_int_equal(s.rc[0], -EINVAL);
  assert_int_equal(s.during.policy, SCHED_FIFO);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_the_thread_runs_with_the_slice_asked_for),
      cmocka_unit_test(test_the_policy_is_kept),
      cmocka_unit_test(test_a_slice_the_kernel_would_clamp_is_refused),
      cmocka_unit_test(test_the_environment_sets_it_for_the_run),
      cmocka_unit_test(test_a_realtime_thread_is_refused),
  };
  return cmocka_run_group_tests_name("slice", tests, NULL, NULL);
}

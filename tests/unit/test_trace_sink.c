/* test_trace_sink.c: a traced program never fails because of its sink: a sink that goes away
 * mid-run is reported once on stderr and the program carries on untraced; a sink that cannot
 * be opened is reported and the program runs untraced; a bad spec is refused; in drop mode a
 * sink that takes nothing does not hold the program at its end either. */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <looptrace.h>

static int listen_unix(const char *path) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  assert_true(strlen(path) < sizeof sa.sun_path);
  memcpy(sa.sun_path, path, strlen(path) + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(listen(fd, 1), 0);
  return fd;
}

/* Accepts one producer, reads a little of its stream, then hangs up. */
static void *hang_up_server(void *arg) {
  int lfd = *(int *)arg;
  int c = accept(lfd, NULL, NULL);
  char buf[4096];
  ssize_t got = 0, n;
  while (got < 100000 && (n = read(c, buf, sizeof buf)) > 0) got += n;
  close(c);
  return (void *)(intptr_t)got;
}

static int busy(void *arg, void **result) {
  long *done = arg;
  for (long i = 0; i < 200000; i++) {
    lt_yield();
    ++*done;
  }
  return 0;
}

static int amain(void *arg, void **result) {
  lt_task *t = lt_spawn(busy, arg);
  int rc = lt_await(t, NULL);
  lt_task_release(t);
  return rc;
}

static char *slurp(const char *path) {
  static char buf[65536];
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = 0;
  return buf;
}

static int count(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
  return n;
}

static void test_sink_going_away_is_said_once(void **state) {
  char dir[] = "/tmp/lt-sink-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char sock[256], errpath[256];
  snprintf(sock, sizeof sock, "%s/s", dir);
  snprintf(errpath, sizeof errpath, "%s/stderr", dir);
  int lfd = listen_unix(sock);
  pthread_t th;
  pthread_create(&th, NULL, hang_up_server, &lfd);

  /* stderr goes to a file for the length of the run */
  fflush(stderr);
  int saved = dup(2);
  int efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(efd, 2);

  char spec[300];
  snprintf(spec, sizeof spec, "unix:%s", sock);
  assert_int_equal(lt_trace_start(spec, "hang-up", LT_TRACE_BLOCK), 0);
  long done = 0;
  int rc = lt_run(amain, &done, NULL, NULL);
  lt_trace_stop();

  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(efd);
  void *got;
  pthread_join(th, &got);
  close(lfd);

  assert_int_equal(rc, 0);
  assert_int_equal(done, 200000); /* the program ran to its end */
  assert_true((intptr_t)got >= 100000);
  assert_false(lt_trace_enabled());
  const char *err = slurp(errpath);
  assert_int_equal(count(err, "goes on untraced"), 1);
  unlink(sock);
  unlink(errpath);
  rmdir(dir);
}

/* Accepts one producer and never reads from it. */
static void *stalled_server(void *arg) {
  int lfd = *(int *)arg;
  int c = accept(lfd, NULL, NULL);
  return (void *)(intptr_t)c; /* closed by the test, once the program is done */
}

static void test_drop_mode_does_not_wait_at_the_end(void **state) {
  char dir[] = "/tmp/lt-stall-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char sock[256], spec[300];
  snprintf(sock, sizeof sock, "%s/s", dir);
  snprintf(spec, sizeof spec, "unix:%s", sock);
  int lfd = listen_unix(sock);
  pthread_t th;
  pthread_create(&th, NULL, stalled_server, &lfd);
  pid_t pid = fork();
  if (pid == 0) {
    alarm(30); /* a program held at its end by its sink is killed: the test fails */
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    if (lt_trace_start(spec, "stalled", LT_TRACE_DROP) < 0) _exit(3);
    long done = 0;
    int rc = lt_run(amain, &done, NULL, NULL); /* far more records than the socket holds */
    lt_trace_stop();
    _exit(rc == 0 && done == 200000 ? 0 : 4);
  }
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  void *c;
  pthread_join(th, &c);
  close((int)(intptr_t)c);
  close(lfd);
  assert_true(WIFEXITED(st)); /* not killed by its alarm */
  assert_int_equal(WEXITSTATUS(st), 0);
  unlink(sock);
  rmdir(dir);
}

static void test_bad_specs_refused(void **state) {
  assert_int_equal(lt_trace_start("nowhere", NULL, LT_TRACE_BLOCK), -EINVAL);
  assert_int_equal(lt_trace_start("tcp:127.0.0.1", NULL, LT_TRACE_BLOCK), -EINVAL);
  assert_int_equal(lt_trace_start("tcp:127.0.0.1:99999", NULL, LT_TRACE_BLOCK), -EINVAL);
  assert_int_equal(lt_trace_start("unix:/nonexistent/dir/sock", NULL, LT_TRACE_BLOCK), -ENOENT);
  assert_false(lt_trace_enabled());
}

/* A real child: the seed example with a sink nobody listens on still prints its oracle output. */
static void test_unreachable_sink_runs_untraced(void **state) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "LOOPTRACE=unix:/nonexistent/sock %s %s/seed_ordering 2>/tmp/lt-unreach.err "
           "| cmp -s - %s/seed_ordering.out",
           LT_CHILD_LAUNCHER, LT_BIN_DIR, LT_ORACLE_DIR);
  int st = system(cmd);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
  assert_int_equal(count(slurp("/tmp/lt-unreach.err"), "running untraced"), 1);
  unlink("/tmp/lt-unreach.err");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sink_going_away_is_said_once),
      cmocka_unit_test(test_drop_mode_does_not_wait_at_the_end),
      cmocka_unit_test(test_bad_specs_refused),
      cmocka_unit_test(test_unreachable_sink_runs_untraced),
  };
  return cmocka_run_group_tests_name("trace_sink", tests, NULL, NULL);
}

/* test_process.c: lt_create_subprocess_exec as asyncio.create_subprocess_exec is relied on,
 * with real child processes: stdout and stderr read through their pipes and the exit status
 * awaited; stdin written and closed so that the child sees end of file; stderr merged into
 * stdout; a process ended by a signal returning -N; a signal to an exited one refused; other
 * tasks running while one awaits an exit; a program that does not exist refused at once. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>

#include "combine_log.h"

static void log_lines(const char *who, lt_stream *s) {
  char line[128];
  ssize_t n;
  while ((n = lt_stream_readline(s, line, sizeof line)) > 0)
    logf_("%s '%.*s'", who, (int)(line[n - 1] == '\n' ? n - 1 : n), line);
}

static int pipes_main(void *arg, void **result) {
  char *sh[] = {"sh", "-c", "echo out; echo err >&2; exit 3", NULL};
  lt_process *p =
      lt_create_subprocess_exec("sh", sh, LT_PROCESS_STDOUT_PIPE | LT_PROCESS_STDERR_PIPE);
  if (!p) return -errno;
  log_lines("stdout", lt_process_stdout(p));
  log_lines("stderr", lt_process_stderr(p));
  int code = 99;
  int rc = lt_process_wait(p, &code);
  logf_("wait %d returncode %d", rc, code);
  logf_("after exit %d", lt_process_send_signal(p, SIGTERM));
  lt_process_free(p);

  char *cat[] = {"cat", NULL};
  p = lt_create_subprocess_exec("cat", cat, LT_PROCESS_STDIN_PIPE | LT_PROCESS_STDOUT_PIPE);
  lt_stream_write(lt_process_stdin(p), "a\nb\n", 4);
  lt_stream_write_eof(lt_process_stdin(p)); /* cat sees end of file and exits */
  log_lines("cat", lt_process_stdout(p));
  lt_process_wait(p, &code);
  logf_("cat returncode %d", code);
  lt_process_free(p);

  char *both[] = {"sh", "-c", "echo one; echo two >&2", NULL};
  p = lt_create_subprocess_exec("sh", both, LT_PROCESS_STDOUT_PIPE | LT_PROCESS_STDERR_STDOUT);
  log_lines("merged", lt_process_stdout(p));
  logf_("no stderr pipe %d", lt_process_stderr(p) == NULL);
  lt_process_wait(p, NULL);
  lt_process_free(p);
  return 0;
}

static void test_pipes_and_exit_status(void **state) {
  assert_int_equal(run_real(pipes_main), 0);
  LOG_EXPECT("stdout 'out'", "stderr 'err'", "wait 0 returncode 3", "after exit -3", "cat 'a'",
             "cat 'b'", "cat returncode 0", "merged 'one'", "merged 'two'", "no stderr pipe 1");
}

static int signal_main(void *arg, void **result) {
  char *argv[] = {"sleep", "30", NULL};
  lt_process *p = lt_create_subprocess_exec("sleep", argv, LT_PROCESS_STDIN_DEVNULL);
  lt_task *tk = lt_spawn(ticker, (void *)3);
  int code = 0;
  logf_("running %d", lt_process_returncode(p, &code));
  lt_sleep(LT_MSEC(20));
  lt_process_terminate(p);
  int rc = lt_process_wait(p, &code);
  logf_("wait %d returncode %d", rc, code);
  lt_await(tk, NULL);
  lt_task_release(tk);
  lt_process_free(p);
  char *none[] = {"/nonexistent/program", NULL};
  p = lt_create_subprocess_exec(none[0], none, 0);
  logf_("missing %d errno %d", p == NULL, errno);
  return 0;
}

/* The ticker runs while main sleeps and waits: the loop is not blocked by the child. */
static void test_signal_ends_it_and_the_loop_goes_on(void **state) {
  assert_int_equal(run_real(signal_main), 0);
  LOG_EXPECT("running -11", "t0", "t1", "t2", "wait 0 returncode -15", "missing 1 errno 2");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pipes_and_exit_status),
      cmocka_unit_test(test_signal_ends_it_and_the_loop_goes_on),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

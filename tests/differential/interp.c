/* interp.c: lt_diffinterp, the C side of the differential tester: reads programs in ir.py's
 * text form from stdin (or a file) and runs each on the runtime under the virtual clock, in a
 * child process of its own (a crash or a hang costs that program only), printing its lines and
 * then "@@end STATUS" (ok, crash SIGNAL, exit CODE). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "interp.h"

static void run_one(di_prog *p) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    perror("lt_diffinterp: fork");
    exit(2);
  }
  if (pid == 0) {
    alarm(20); /* a program that hangs (it should deadlock into the watchdog instead) */
    lt_run_opts o = {.clock = LT_CLOCK_VIRTUAL, .executor_threads = 2};
    void *v = NULL;
    int rc = lt_run(di_main, p, &v, &o);
    if (rc == -ECANCELED) printf("main cancelled\n");
    else if (rc < 0) printf("main err%d\n", -rc);
    else printf("main none\n");
    fflush(stdout);
    _exit(0);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0) {
  }
  if (WIFSIGNALED(st)) printf("@@end crash %d\n", WTERMSIG(st));
  else if (WEXITSTATUS(st)) printf("@@end exit %d\n", WEXITSTATUS(st));
  else printf("@@end ok\n");
}

int main(int argc, char **argv) {
  FILE *in = stdin;
  if (argc > 1 && !(in = fopen(argv[1], "r"))) {
    perror(argv[1]);
    return 2;
  }
  di_prog p;
  int rc;
  while ((rc = di_parse(in, &p)) == 1) {
    run_one(&p);
    di_prog_free(&p);
  }
  fflush(stdout);
  return rc < 0 ? 2 : 0;
}

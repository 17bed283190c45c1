/* record.c: `looptrace record [--name LABEL] [--db FILE] [--clock C] -- PROGRAM ARGS...`: runs
 * a program built on the runtime with tracing on and stores its run as a session. The program
 * streams to a Unix socket in a private directory; the same ingest as the daemon's stores it. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "ingest.h"
#include "store.h"

static const char record_usage[] =
    "usage: looptrace record [--name LABEL] [--db FILE] [--clock real|virtual] -- PROGRAM [ARGS...]\n"
    "  Runs PROGRAM (built on the looptrace runtime) traced, and stores the run as a session:\n"
    "  through the collector when one listens on the default socket (looptrace serve), else\n"
    "  straight into the database (always, with --db).\n"
    "  --name LABEL   a label for the session\n"
    "  --db FILE      the database (default: $LOOPTRACE_DB or ~/.local/share/looptrace/looptrace.db)\n"
    "  --clock C      run the program under the real (default) or the virtual clock\n"
    "Exit status: the program's; 2 for usage errors; 1 when it could not be recorded.\n";

static void child_env(const char *spec, const char *label, const char *clock) {
  setenv("LOOPTRACE", spec, 1);
  if (label) setenv("LOOPTRACE_LABEL", label, 1);
  if (clock) setenv("LOOPTRACE_CLOCK", clock, 1);
}

static int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

/* A collector runs: the program streams to it, and the collector stores the session. */
static int through_collector(const char *sock, const char *label, const char *clock,
                             char **prog) {
  pid_t pid = fork();
  if (pid == 0) {
    char spec[320];
    snprintf(spec, sizeof spec, "unix:%s", sock);
    child_env(spec, label, clock);
    execvp(prog[0], prog);
    fprintf(stderr, "looptrace record: cannot run %s: %s\n", prog[0], strerror(errno));
    _exit(127);
  }
  signal(SIGINT, SIG_IGN);
  int status = 0;
  waitpid(pid, &status, 0);
  fprintf(stderr, "looptrace record: %s (pid %d) streamed to the collector at %s\n", prog[0],
          (int)pid, sock);
  return exit_code(status);
}

int ltc_cmd_record(int argc, char **argv) {
  const char *label = NULL, *db = NULL, *clock = NULL;
  int i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      fputs(record_usage, stdout);
      return 0;
    }
    const char **opt = strcmp(argv[i], "--name") == 0    ? &label
                       : strcmp(argv[i], "--db") == 0    ? &db
                       : strcmp(argv[i], "--clock") == 0 ? &clock
                                                         : NULL;
    if (opt && i + 1 < argc) {
      *opt = argv[++i];
      continue;
    }
    if (argv[i][0] != '-') break; /* the program, without a -- before it */
    fprintf(stderr, "looptrace record: unknown option '%s'\n%s", argv[i], record_usage);
    return 2;
  }
  if (i >= argc) {
    fprintf(stderr, "looptrace record: no program to run\n%s", record_usage);
    return 2;
  }
  if (clock && strcmp(clock, "real") != 0 && strcmp(clock, "virtual") != 0) {
    fprintf(stderr, "looptrace record: --clock is real or virtual, not '%s'\n", clock);
    return 2;
  }
  char sock[300];
  ltc_default_ingest_socket(sock, sizeof sock);
  if (!db && ltc_collector_listens(sock)) return through_collector(sock, label, clock, argv + i);
  char path[4096];
  ltc_store *store = ltc_open_db("record", &db, path, sizeof path);
  if (!store) return 1;

  /* A private directory (0700) holds the socket the program streams to. */
  char dir[] = "/tmp/looptrace-record-XXXXXX";
  if (!mkdtemp(dir)) {
    fprintf(stderr, "looptrace record: mkdtemp: %s\n", strerror(errno));
    ltc_store_close(store);
    return 1;
  }
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s/sink", dir);
  int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 1) < 0) {
    fprintf(stderr, "looptrace record: socket %s: %s\n", sa.sun_path, strerror(errno));
    ltc_store_close(store);
    rmdir(dir);
    return 1;
  }

  pid_t pid = fork();
  if (pid == 0) {
    char spec[sizeof sa.sun_path + 8];
    snprintf(spec, sizeof spec, "unix:%s", sa.sun_path);
    child_env(spec, NULL, clock); /* the label is the store's to set here */
    execvp(argv[i], argv + i);
    fprintf(stderr, "looptrace record: cannot run %s: %s\n", argv[i], strerror(errno));
    _exit(127);
  }
  /* The terminal's ^C reaches the program; this process waits for it to end. */
  signal(SIGINT, SIG_IGN);

  int status = 0, code = 1;
  bool reaped = false;
  int cfd = -1;
  while (cfd < 0) {
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    if (poll(&p, 1, 100) > 0) cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (cfd < 0 && waitpid(pid, &status, WNOHANG) == pid) {
      reaped = true;
      break;
    }
  }
  ltc_ingest_result res = {0};
  if (cfd >= 0) {
    int rc = ltc_ingest_fd(store, cfd, label, &res);
    close(cfd);
    if (rc < 0) fprintf(stderr, "looptrace record: storing: %s\n", ltc_store_error(store));
  }
  if (!reaped) waitpid(pid, &status, 0);
  close(lfd);
  unlink(sa.sun_path);
  rmdir(dir);

  code = exit_code(status);
  if (!res.session) {
    fprintf(stderr,
            "looptrace record: %s sent no trace (is it built on the looptrace runtime?)\n",
            argv[i]);
    ltc_store_close(store);
    return code ? code : 1;
  }
  if (WIFSIGNALED(status) && strcmp(res.status, "complete") != 0)
    /* killed mid-run: whatever the stream looked like, the run was aborted */
    ltc_store_session_end(store, res.session, "aborted", res.lost, "killed by a signal");
  fprintf(stderr, "looptrace record: session %lld: %s, %llu records%s%s (%s)\n",
          (long long)res.session, WIFSIGNALED(status) ? "aborted" : res.status,
          (unsigned long long)res.events, res.error[0] ? ": " : "", res.error, db);
  ltc_store_close(store);
  return code;
}

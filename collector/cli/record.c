/* record.c: `looptrace record [--name LABEL] [--db FILE] [--clock C] [--runs K] [--shuffle S]
 * -- PROGRAM ARGS...`: runs a program built on the runtime with tracing on and stores its run as
 * a session (K runs: K sessions, LABEL#1..K), optionally in shuffle mode with a seed that is
 * stored with it. The program streams to a Unix socket in a private directory; the same ingest
 * as the daemon's stores it. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "ingest/ingest.h"
#include "ingest/listen.h"

static const char record_usage[] =
    "usage: looptrace record [--name LABEL] [--db FILE] [--clock real|virtual] [--runs K]\n"
    "                        [--shuffle SEED|random] -- PROGRAM [ARGS...]\n"
    "  Runs PROGRAM (built on the looptrace runtime) traced, and stores the run as a session:\n"
    "  through the collector when one listens on the default socket (looptrace serve), else\n"
    "  straight into the database (always, with --db).\n"
    "  --name LABEL   a label for the session\n"
    "  --db FILE      the database (default: $LOOPTRACE_DB or\n"
    "                 ~/.local/share/looptrace/looptrace.db)\n"
    "  --clock C      run the program under the real (default) or the virtual clock\n"
    "  --runs K       run it K times, one session each, labelled LABEL#1 .. LABEL#K (LABEL\n"
    "                 defaults to the program's name); compare them with looptrace orderings\n"
    "  --shuffle S    shuffle mode: each loop iteration runs its ready callbacks in an order\n"
    "                 drawn from seed S (a whole number, stored with the session) instead of\n"
    "                 FIFO; 'random' picks a seed and prints it. With --runs K, run i uses\n"
    "                 S + i - 1 (random: a new seed each run). Replay a run: --shuffle ITS_SEED\n"
    "Exit status: the program's (the first nonzero one of several runs); 2 for usage errors;\n"
    "1 when it could not be recorded.\n";

/* What every run of one record command shares. */
typedef struct run_opts {
  const char *db, *clock;
  char **prog;
  bool shuffle;
  uint64_t seed; /* this run's, when shuffle */
} run_opts;

static void child_env(const char *spec, const char *label, const run_opts *o) {
  setenv("LOOPTRACE", spec, 1);
  if (label) setenv("LOOPTRACE_LABEL", label, 1);
  if (o->clock) setenv("LOOPTRACE_CLOCK", o->clock, 1);
  if (o->shuffle) {
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    setenv("LOOPTRACE_SHUFFLE", seed, 1);
  }
}

static int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

/* ", shuffle seed N" for the run's line, or nothing. */
static const char *seed_note(const run_opts *o, char *buf, size_t len) {
  if (!o->shuffle) return "";
  snprintf(buf, len, ", shuffle seed %llu", (unsigned long long)o->seed);
  return buf;
}

/* A collector runs: the program streams to it, and the collector stores the session. */
static int through_collector(const char *sock, const char *label, const run_opts *o) {
  char **prog = o->prog;
  pid_t pid = fork();
  if (pid == 0) {
    char spec[320];
    snprintf(spec, sizeof spec, "unix:%s", sock);
    child_env(spec, label, o);
    execvp(prog[0], prog);
    fprintf(stderr, "looptrace record: cannot run %s: %s\n", prog[0], strerror(errno));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  char note[64];
  fprintf(stderr, "looptrace record: %s (pid %d) streamed to the collector at %s%s%s%s\n",
          prog[0], (int)pid, sock, label ? " as " : "", label ? label : "",
          seed_note(o, note, sizeof note));
  return exit_code(status);
}

/* One run straight into the store: the program streams to a socket of our own. */
static int record_one(ltc_store *store, const char *label, const run_opts *o) {
  char **argv = o->prog;
  /* A private directory (0700) holds the socket the program streams to. */
  char dir[] = "/tmp/looptrace-record-XXXXXX", path[108];
  ltc_err why = {0};
  int lfd = ltc_private_socket(dir, "sink", path, sizeof path, &why);
  if (lfd < 0) {
    fprintf(stderr, "looptrace record: %s\n", why.msg);
    return 1;
  }

  pid_t pid = fork();
  if (pid == 0) {
    char spec[sizeof path + 8];
    snprintf(spec, sizeof spec, "unix:%s", path);
    child_env(spec, NULL, o); /* the label is the store's to set here */
    execvp(argv[0], argv);
    fprintf(stderr, "looptrace record: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }

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
  bool stored = true;
  if (cfd >= 0) {
    ltc_err err = {0};
    int rc = ltc_ingest_fd(store, cfd, label, &res, &err);
    close(cfd);
    stored = rc == 0;
    if (rc < 0)
      fprintf(stderr, "looptrace record: storing: %s (%llu records could not be stored)\n",
              err.msg, (unsigned long long)ltc_store_waiting(store));
  }
  if (!reaped) waitpid(pid, &status, 0);
  ltc_private_close(lfd, dir, path);

  code = exit_code(status);
  if (!res.session) {
    fprintf(stderr,
            "looptrace record: %s sent no trace (is it built on the looptrace runtime?)\n",
            argv[0]);
    return code ? code : 1;
  }
  if (WIFSIGNALED(status) && strcmp(res.status, "complete") != 0)
    /* killed mid-run: whatever the stream looked like, the run was aborted */
    ltc_store_session_end(store, res.session, "aborted", res.lost, "killed by a signal", NULL);
  char note[64];
  fprintf(stderr, "looptrace record: session %lld%s%s%s: %s, %llu records%s%s%s (%s)\n",
          (long long)res.session, label ? " (" : "", label ? label : "", label ? ")" : "",
          WIFSIGNALED(status) ? "aborted" : res.status, (unsigned long long)res.events,
          seed_note(o, note, sizeof note), res.error[0] ? ": " : "", res.error, o->db);
  return code ? code : stored ? 0 : 1;
}

/* A seed for --shuffle random: below 2^53, so that it survives a trip through JSON and
 * JavaScript unchanged. */
static uint64_t random_seed(void) {
  uint64_t v = 0;
  if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    v = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid() << 32;
  }
  return v & ((1ull << 53) - 1);
}

/* The program to run ends the options, with or without a -- before it. */
static int program(void *user, const char *arg) { return 1; }

int ltc_cmd_record(int argc, char **argv) {
  const char *label = NULL, *db = NULL, *clock = NULL, *runs_arg = NULL, *shuffle = NULL;
  const ltc_opt opts[] = {LTC_OPT_VALUE("--name", &label), LTC_OPT_VALUE("--db", &db),
                          LTC_OPT_VALUE("--clock", &clock), LTC_OPT_VALUE("--runs", &runs_arg),
                          LTC_OPT_VALUE("--shuffle", &shuffle), LTC_OPT_END};
  ltc_cmdline c = {"record", record_usage, opts, program, NULL};
  int i, prc = ltc_cmdline_parse(&c, argc, argv, &i);
  if (prc) return prc == 1 ? 0 : prc;
  if (i >= argc) {
    fprintf(stderr, "looptrace record: no program to run\n%s", record_usage);
    return 2;
  }
  if (clock && strcmp(clock, "real") != 0 && strcmp(clock, "virtual") != 0) {
    fprintf(stderr, "looptrace record: --clock is real or virtual, not '%s'\n", clock);
    return 2;
  }
  long runs = 1;
  if (runs_arg) {
    char *end;
    runs = strtol(runs_arg, &end, 10);
    if (*end || end == runs_arg || runs < 1 || runs > 100000) {
      fprintf(stderr, "looptrace record: --runs is a count from 1 to 100000, not '%s'\n",
              runs_arg);
      return 2;
    }
  }
  run_opts o = {.clock = clock, .prog = argv + i, .shuffle = shuffle != NULL};
  bool random = shuffle && strcmp(shuffle, "random") == 0;
  if (shuffle && !random) {
    char *end;
    errno = 0;
    o.seed = strtoull(shuffle, &end, 0);
    if (errno || *end || end == shuffle || shuffle[0] == '-') {
      fprintf(stderr, "looptrace record: --shuffle takes a seed (0 to 2^64-1) or 'random', "
                      "not '%s'\n", shuffle);
      return 2;
    }
  }
  /* Several runs are told apart by their labels: LABEL#1 .. LABEL#K. */
  const char *base = label;
  if (!base && runs > 1) {
    base = strrchr(argv[i], '/');
    base = base ? base + 1 : argv[i];
  }
  char sock[300];
  ltc_err why = {0};
  bool safe = db || ltc_default_ingest_socket(sock, sizeof sock, &why) == 0;
  if (!safe) fprintf(stderr, "looptrace record: %s; storing the run itself\n", why.msg);
  ltc_store *store = NULL;
  char path[4096];
  bool collector = !db && safe && ltc_collector_listens(sock);
  if (!collector && !(store = ltc_open_db("record", &db, path, sizeof path))) return 1;
  o.db = db;
  /* The terminal's ^C reaches the program; this process waits for it to end. */
  signal(SIGINT, SIG_IGN);
  int code = 0;
  uint64_t first_seed = o.seed;
  for (long k = 0; k < runs; k++) {
    char run_label[1100];
    const char *l = base;
    if (runs > 1) {
      snprintf(run_label, sizeof run_label, "%s#%ld", base, k + 1);
      l = run_label;
    }
    if (o.shuffle) o.seed = random ? random_seed() : first_seed + (uint64_t)k;
    int rc = collector ? through_collector(sock, l, &o) : record_one(store, l, &o);
    if (rc && !code) code = rc;
  }
  if (random && runs == 1)
    fprintf(stderr, "looptrace record: replay this run with --shuffle %llu\n",
            (unsigned long long)o.seed);
  ltc_store_close(store);
  return code;
}

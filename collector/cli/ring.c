/* ring.c: `looptrace dump-ring PID [--db FILE] [--signal SIG] [--timeout S]`: asks a process
 * running the flight recorder for a dump and stores it as a session marked as a flight
 * recording: through the collector when one listens on the default socket, else itself. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "cli/commands.h"
#include "ingest/ingest.h"
#include "ingest/listen.h"
#include "ingest/ring.h"

static const char ring_usage[] =
    "usage: looptrace dump-ring PID [--db FILE] [--signal SIG] [--timeout SECONDS]\n"
    "  Asks process PID, traced with LOOPTRACE=ring:SIZE (the flight recorder), for what its\n"
    "  ring holds, and stores it as a session marked as a flight recording, with the window\n"
    "  it covers and the records that fell out of the ring before it: through the collector\n"
    "  when one listens on the default socket, else straight into the database (always, with\n"
    "  --db). The process goes on running.\n"
    "  --db FILE      the database (default: $LOOPTRACE_DB or\n"
    "                 ~/.local/share/looptrace/looptrace.db)\n"
    "  --signal SIG   the signal the process dumps on (LOOPTRACE_RING_SIGNAL; default USR2)\n"
    "  --timeout S    how long to wait for the dump (default 10)\n"
    "Exit status: 0 stored; 1 when the process could not be asked or sent nothing; 2 for\n"
    "usage errors.\n";

/* Waits for the dump on a socket of our own and stores it. */
static int receive(ltc_store *store, int pid, int signo, double timeout, const char *db) {
  char dir[] = "/tmp/looptrace-ring-XXXXXX", path[108];
  ltc_err err = {0};
  int lfd = ltc_private_socket(dir, "dump", path, sizeof path, &err), code = 1;
  if (lfd < 0) {
    fprintf(stderr, "looptrace dump-ring: %s\n", err.msg);
    return 1;
  }
  char spec[sizeof path + 8];
  snprintf(spec, sizeof spec, "unix:%s", path);
  if (ltc_ring_request(pid, spec, signo, &err) < 0) {
    fprintf(stderr, "looptrace dump-ring: %s\n", err.msg);
    goto out;
  }
  int64_t deadline = ltc_now_ns() + (int64_t)(timeout * 1e9);
  int cfd = -1;
  while (cfd < 0 && ltc_now_ns() < deadline) {
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    if (poll(&p, 1, 100) > 0) cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (cfd < 0 && kill(pid, 0) < 0) break;
  }
  if (cfd < 0) {
    fprintf(stderr, "looptrace dump-ring: process %d sent no dump within %g s\n", pid, timeout);
    goto out;
  }
  ltc_ingest_result res = {0};
  int rc = ltc_ingest_fd(store, cfd, NULL, &res, &err);
  close(cfd);
  if (rc < 0) {
    fprintf(stderr, "looptrace dump-ring: storing: %s\n", err.msg);
  } else if (!res.session) {
    fprintf(stderr, "looptrace dump-ring: process %d sent nothing\n", pid);
  } else {
    ltc_session_row row;
    if (ltc_store_session_row(store, res.session, &row, NULL) == 0 && row.flight)
      printf("session %lld: flight recording %lld of process %d, %llu records, %.3f ms "
             "(%lld records fell out of the ring before it), %s (%s)\n",
             (long long)res.session, (long long)row.flight_dump, pid,
             (unsigned long long)res.events,
             (double)(row.flight_to_ns - row.flight_from_ns) / 1e6,
             (long long)row.flight_lost, res.status, db);
    else
      printf("session %lld: %llu records, %s (%s)\n", (long long)res.session,
             (unsigned long long)res.events, res.status, db);
    code = strcmp(res.status, "complete") == 0 ? 0 : 1;
  }
out:
  ltc_private_close(lfd, dir, path);
  return code;
}

int ltc_cmd_dump_ring(int argc, char **argv) {
  const char *pid_arg = NULL, *db = NULL, *sig_arg = NULL, *timeout_arg = NULL;
  const ltc_opt opts[] = {LTC_OPT_VALUE("--db", &db), LTC_OPT_VALUE("--signal", &sig_arg),
                          LTC_OPT_VALUE("--timeout", &timeout_arg), LTC_OPT_END};
  ltc_cmdline c = {"dump-ring", ring_usage, opts, ltc_take_one, &pid_arg};
  int rest, prc = ltc_cmdline_parse(&c, argc, argv, &rest);
  if (prc) return prc == 1 ? 0 : prc;
  char *end = NULL;
  long pid = pid_arg ? strtol(pid_arg, &end, 10) : 0;
  if (!pid_arg || *end || pid <= 0 || pid > 1 << 30) {
    fprintf(stderr, "looptrace dump-ring: a process id is needed%s%s\n%s",
                    pid_arg ? ", not " : "", pid_arg ? pid_arg : "", ring_usage);
    return 2;
  }
  int signo = sig_arg ? ltc_ring_signal(sig_arg) : SIGUSR2;
  if (!signo) {
    fprintf(stderr, "looptrace dump-ring: --signal is USR1, USR2 or a number, not '%s'\n",
            sig_arg);
    return 2;
  }
  double timeout = timeout_arg ? strtod(timeout_arg, &end) : 10;
  if (timeout_arg && (*end || !(timeout > 0) || timeout > 3600)) {
    fprintf(stderr, "looptrace dump-ring: --timeout is seconds (up to 3600), not '%s'\n",
            timeout_arg);
    return 2;
  }
  char sock[300];
  ltc_err why = {0};
  if (!db && ltc_default_ingest_socket(sock, sizeof sock, &why) == 0 &&
      ltc_collector_listens(sock)) {
    char spec[320];
    snprintf(spec, sizeof spec, "unix:%s", sock);
    if (ltc_ring_request((int)pid, spec, signo, &why) < 0) {
      fprintf(stderr, "looptrace dump-ring: %s\n", why.msg);
      return 1;
    }
    printf("asked process %ld for a flight recording; the collector at %s stores it\n", pid,
           sock);
    return 0;
  }
  char path[4096];
  ltc_store *store = ltc_open_db("dump-ring", &db, path, sizeof path);
  if (!store) return 1;
  int code = receive(store, (int)pid, signo, timeout, db);
  ltc_store_close(store);
  return code;
}

/* sessions.c: `looptrace sessions [--db FILE]`: the recorded sessions, one line each. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "cli/commands.h"

static void print_row(void *user, const ltc_session_row *r) {
  const char *prog = r->program ? strrchr(r->program, '/') : NULL;
  double secs = (double)ltc_ns_sub(r->end_ns, r->start_ns) / 1e9;
  char shuffle[48] = "";
  if (r->shuffled)
    snprintf(shuffle, sizeof shuffle, "%sshuffle %llu", r->label && *r->label ? "  " : "",
             (unsigned long long)r->shuffle_seed);
  char flight[96] = "";
  if (r->flight) /* a dump covers its window; what came before it is only its live state */
    snprintf(flight, sizeof flight, "%sflight recording %lld: %.3f ms, %lld fell out before",
             (r->label && *r->label) || r->shuffled ? "  " : "", (long long)r->flight_dump,
             (double)(r->flight_to_ns - r->flight_from_ns) / 1e6, (long long)r->flight_lost);
  printf("%5lld  %-11s %9lld %6lld %10.3f  %-8s %-20s %s%s%s\n", (long long)r->id, r->status,
         (long long)r->events, (long long)r->tasks, secs, r->clock,
         prog ? prog + 1 : r->program ? r->program : "?", r->label ? r->label : "", shuffle,
         flight);
}

static const char sessions_usage[] =
    "usage: looptrace sessions [--db FILE]\n  Lists the recorded sessions.\n";

int ltc_cmd_sessions(int argc, char **argv) {
  const char *db = NULL;
  const ltc_opt opts[] = {LTC_OPT_VALUE("--db", &db), LTC_OPT_END};
  ltc_cmdline c = {"sessions", sessions_usage, opts, NULL, NULL};
  int rest, prc = ltc_cmdline_parse(&c, argc, argv, &rest);
  if (prc) return prc == 1 ? 0 : prc;
  char path[4096];
  ltc_store *store = ltc_open_db("sessions", &db, path, sizeof path);
  if (!store) return 1;
  printf("%5s  %-11s %9s %6s %10s  %-8s %-20s %s\n", "id", "status", "records", "tasks",
         "seconds", "clock", "program", "label");
  ltc_err err = {0};
  int rc = ltc_store_list_sessions(store, print_row, NULL, &err);
  if (rc < 0) fprintf(stderr, "looptrace sessions: %s\n", err.msg);
  ltc_store_close(store);
  return rc < 0 ? 1 : 0;
}

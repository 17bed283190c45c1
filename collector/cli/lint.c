/* lint.c: `looptrace lint SESSION [--against B] [--json] [--db FILE] [--tolerance PCT]
 * [--long-step MS]`: what is wrong with a session (model/lint.h), one finding a line; with
 * --against, what got worse from session B to SESSION, exit 1 when something did. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/lint.h"
#include "cli/commands.h"

static const char lint_usage[] =
    "usage: looptrace lint SESSION [--against B] [--json] [--db FILE] [--tolerance PCT]\n"
    "                      [--long-step MS]\n"
    "  What is wrong with a recorded session: steps over 100 ms (--long-step), tasks that\n"
    "  never yielded for over 1 s, timers fired over 20 ms late, ready tasks that waited over\n"
    "  50 ms to run, tasks that mostly wake themselves, tasks left waiting at the end on a\n"
    "  future nothing resolved (lost wakers), cancelled tasks that took over 1 s to finish,\n"
    "  lock / queue / semaphore / event waits over 100 ms; each with its task, its await site\n"
    "  and the moment; then the percentiles of timer lateness, ready -> running and steps.\n"
    "  --against B    what got worse from session B to SESSION: findings B has no like of\n"
    "                 (same lint, task and site), percentiles grown by over PCT percent\n"
    "                 (--tolerance, default 20) and 1 ms\n"
    "  --json         the API's lint object (GET /api/sessions/N/lint)\n"
    "Exit status: 0; with --against 1 when something got worse; 2 for usage errors or a\n"
    "session that cannot be read.\n";

static void ms(char *buf, size_t len, int64_t ns) {
  snprintf(buf, len, "%.3f ms", (double)ns / 1e6);
}

static void print_finding(const ltc_finding *f, int64_t start) {
  char v[32], at[32];
  if (f->kind == LTC_LINT_SELF_WAKE)
    snprintf(v, sizeof v, "%lld%% self", (long long)f->value);
  else
    ms(v, sizeof v, f->value);
  ms(at, sizeof at, f->at_ns - start);
  char site[160] = "-";
  if (f->file[0]) snprintf(site, sizeof site, "%s:%lld", f->file, (long long)f->line);
  printf("  %-13s %-20s %-28s at %12s  %12s%s%s\n", ltc_lint_name(f->kind), f->name, site, at,
         v, f->reason[0] ? "  on " : "", f->reason);
}

static void print_pct(const char *what, const ltc_pct *p) {
  char a[32], b[32], c[32];
  ms(a, sizeof a, p->p50);
  ms(b, sizeof b, p->p99);
  ms(c, sizeof c, p->max);
  printf("  %-22s %8llu  p50 %12s  p99 %12s  max %12s\n", what, (unsigned long long)p->n, a,
         b, c);
}

static void print_lint(const ltc_session_row *row, const ltc_lint *l) {
  printf("session %lld%s%s%s: %zu finding%s\n", (long long)row->id,
         row->label && *row->label ? " \"" : "", row->label ? row->label : "",
         row->label && *row->label ? "\"" : "", l->n, l->n == 1 ? "" : "s");
  for (size_t i = 0; i < l->n; i++) print_finding(&l->f[i], row->start_ns);
  print_pct("timer lateness", &l->late);
  print_pct("ready -> running", &l->ready);
  print_pct("steps", &l->step);
  printf("  %-22s %8llu  of which self %llu\n", "wake-ups", (unsigned long long)l->wakes,
         (unsigned long long)l->self_wakes);
}

static int session_arg(const char *arg, long long *id) {
  char *end;
  *id = arg ? strtoll(arg, &end, 10) : 0;
  return arg && !*end && *id > 0 ? 0 : -1;
}

int ltc_cmd_lint(int argc, char **argv) {
  const char *db = NULL, *id_arg = NULL, *against_arg = NULL, *tol_arg = NULL, *step_arg = NULL;
  bool json = false;
  const ltc_opt opts[] = {LTC_OPT_VALUE("--db", &db), LTC_OPT_VALUE("--against", &against_arg),
                          LTC_OPT_VALUE("--tolerance", &tol_arg),
                          LTC_OPT_VALUE("--long-step", &step_arg), LTC_OPT_FLAG("--json", &json),
                          LTC_OPT_END};
  ltc_cmdline c = {"lint", lint_usage, opts, ltc_take_one, &id_arg};
  int rest, prc = ltc_cmdline_parse(&c, argc, argv, &rest);
  if (prc) return prc == 1 ? 0 : prc;
  long long id, against = 0;
  if (session_arg(id_arg, &id) < 0 || (against_arg && session_arg(against_arg, &against) < 0)) {
    fprintf(stderr, "looptrace lint: sessions are numbers (from looptrace sessions)\n%s",
            lint_usage);
    return 2;
  }
  ltc_lint_opts o;
  ltc_lint_defaults(&o);
  char *end;
  long tol = tol_arg ? strtol(tol_arg, &end, 10) : 20;
  if (tol_arg && (*end || tol < 0 || tol > 100000)) {
    fprintf(stderr, "looptrace lint: --tolerance is a percentage, not '%s'\n", tol_arg);
    return 2;
  }
  double step = step_arg ? strtod(step_arg, &end) : 100;
  if (step_arg && (*end || !(step > 0) || step > 1e6)) {
    fprintf(stderr, "looptrace lint: --long-step is milliseconds, not '%s'\n", step_arg);
    return 2;
  }
  o.long_step = (int64_t)(step * 1e6);
  char path[4096];
  ltc_store *store = ltc_open_db("lint", &db, path, sizeof path);
  if (!store) return 2;
  ltc_session_row row;
  ltc_err err = {0};
  ltc_lint a = {0}, b = {0};
  int code = 2;
  if (ltc_lint_session(store, id, &o, &a, &err) < 0 ||
      (against && ltc_lint_session(store, against, &o, &b, &err) < 0) ||
      ltc_store_session_row(store, id, &row, &err) < 0) {
    fprintf(stderr, "looptrace lint: %s in %s\n", err.msg, db);
    goto out;
  }
  ltc_lint_regress r = {0};
  if (against && ltc_lint_against(&a, &b, (int)tol, LTC_LINT_TOL_NS, &r) < 0) {
    fprintf(stderr, "looptrace lint: out of memory\n");
    goto out;
  }
  code = against && (r.nfresh || r.ngrew) ? 1 : 0;
  if (json) {
    cJSON *j = ltc_lint_json(id, &a);
    if (against) {
      cJSON *g = ltc_lint_regress_json(&r);
      cJSON_AddNumberToObject(g, "session", (double)against);
      cJSON_AddItemToObject(j, "against", g);
    }
    char *text = cJSON_PrintUnformatted(j);
    if (text) puts(text);
    cJSON_free(text);
    cJSON_Delete(j);
  } else {
    print_lint(&row, &a);
    if (against) {
      printf("against session %lld: %s\n", against,
             code ? "worse" : "nothing got worse");
      for (size_t i = 0; i < r.nfresh; i++) print_finding(r.fresh[i], row.start_ns);
      if (r.ngrew) printf("  grew: %s\n", r.grew);
    }
  }
  ltc_lint_regress_free(&r);
out:
  ltc_lint_free(&a);
  ltc_lint_free(&b);
  ltc_store_close(store);
  return code;
}

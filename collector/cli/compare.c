/* compare_cmd.c: `looptrace diff A B` and `looptrace orderings SESSIONS...`: the compare reads
 * of the API (api_compare.c) printed for people, or as their JSON with --json. Exit status for
 * scripts: 0 when the orderings are the same (one group), 1 when they differ, 2 on error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/compare.h"
#include "cli/commands.h"

static const char diff_usage[] =
    "usage: looptrace diff A B [--db FILE] [--context N] [--all] [--unit DURATION] [--json]\n"
    "  Compares the orderings of sessions A and B: their scheduling steps (task resumes,\n"
    "  suspends with their reasons, ends, printed lines, timer fires; tasks matched by name,\n"
    "  spawn site and ordinal, never by id) aligned as a diff, the first divergence, and the\n"
    "  turnaround (finish minus start) of the run and of each task, with its busy / scheduled\n"
    "  / waiting time, side by side.\n"
    "  --context N     unchanged steps shown around each change (default 3)\n"
    "  --all           every step, not only the changes and their context\n"
    "  --unit D        also give durations in units of D (e.g. 100ms, 1s, 250us)\n"
    "  --json          the API's diff object (docs/api.md) instead of text\n"
    "Exit status: 0 the orderings are the same, 1 they differ, 2 an error.\n";

static const char orderings_usage[] =
    "usage: looptrace orderings [--db FILE] [--label LABEL] [--json] [SESSIONS...]\n"
    "  Groups runs by their ordering and by what they printed: how many distinct orderings,\n"
    "  which runs share each, and where each group first departs from the largest.\n"
    "  SESSIONS are ids or ranges (3 4 7-12, or 3,4,7-12); --label LABEL adds the sessions\n"
    "  labelled LABEL or LABEL#N (what record --runs K makes).\n"
    "Exit status: 0 one ordering, 1 several, 2 an error.\n";

/* ---- durations ---- */

static int64_t unit_ns; /* --unit: 0 none */

/* A duration for people ("300 ms", "1.5 us"); with --unit, also in those units when in_units. */
static const char *dur_u(double ns, char *buf, size_t len, bool in_units) {
  static const struct {
    double f;
    const char *u;
  } units[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "us"}, {1, "ns"}};
  double a = ns < 0 ? -ns : ns;
  size_t i = 0;
  while (i < 3 && a < units[i].f) i++;
  double v = ns / units[i].f;
  int n = snprintf(buf, len, "%.*f",
                   a == 0                  ? 0
                   : v >= 100 || v <= -100 ? 0
                   : v >= 10 || v <= -10   ? 1
                                           : 2,
                   v);
  /* trailing zeros off: 300 ms, 1.5 ms */
  if (memchr(buf, '.', (size_t)n))
    while (n > 0 && (buf[n - 1] == '0' || buf[n - 1] == '.')) {
      bool dot = buf[n - 1] == '.';
      buf[--n] = 0;
      if (dot) break;
    }
  snprintf(buf + n, len - (size_t)n, " %s", units[i].u);
  if (unit_ns > 0 && in_units) {
    size_t l = strlen(buf);
    snprintf(buf + l, len - l, " = %g u", ns / (double)unit_ns);
  }
  return buf;
}

static const char *dur(double ns, char *buf, size_t len) { return dur_u(ns, buf, len, false); }

/* "100ms", "1s", "250us", "5000ns" (a bare number is ns). */
static int64_t parse_dur(const char *s) {
  char *end;
  double v = strtod(s, &end);
  double f = !*end || strcmp(end, "ns") == 0 ? 1
             : strcmp(end, "us") == 0        ? 1e3
             : strcmp(end, "ms") == 0        ? 1e6
             : strcmp(end, "s") == 0         ? 1e9
                                             : -1;
  if (end == s || f < 0 || !(v > 0)) return -1;
  return (int64_t)(v * f + 0.5);
}

/* ---- reading the JSON back ---- */

static double num(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNumber(v) ? v->valuedouble : -1;
}
static const char *str(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : "";
}

/* "session 3 "label" say_after sequential · virtual clock · shuffle seed 7" */
static void describe(FILE *f, const char *tag, const cJSON *s) {
  fprintf(f, "%s session %.0f", tag, num(s, "id"));
  if (*str(s, "label")) fprintf(f, " \"%s\"", str(s, "label"));
  const cJSON *argv = cJSON_GetObjectItemCaseSensitive(s, "argv"), *arg;
  int i = 0;
  cJSON_ArrayForEach(arg, argv) {
    const char *t = cJSON_IsString(arg) ? arg->valuestring : "";
    const char *slash = i == 0 ? strrchr(t, '/') : NULL;
    fprintf(f, " %s", slash ? slash + 1 : t);
    i++;
  }
  const cJSON *seed = cJSON_GetObjectItemCaseSensitive(s, "shuffle_seed");
  char d[64];
  fprintf(f, " · %s clock · ", str(s, "clock"));
  if (cJSON_IsRaw(seed)) { /* the exact integer, as the API writes it */
    fprintf(f, "shuffle seed %s", seed->valuestring);
  } else {
    fputs("FIFO", f);
  }
  fprintf(f, " · %.0f steps · %s\n", num(s, "steps"),
          dur_u(num(s, "turnaround_ns"), d, sizeof d, true));
}

static int print_json(cJSON *o) {
  char *text = cJSON_Print(o);
  if (text) puts(text);
  free(text);
  return text ? 0 : -1;
}

/* ---- diff ---- */

static void print_entries(const cJSON *out) {
  const cJSON *e;
  char d1[64], d2[64];
  printf("\n%1s %5s %5s  %9s %9s  %s\n", "", "a", "b", "at (a)", "at (b)", "step");
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(out, "entries")) {
    const char *op = str(e, "op");
    if (strcmp(op, "skip") == 0) {
      printf("  %5s %5s  %9s %9s  ... %.0f unchanged step%s\n", "", "", "", "", num(e, "count"),
             num(e, "count") == 1 ? "" : "s");
      continue;
    }
    char ia[16] = "", ib[16] = "";
    if (num(e, "a") >= 0) snprintf(ia, sizeof ia, "%.0f", num(e, "a") + 1);
    if (num(e, "b") >= 0) snprintf(ib, sizeof ib, "%.0f", num(e, "b") + 1);
    printf("%s %5s %5s  %9s %9s  %s\n", op, ia, ib,
           *op != '+' ? dur(num(e, "ta"), d1, sizeof d1) : "",
           *op != '-' ? dur(num(e, "tb"), d2, sizeof d2) : "", str(e, "text"));
  }
  if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(out, "complete")))
    printf("  (%.0f more entries not shown)\n",
           num(out, "entries_total") -
               cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(out, "entries")));
}

/* One row of the turnaround table: a, b and b - a (blank where a run lacks it). */
static void row(const char *name, double a, double b) {
  char da[64] = "-", db[64] = "-", dd[64] = "";
  if (a >= 0) dur_u(a, da, sizeof da, true);
  if (b >= 0) dur_u(b, db, sizeof db, true);
  if (a >= 0 && b >= 0) {
    dur_u(b - a, dd, sizeof dd, true);
    if (b - a > 0) {
      memmove(dd + 1, dd, strlen(dd) + 1);
      dd[0] = '+';
    }
  }
  printf("  %-28.28s %18s %18s %18s\n", name, da, db, dd);
}

static double field(const cJSON *t, const char *side, const char *k) {
  const cJSON *o = cJSON_GetObjectItemCaseSensitive(t, side);
  if (!cJSON_IsObject(o)) return -1;
  return num(o, k);
}

static void print_turnarounds(const cJSON *out) {
  const cJSON *ta = cJSON_GetObjectItemCaseSensitive(out, "turnaround"), *t;
  printf("\nturnaround (finish - start)   %18s %18s %18s\n", "a", "b", "b - a");
  row("whole run", num(ta, "a"), num(ta, "b"));
  cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(ta, "tasks")) {
    row(str(t, "task"), field(t, "a", "turnaround"), field(t, "b", "turnaround"));
    static const char *const parts[][2] = {
        {"busy", "busy"}, {"scheduled", "scheduled"}, {"waiting", "waiting"}};
    for (size_t i = 0; i < 3; i++) { /* the parts that are not zero in either run */
      double a = field(t, "a", parts[i][1]), b = field(t, "b", parts[i][1]);
      if (a <= 0 && b <= 0) continue;
      char name[40];
      snprintf(name, sizeof name, "    %s", parts[i][0]);
      row(name, a, b);
    }
  }
  double shown = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(ta, "tasks"));
  if (num(ta, "tasks_total") > shown)
    printf("  (%.0f more tasks not shown)\n", num(ta, "tasks_total") - shown);
}

typedef struct diff_args {
  const char *ids[2];
  int nids;
  ltc_diff_opts o;
} diff_args;

static int take_id(void *user, const char *arg) {
  diff_args *a = user;
  if (a->nids == 2) return -1;
  a->ids[a->nids++] = arg;
  return 0;
}

static int take_context(void *user, const char *v) {
  char *end;
  long long n = strtoll(v, &end, 10);
  if (end == v || *end || n < 0) {
    fprintf(stderr, "looptrace diff: --context is a count, not '%s'\n", v);
    return -1;
  }
  ((diff_args *)user)->o.context = n;
  return 0;
}

static int take_unit(void *user, const char *v) {
  if ((unit_ns = parse_dur(v)) > 0) return 0;
  fprintf(stderr, "looptrace diff: --unit is a duration (100ms, 1s, 250us), not '%s'\n", v);
  return -1;
}

int ltc_cmd_diff(int argc, char **argv) {
  const char *db = NULL;
  bool json = false, all = false;
  diff_args a = {.o = {.context = 3, .max = LTC_COMPARE_MAX_ENTRIES}};
  const ltc_opt opts[] = {LTC_OPT_VALUE("--db", &db),
                          LTC_OPT_TAKE("--context", take_context),
                          LTC_OPT_TAKE("--unit", take_unit),
                          LTC_OPT_FLAG("--all", &all),
                          LTC_OPT_FLAG("--json", &json),
                          LTC_OPT_END};
  ltc_cmdline c = {"diff", diff_usage, opts, take_id, &a};
  int rest, prc = ltc_cmdline_parse(&c, argc, argv, &rest);
  if (prc) return prc == 1 ? 0 : prc;
  ltc_diff_opts o = a.o;
  if (all) o.context = -1;
  const char *const *ids = a.ids;
  int64_t id[2];
  for (int k = 0; k < 2; k++) {
    char *end = NULL;
    id[k] = ids[k] ? strtoll(ids[k], &end, 10) : 0;
    if (!ids[k] || *end || id[k] <= 0) {
      fprintf(stderr, "looptrace diff: two session ids, please\n%s", diff_usage);
      return 2;
    }
  }
  char path[4096];
  ltc_store *store = ltc_open_db("diff", &db, path, sizeof path);
  if (!store) return 2;
  ltc_err err = {0};
  cJSON *out = ltc_compare_diff(store, id[0], id[1], &o, &err);
  ltc_store_close(store);
  if (!out) {
    fprintf(stderr, "looptrace diff: %s\n", err.msg);
    return 2;
  }
  bool same = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(out, "same"));
  if (json) {
    int rc = print_json(out);
    cJSON_Delete(out);
    return rc < 0 ? 2 : same ? 0 : 1;
  }
  describe(stdout, "---", cJSON_GetObjectItemCaseSensitive(out, "a"));
  describe(stdout, "+++", cJSON_GetObjectItemCaseSensitive(out, "b"));
  if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(out, "across_languages")))
    printf("across languages: tasks matched by name, then in creation order; await sites not "
           "compared\n");
  const cJSON *steps = cJSON_GetObjectItemCaseSensitive(out, "steps");
  if (same) {
    printf("the orderings are the same: %.0f steps\n", num(steps, "a"));
  } else {
    printf("the orderings differ: %.0f steps in common, %.0f only in a (-), %.0f only in b (+)%s\n",
           num(steps, "common"), num(steps, "only_a"), num(steps, "only_b"),
           cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(out, "approximate"))
               ? " (too many differences to align step by step)"
               : "");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(out, "first_divergence");
    char d1[64], d2[64];
    printf("first divergence: step %.0f of a (at %s), step %.0f of b (at %s)\n", num(f, "a") + 1,
           dur(num(f, "ta"), d1, sizeof d1), num(f, "b") + 1, dur(num(f, "tb"), d2, sizeof d2));
    printf("  a: %s\n  b: %s\n",
           cJSON_IsString(cJSON_GetObjectItemCaseSensitive(f, "text_a")) ? str(f, "text_a")
                                                                         : "(its end)",
           cJSON_IsString(cJSON_GetObjectItemCaseSensitive(f, "text_b")) ? str(f, "text_b")
                                                                         : "(its end)");
  }
  if (!same || o.context < 0) print_entries(out);
  print_turnarounds(out);
  cJSON_Delete(out);
  return same ? 0 : 1;
}

/* ---- orderings ---- */

typedef struct by_label {
  const char *label;
  int64_t **ids;
  size_t *n;
  bool oom;
} by_label;

static void pick_label(void *user, const ltc_session_row *r) {
  by_label *b = user;
  size_t l = strlen(b->label);
  const char *t = r->label ? r->label : "";
  if (strcmp(t, b->label) != 0 && !(strncmp(t, b->label, l) == 0 && t[l] == '#')) return;
  int64_t *n = realloc(*b->ids, (*b->n + 1) * sizeof *n);
  if (!n) {
    b->oom = true;
    return;
  }
  *b->ids = n;
  n[(*b->n)++] = r->id;
}

static void print_members(const cJSON *g) {
  const cJSON *id;
  int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(g, "sessions")), k = 0;
  printf("%d run%s (session%s", n, n == 1 ? "" : "s", n == 1 ? "" : "s");
  cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(g, "sessions")) {
    if (k++ == 20) {
      printf(" ...");
      break;
    }
    printf(" %.0f", id->valuedouble);
  }
  printf(")");
}

static void print_groups(const cJSON *out) {
  const cJSON *g;
  char d[64];
  int runs = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(out, "runs"));
  printf("%d run%s: %.0f distinct ordering%s, %.0f distinct output%s\n", runs, runs == 1 ? "" : "s",
         num(out, "distinct_orderings"), num(out, "distinct_orderings") == 1 ? "" : "s",
         num(out, "distinct_outputs"), num(out, "distinct_outputs") == 1 ? "" : "s");
  printf("\norderings (largest first)\n");
  cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(out, "orderings")) {
    printf("  ordering %.0f: ", num(g, "group"));
    print_members(g);
    printf(", %.0f steps\n", num(g, "steps"));
    const cJSON *dep = cJSON_GetObjectItemCaseSensitive(g, "departs");
    if (!cJSON_IsObject(dep)) continue;
    printf("      departs from ordering 1 at step %.0f (at %s):\n", num(dep, "step") + 1,
           dur(num(dep, "t_this"), d, sizeof d));
    printf("        ordering 1: %s\n",
           cJSON_IsString(cJSON_GetObjectItemCaseSensitive(dep, "largest")) ? str(dep, "largest")
                                                                            : "(its end)");
    printf("        this one:   %s\n", cJSON_IsString(cJSON_GetObjectItemCaseSensitive(dep, "this"))
                                           ? str(dep, "this")
                                           : "(its end)");
  }
  printf("\noutputs (what the runs printed, largest group first)\n");
  cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(out, "outputs")) {
    printf("  output %.0f: ", num(g, "group"));
    print_members(g);
    printf(", %.0f lines:", num(g, "lines"));
    const cJSON *line;
    int k = 0;
    cJSON_ArrayForEach(line, cJSON_GetObjectItemCaseSensitive(g, "text")) {
      if (k++ == 8) {
        printf(" ...");
        break;
      }
      printf(
          " %s%s", line->valuestring,
          k < cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(g, "text")) && k < 8 ? " |" : "");
    }
    printf("\n");
    const cJSON *dep = cJSON_GetObjectItemCaseSensitive(g, "departs");
    if (!cJSON_IsObject(dep)) continue;
    const cJSON *mine = cJSON_GetObjectItemCaseSensitive(dep, "this"),
                *theirs = cJSON_GetObjectItemCaseSensitive(dep, "largest");
    printf("      departs from output 1 at line %.0f: \"%s\" where output 1 has %s%s%s\n",
           num(dep, "line") + 1, cJSON_IsString(mine) ? mine->valuestring : "(nothing)",
           cJSON_IsString(theirs) ? "\"" : "",
           cJSON_IsString(theirs) ? theirs->valuestring : "nothing",
           cJSON_IsString(theirs) ? "\"" : "");
  }
  /* how to replay a shuffled run exactly */
  const cJSON *r;
  bool any = false;
  cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(out, "runs")) {
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(r, "shuffle_seed");
    if (!cJSON_IsRaw(seed)) continue;
    if (!any)
      printf(
          "\nshuffle seeds, session: seed (ordering); replay one exactly with "
          "looptrace record --shuffle SEED:\n ");
    any = true;
    printf(" %.0f: %s (%.0f)", num(r, "id"), seed->valuestring, num(r, "ordering"));
  }
  if (any) printf("\n");
}

typedef struct orderings_args {
  int64_t *ids;
  size_t n;
  const char *labels[64];
  size_t nlabels;
} orderings_args;

static int take_sessions(void *user, const char *arg) {
  orderings_args *a = user;
  ltc_err err = {0};
  if (ltc_parse_sessions(arg, &a->ids, &a->n, &err) == 0) return 0;
  fprintf(stderr, "looptrace orderings: %s\n", err.msg);
  return -1;
}

static int take_label(void *user, const char *v) {
  orderings_args *a = user;
  if (a->nlabels == sizeof a->labels / sizeof *a->labels) return -1;
  a->labels[a->nlabels++] = v;
  return 0;
}

int ltc_cmd_orderings(int argc, char **argv) {
  const char *db = NULL;
  bool json = false;
  orderings_args a = {0};
  const ltc_opt opts[] = {LTC_OPT_VALUE("--db", &db), LTC_OPT_TAKE("--label", take_label),
                          LTC_OPT_FLAG("--json", &json), LTC_OPT_END};
  ltc_cmdline c = {"orderings", orderings_usage, opts, take_sessions, &a};
  int rest, code = ltc_cmdline_parse(&c, argc, argv, &rest);
  if (code) {
    free(a.ids);
    return code == 1 ? 0 : code;
  }
  code = 2;
  ltc_err err = {0};
  char path[4096];
  ltc_store *store = ltc_open_db("orderings", &db, path, sizeof path);
  if (!store) {
    free(a.ids);
    return 2;
  }
  for (size_t k = 0; k < a.nlabels; k++) {
    by_label b = {a.labels[k], &a.ids, &a.n, false};
    if (ltc_store_list_sessions(store, pick_label, &b, &err) < 0 || b.oom) {
      fprintf(stderr, "looptrace orderings: listing sessions: %s\n",
              b.oom ? "out of memory" : err.msg);
      goto out;
    }
  }
  if (a.n == 0) {
    fprintf(stderr, "looptrace orderings: no sessions%s\n%s",
            a.nlabels ? " with that label" : " given", orderings_usage);
    goto out;
  }
  cJSON *res = ltc_compare_orderings(store, a.ids, a.n, &err);
  if (!res) {
    fprintf(stderr, "looptrace orderings: %s\n", err.msg);
    goto out;
  }
  if (json ? print_json(res) < 0 : (print_groups(res), false)) {
    cJSON_Delete(res);
    goto out;
  }
  code = num(res, "distinct_orderings") == 1 ? 0 : 1;
  cJSON_Delete(res);
out:
  ltc_store_close(store);
  free(a.ids);
  return code;
}

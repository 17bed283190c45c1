/* compare.c: the compare reads (see compare.h, docs/api.md "Comparing runs"): a
 * diff of two sessions' orderings with its first divergence and the turnarounds of the run
 * and of every task side by side, and the grouping of many sessions by ordering and by printed
 * output. Times in the replies are relative to each session's start, so two runs line up. */
#define _GNU_SOURCE
#include "api/compare.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/args.h"
#include "model/orderdiff.h"
#include "model/ordering.h"

/* A session id at p: digits, 1 to 2^53 (an id is a JSON number). 0, or -1. */
static int session_number(const char *p, char **end, long long *out) {
  if (*p < '0' || *p > '9') return -1;
  errno = 0;
  *out = strtoll(p, end, 10);
  return errno == 0 && *out >= 1 && *out <= (1LL << 53) ? 0 : -1;
}

int ltc_parse_sessions(const char *text, int64_t **ids, size_t *n, ltc_err *err) {
  const char *p = text;
  while (*p) {
    char *end;
    long long lo, hi;
    if (session_number(p, &end, &lo) < 0) goto bad;
    hi = lo;
    if (*end == '-' && (session_number(end + 1, &end, &hi) < 0 || hi < lo)) goto bad;
    if (*end && *end != ',') goto bad;
    if (hi - lo >= LTC_COMPARE_MAX_SESSIONS ||
        *n + (size_t)(hi - lo + 1) > LTC_COMPARE_MAX_SESSIONS) {
      return ltc_fail(err, -EINVAL, "at most %d sessions at once", LTC_COMPARE_MAX_SESSIONS);
    }
    int64_t *grown = realloc(*ids, (*n + (size_t)(hi - lo + 1)) * sizeof *grown);
    if (!grown) return ltc_fail(err, -ENOMEM, "out of memory");
    *ids = grown;
    for (long long id = lo; id <= hi; id++) grown[(*n)++] = id;
    p = *end ? end + 1 : end;
  continue;
  bad:
    return ltc_fail(err, -EINVAL, "sessions are numbers or ranges (1,2,5-9), not '%.60s'", p);
  }
  return 0;
}

static ltc_ordering *load(ltc_store *s, int64_t id, ltc_err *err) {
  ltc_ordering *o;
  return ltc_ordering_load(s, id, &o, err) == 0 ? o : NULL;
}

/* ---- pieces of replies ---- */

static void add_seed(cJSON *o, const ltc_ordering *r) {
  if (!r->shuffled) {
    cJSON_AddNullToObject(o, "shuffle_seed");
    return;
  }
  char seed[32]; /* a u64 does not fit a double: written as the exact integer */
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
  cJSON_AddRawToObject(o, "shuffle_seed", seed);
}

static cJSON *brief(const ltc_ordering *r) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "id", (double)r->session);
  cJSON_AddStringToObject(o, "label", r->label);
  cJSON_AddStringToObject(o, "program", r->program);
  cJSON *argv = cJSON_Parse(r->argv);
  cJSON_AddItemToObject(o, "argv", argv ? argv : cJSON_CreateArray());
  cJSON_AddStringToObject(o, "clock", r->clock);
  cJSON_AddStringToObject(o, "status", r->status);
  add_seed(o, r);
  cJSON_AddNumberToObject(o, "steps", (double)r->nsteps);
  cJSON_AddNumberToObject(o, "lines", (double)ltc_ordering_lines(r));
  cJSON_AddNumberToObject(o, "start_ns", (double)r->start_ns);
  cJSON_AddNumberToObject(o, "end_ns", (double)r->end_ns);
  cJSON_AddNumberToObject(o, "turnaround_ns", (double)ltc_ordering_turnaround(r));
  return o;
}

static cJSON *step_text(const ltc_ordering *r, int64_t i) {
  if (i < 0 || (size_t)i >= r->nsteps) return cJSON_CreateNull();
  char text[1200];
  ltc_ordering_step_text(r, (size_t)i, text, sizeof text);
  return cJSON_CreateString(text);
}

/* Where run r stands at a point of the alignment: the time of its step i (relative to its
 * start), or its end when it has no more. */
static double at(const ltc_ordering *r, int64_t i) {
  return (double)((size_t)i < r->nsteps ? ltc_ns_sub(r->steps[i].ts, r->start_ns)
                                        : ltc_ordering_turnaround(r));
}

static cJSON *index_or_null(int64_t i) {
  return i >= 0 ? cJSON_CreateNumber((double)i) : cJSON_CreateNull();
}

/* One entry of the aligned list; pa, pb: where each run stands (its next step). */
static cJSON *entry(const ltc_ordering *a, const ltc_ordering *b, const ltc_dop *d, int64_t pa,
                    int64_t pb) {
  cJSON *o = cJSON_CreateObject();
  const char op[2] = {d->op == '=' ? ' ' : d->op, 0};
  cJSON_AddStringToObject(o, "op", op);
  cJSON_AddItemToObject(o, "a", index_or_null(d->a));
  cJSON_AddItemToObject(o, "b", index_or_null(d->b));
  cJSON_AddNumberToObject(o, "ta", at(a, pa));
  cJSON_AddNumberToObject(o, "tb", at(b, pb));
  /* the lane of the step's task in each run ("track:task", as the web UI keys lanes) */
  for (int side = 0; side < 2; side++) {
    const ltc_ordering *r = side ? b : a;
    int64_t i = side ? d->b : d->a;
    int32_t t = i >= 0 ? r->steps[i].task : -1;
    char key[32];
    if (t >= 0) snprintf(key, sizeof key, "%u:%u", r->tasks[t].track, r->tasks[t].task);
    cJSON_AddItemToObject(o, side ? "kb" : "ka",
                          t >= 0 ? cJSON_CreateString(key) : cJSON_CreateNull());
  }
  const ltc_ordering *r = d->a >= 0 ? a : b;
  const ltc_ostep *st = &r->steps[d->a >= 0 ? d->a : d->b];
  cJSON_AddStringToObject(o, "kind", ltc_step_kind_name(st->kind));
  cJSON_AddStringToObject(o, "task", ltc_ordering_task_label(r, st->task));
  cJSON_AddItemToObject(o, "text", step_text(r, d->a >= 0 ? d->a : d->b));
  return o;
}

static cJSON *task_times(const ltc_otask *t) {
  cJSON *o = cJSON_CreateObject();
  if (t->finished_ns >= 0)
    cJSON_AddNumberToObject(o, "turnaround", (double)ltc_ns_sub(t->finished_ns, t->created_ns));
  else
    cJSON_AddNullToObject(o, "turnaround");
  cJSON_AddNumberToObject(o, "busy", (double)t->busy_ns);
  cJSON_AddNumberToObject(o, "scheduled", (double)t->ready_ns);
  cJSON_AddNumberToObject(o, "waiting", (double)t->waiting_ns);
  cJSON_AddStringToObject(o, "outcome", t->outcome ? t->outcome : "");
  return o;
}

static int by_ident(const void *x, const void *y, void *run) {
  const ltc_ordering *r = run;
  return strcmp(r->tasks[*(const size_t *)x].ident, r->tasks[*(const size_t *)y].ident);
}

/* The tasks of a and b matched by identity: a's in creation order, then those only b has. */
static cJSON *turnarounds(const ltc_ordering *a, const ltc_ordering *b, bool *oom) {
  cJSON *out = cJSON_CreateObject();
  cJSON_AddNumberToObject(out, "a", (double)ltc_ordering_turnaround(a));
  cJSON_AddNumberToObject(out, "b", (double)ltc_ordering_turnaround(b));
  cJSON_AddNumberToObject(out, "delta",
                          (double)(ltc_ordering_turnaround(b) - ltc_ordering_turnaround(a)));
  cJSON *list = cJSON_AddArrayToObject(out, "tasks");
  size_t *order = malloc((b->ntasks + 1) * sizeof *order);
  bool *used = calloc(b->ntasks + 1, sizeof *used);
  if (!order || !used) {
    *oom = true;
    free(order);
    free(used);
    return out;
  }
  for (size_t j = 0; j < b->ntasks; j++) order[j] = j;
  qsort_r(order, b->ntasks, sizeof *order, by_ident, (void *)b);
  size_t listed = 0, total = 0;
  for (size_t pass = 0; pass < 2; pass++) {
    size_t n = pass ? b->ntasks : a->ntasks;
    for (size_t i = 0; i < n; i++) {
      const ltc_otask *ta = pass ? NULL : &a->tasks[i], *tb = NULL;
      if (pass) {
        if (used[i]) continue;
        tb = &b->tasks[i];
      } else {
        size_t lo = 0, hi = b->ntasks;
        while (lo < hi) {
          size_t mid = (lo + hi) / 2;
          int c = strcmp(b->tasks[order[mid]].ident, ta->ident);
          if (c == 0) {
            tb = &b->tasks[order[mid]];
            used[order[mid]] = true;
            break;
          }
          if (c < 0)
            lo = mid + 1;
          else
            hi = mid;
        }
      }
      total++;
      if (listed == LTC_COMPARE_MAX_TASKS) continue;
      listed++;
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "task", ta ? ta->label : tb->label);
      cJSON_AddStringToObject(o, "ident", ta ? ta->ident : tb->ident);
      cJSON_AddItemToObject(o, "a", ta ? task_times(ta) : cJSON_CreateNull());
      cJSON_AddItemToObject(o, "b", tb ? task_times(tb) : cJSON_CreateNull());
      cJSON_AddItemToArray(list, o);
    }
  }
  cJSON_AddNumberToObject(out, "tasks_total", (double)total);
  free(order);
  free(used);
  return out;
}

/* ---- diff ---- */

cJSON *ltc_compare_diff(ltc_store *s, int64_t ida, int64_t idb, const ltc_diff_opts *opts,
                        ltc_err *err) {
  ltc_ordering *a = load(s, ida, err), *b = a ? load(s, idb, err) : NULL;
  ltc_odiff d = {0};
  cJSON *out = NULL;
  if (!a || !b) goto done;
  int across = ltc_ordering_match_across(a, b); /* a CPython run against its C port */
  if (across < 0 || ltc_odiff_run(a, b, &d) < 0) {
    ltc_fail(err, -ENOMEM, "out of memory aligning the orderings");
    goto done;
  }
  out = cJSON_CreateObject();
  cJSON_AddItemToObject(out, "a", brief(a));
  cJSON_AddItemToObject(out, "b", brief(b));
  cJSON_AddBoolToObject(out, "across_languages", across > 0);
  cJSON_AddBoolToObject(out, "same", d.same);
  cJSON_AddBoolToObject(out, "approximate", d.approximate);
  size_t removed = 0, added = 0;
  /* pa[k], pb[k]: each run's next step at op k (their running counts) */
  int64_t *pa = malloc((d.nops + 1) * sizeof *pa), *pb = malloc((d.nops + 1) * sizeof *pb);
  bool *show = calloc(d.nops + 1, sizeof *show);
  bool oom = !pa || !pb || !show;
  for (size_t k = 0, ca = 0, cb = 0; !oom && k <= d.nops; k++) {
    pa[k] = (int64_t)ca;
    pb[k] = (int64_t)cb;
    if (k == d.nops) break;
    if (d.ops[k].op != '+') ca++;
    if (d.ops[k].op != '-') cb++;
    removed += d.ops[k].op == '-';
    added += d.ops[k].op == '+';
  }
  cJSON *steps = cJSON_AddObjectToObject(out, "steps");
  cJSON_AddNumberToObject(steps, "a", (double)a->nsteps);
  cJSON_AddNumberToObject(steps, "b", (double)b->nsteps);
  cJSON_AddNumberToObject(steps, "common", (double)d.common);
  cJSON_AddNumberToObject(steps, "only_a", (double)removed);
  cJSON_AddNumberToObject(steps, "only_b", (double)added);
  if (d.same || oom) {
    cJSON_AddNullToObject(out, "first_divergence");
  } else {
    cJSON *f = cJSON_AddObjectToObject(out, "first_divergence");
    int64_t i = pa[d.first], j = pb[d.first];
    cJSON_AddNumberToObject(f, "a", (double)i);
    cJSON_AddNumberToObject(f, "b", (double)j);
    cJSON_AddNumberToObject(f, "ta", at(a, i));
    cJSON_AddNumberToObject(f, "tb", at(b, j));
    cJSON_AddItemToObject(f, "text_a", step_text(a, i));
    cJSON_AddItemToObject(f, "text_b", step_text(b, j));
  }
  /* the entries: every op within `context` of a change (all with context -1), runs of
   * unchanged steps between them as one skip entry; none when nothing changed */
  for (size_t k = 0; !oom && k < d.nops; k++) {
    if (opts->context < 0) {
      show[k] = true;
      continue;
    }
    if (d.ops[k].op == '=') continue;
    size_t lo = k > (size_t)opts->context ? k - (size_t)opts->context : 0;
    size_t hi = k + (size_t)opts->context < d.nops ? k + (size_t)opts->context : d.nops - 1;
    for (size_t q = lo; q <= hi; q++) show[q] = true;
  }
  cJSON *entries = cJSON_AddArrayToObject(out, "entries");
  size_t total = 0, listed = 0;
  for (size_t k = 0; !oom && !(d.same && opts->context >= 0) && k < d.nops;) {
    cJSON *e = NULL;
    if (show[k]) {
      if (listed < (size_t)opts->max) e = entry(a, b, &d.ops[k], pa[k], pb[k]);
      k++;
    } else {
      size_t q = k;
      while (q < d.nops && !show[q]) q++;
      if (listed < (size_t)opts->max) {
        e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "op", "skip");
        cJSON_AddNumberToObject(e, "a", (double)pa[k]);
        cJSON_AddNumberToObject(e, "b", (double)pb[k]);
        cJSON_AddNumberToObject(e, "ta", at(a, pa[k]));
        cJSON_AddNumberToObject(e, "tb", at(b, pb[k]));
        cJSON_AddNumberToObject(e, "count", (double)(q - k));
      }
      k = q;
    }
    total++;
    if (e) {
      cJSON_AddItemToArray(entries, e);
      listed++;
    }
  }
  cJSON_AddNumberToObject(out, "entries_total", (double)total);
  cJSON_AddBoolToObject(out, "complete", listed == total);
  cJSON_AddItemToObject(out, "turnaround", turnarounds(a, b, &oom));
  free(pa);
  free(pb);
  free(show);
  if (oom) {
    cJSON_Delete(out);
    ltc_fail(err, -ENOMEM, "out of memory");
    out = NULL;
  }
done:
  ltc_odiff_free(&d);
  ltc_ordering_free(a);
  ltc_ordering_free(b);
  return out;
}

/* ---- orderings ---- */

/* Groups (of orderings or of outputs) as a list: members, size, and where each departs from
 * the largest group's first run. */
static cJSON *groups_json(ltc_ordering *const *runs, size_t n, const int *group, int ngroups,
                          bool by_output) {
  cJSON *list = cJSON_CreateArray();
  size_t ref = 0; /* the first run of group 0 (the largest) */
  while (group[ref] != 0) ref++;
  const ltc_ordering *r = runs[ref];
  for (int g = 0; g < ngroups; g++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "group", g + 1);
    cJSON *members = cJSON_AddArrayToObject(o, "sessions");
    size_t first = n;
    for (size_t i = 0; i < n; i++)
      if (group[i] == g) {
        if (first == n) first = i;
        cJSON_AddItemToArray(members, cJSON_CreateNumber((double)runs[i]->session));
      }
    const ltc_ordering *x = runs[first];
    if (by_output) {
      size_t lines = ltc_ordering_lines(x);
      cJSON_AddNumberToObject(o, "lines", (double)lines);
      cJSON *text = cJSON_AddArrayToObject(o, "text"); /* the first 50 lines */
      for (size_t l = 0; l < lines && l < 50; l++)
        cJSON_AddItemToArray(text, cJSON_CreateString(ltc_ordering_line(x, l)));
    } else {
      cJSON_AddNumberToObject(o, "steps", (double)x->nsteps);
    }
    if (g == 0) {
      cJSON_AddNullToObject(o, "departs");
    } else if (by_output) {
      size_t line = 0;
      ltc_ordering_same_output(r, x, &line);
      cJSON *dep = cJSON_AddObjectToObject(o, "departs");
      cJSON_AddNumberToObject(dep, "line", (double)line);
      const char *mine = ltc_ordering_line(x, line), *theirs = ltc_ordering_line(r, line);
      cJSON_AddItemToObject(dep, "this", mine ? cJSON_CreateString(mine) : cJSON_CreateNull());
      cJSON_AddItemToObject(dep, "largest",
                            theirs ? cJSON_CreateString(theirs) : cJSON_CreateNull());
    } else {
      size_t step = ltc_ordering_common_prefix(r, x);
      cJSON *dep = cJSON_AddObjectToObject(o, "departs");
      cJSON_AddNumberToObject(dep, "step", (double)step);
      cJSON_AddItemToObject(dep, "this", step_text(x, (int64_t)step));
      cJSON_AddItemToObject(dep, "largest", step_text(r, (int64_t)step));
      cJSON_AddNumberToObject(dep, "t_this", at(x, (int64_t)step));
      cJSON_AddNumberToObject(dep, "t_largest", at(r, (int64_t)step));
    }
    cJSON_AddItemToArray(list, o);
  }
  return list;
}

cJSON *ltc_compare_orderings(ltc_store *s, const int64_t *ids, size_t n, ltc_err *err) {
  if (n == 0) {
    ltc_fail(err, -EINVAL, "which sessions? ('sessions' is empty)");
    return NULL;
  }
  if (n > LTC_COMPARE_MAX_SESSIONS) {
    ltc_fail(err, -EINVAL, "at most %d sessions at once", LTC_COMPARE_MAX_SESSIONS);
    return NULL;
  }
  ltc_ordering **runs = calloc(n, sizeof *runs);
  int *by_steps = calloc(n, sizeof *by_steps), *by_output = calloc(n, sizeof *by_output);
  cJSON *out = NULL;
  if (!runs || !by_steps || !by_output) {
    ltc_fail(err, -ENOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < n; i++)
    if (!(runs[i] = load(s, ids[i], err))) goto done;
  int ng = ltc_ordering_group(runs, n, false, by_steps);
  int no = ng < 0 ? ng : ltc_ordering_group(runs, n, true, by_output);
  if (no < 0) {
    ltc_fail(err, -ENOMEM, "out of memory");
    goto done;
  }
  out = cJSON_CreateObject();
  cJSON_AddNumberToObject(out, "distinct_orderings", ng);
  cJSON_AddNumberToObject(out, "distinct_outputs", no);
  cJSON *list = cJSON_AddArrayToObject(out, "runs");
  for (size_t i = 0; i < n; i++) {
    cJSON *o = brief(runs[i]);
    cJSON_AddNumberToObject(o, "ordering", by_steps[i] + 1);
    cJSON_AddNumberToObject(o, "output", by_output[i] + 1);
    cJSON_AddItemToArray(list, o);
  }
  cJSON_AddItemToObject(out, "orderings", groups_json(runs, n, by_steps, ng, false));
  cJSON_AddItemToObject(out, "outputs", groups_json(runs, n, by_output, no, true));
done:
  for (size_t i = 0; runs && i < n; i++) ltc_ordering_free(runs[i]);
  free(runs);
  free(by_steps);
  free(by_output);
  return out;
}

/* ---- the reads ---- */

cJSON *ltc_api_diff(ltc_store *s, const cJSON *args, ltc_err *err) {
  int64_t a, b;
  ltc_diff_opts o;
  if (!cJSON_GetObjectItemCaseSensitive(args, "a") ||
      !cJSON_GetObjectItemCaseSensitive(args, "b")) {
    ltc_fail(err, -EINVAL, "which sessions? ('a' and 'b' are session ids)");
    return NULL;
  }
  if (ltc_arg_int(args, "a", 0, 1, INT64_MAX / 2, &a, err) < 0 ||
      ltc_arg_int(args, "b", 0, 1, INT64_MAX / 2, &b, err) < 0 ||
      ltc_arg_int(args, "context", 3, -1, 1000000, &o.context, err) < 0 ||
      ltc_arg_int(args, "max", 5000, 1, LTC_COMPARE_MAX_ENTRIES, &o.max, err) < 0)
    return NULL;
  return ltc_compare_diff(s, a, b, &o, err);
}

cJSON *ltc_api_orderings(ltc_store *s, const cJSON *args, ltc_err *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, "sessions");
  int64_t *ids = NULL;
  size_t n = 0;
  cJSON *out = NULL;
  if (cJSON_IsString(v)) {
    if (ltc_parse_sessions(v->valuestring, &ids, &n, err) < 0) goto done;
  } else if (cJSON_IsArray(v)) {
    size_t len = (size_t)cJSON_GetArraySize(v);
    if (len > LTC_COMPARE_MAX_SESSIONS) {
      ltc_fail(err, -EINVAL, "at most %d sessions at once", LTC_COMPARE_MAX_SESSIONS);
      goto done;
    }
    ids = calloc(len + 1, sizeof *ids);
    const cJSON *item;
    cJSON_ArrayForEach(item, v) {
      if (!ids) {
        ltc_fail(err, -ENOMEM, "out of memory");
        goto done;
      }
      if (ltc_arg_whole(item, 1, INT64_MAX / 2, &ids[n]) < 0) {
        ltc_fail(err, -EINVAL, "'sessions' holds session ids");
        goto done;
      }
      n++;
    }
  } else {
    ltc_fail(err, -EINVAL, "which sessions? ('sessions': ids, as a list or \"1,2,5-9\")");
    goto done;
  }
  out = ltc_compare_orderings(s, ids, n, err);
done:
  free(ids);
  return out;
}

/* lint.c: the lint read (docs/api.md "Lints"): a session's findings, each with its task,
 * await site and moment, and the timing percentiles; with "against", what got worse from
 * that session to this one. The `looptrace lint --json` object is this one. */
#include "api/lint.h"

#include <string.h>

#include "api/api.h"
#include "api/args.h"

static cJSON *pct_json(const ltc_pct *p) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "n", (double)p->n);
  cJSON_AddNumberToObject(o, "p50_ns", (double)p->p50);
  cJSON_AddNumberToObject(o, "p99_ns", (double)p->p99);
  cJSON_AddNumberToObject(o, "max_ns", (double)p->max);
  return o;
}

static cJSON *finding_json(const ltc_finding *f) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "lint", ltc_lint_name(f->kind));
  cJSON_AddNumberToObject(o, "track", f->track);
  cJSON_AddNumberToObject(o, "task", f->task);
  cJSON_AddStringToObject(o, "name", f->name);
  if (f->file[0]) {
    cJSON_AddStringToObject(o, "file", f->file);
    cJSON_AddNumberToObject(o, "line", (double)f->line);
  } else {
    cJSON_AddNullToObject(o, "file");
    cJSON_AddNullToObject(o, "line");
  }
  cJSON_AddNumberToObject(o, "at_ns", (double)f->at_ns);
  if (f->kind == LTC_LINT_SELF_WAKE)
    cJSON_AddNumberToObject(o, "percent", (double)f->value);
  else
    cJSON_AddNumberToObject(o, "ns", (double)f->value);
  if (f->reason[0]) cJSON_AddStringToObject(o, "waits_on", f->reason);
  if (f->object) cJSON_AddNumberToObject(o, "object", (double)f->object);
  return o;
}

cJSON *ltc_lint_json(int64_t session, const ltc_lint *l) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "session", (double)session);
  cJSON *fs = cJSON_AddArrayToObject(o, "findings");
  for (size_t i = 0; i < l->n; i++) cJSON_AddItemToArray(fs, finding_json(&l->f[i]));
  cJSON *counts = cJSON_AddObjectToObject(o, "counts");
  size_t per[LTC_LINT_COUNT] = {0};
  for (size_t i = 0; i < l->n; i++) per[l->f[i].kind]++;
  for (unsigned k = 0; k < LTC_LINT_COUNT; k++)
    cJSON_AddNumberToObject(counts, ltc_lint_name(k), (double)per[k]);
  cJSON_AddItemToObject(o, "late_timers", pct_json(&l->late));
  cJSON_AddItemToObject(o, "ready_delay", pct_json(&l->ready));
  cJSON_AddItemToObject(o, "steps", pct_json(&l->step));
  cJSON *w = cJSON_AddObjectToObject(o, "wakes");
  cJSON_AddNumberToObject(w, "all", (double)l->wakes);
  cJSON_AddNumberToObject(w, "self", (double)l->self_wakes);
  return o;
}

cJSON *ltc_lint_regress_json(const ltc_lint_regress *r) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddBoolToObject(o, "regressed", r->nfresh > 0 || r->ngrew > 0);
  cJSON *fs = cJSON_AddArrayToObject(o, "new_findings");
  for (size_t i = 0; i < r->nfresh; i++) cJSON_AddItemToArray(fs, finding_json(r->fresh[i]));
  cJSON_AddStringToObject(o, "grew", r->grew);
  return o;
}

/* {session, against?, tolerance?}: the lint of session; against B adds "against": what got
 * worse from B to it. An ended session's lint is the one kept (lintcache.c) once made. */
cJSON *ltc_api_lint(ltc_store *s, const cJSON *args, ltc_err *err) {
  ltc_session_row row;
  if (ltc_arg_session(s, args, &row, err) < 0) return NULL;
  int64_t id = row.id, against = 0, tol = 0;
  if (ltc_arg_int(args, "against", 0, 0, INT64_MAX, &against, err) < 0 ||
      ltc_arg_int(args, "tolerance", 20, 0, 100000, &tol, err) < 0)
    return NULL;
  if (against && ltc_store_session_row(s, against, &row, err) < 0) return NULL;
  ltc_lint a, b;
  if (ltc__lint_of(s, id, &a, err) < 0) return NULL;
  cJSON *o = ltc_lint_json(id, &a);
  if (against) {
    ltc_lint_regress r;
    int rc = ltc__lint_of(s, against, &b, err);
    if (rc == 0 && (rc = ltc_lint_against(&a, &b, (int)tol, LTC_LINT_TOL_NS, &r)) < 0)
      ltc_fail(err, rc, "comparing lints: out of memory");
    if (rc < 0) {
      cJSON_Delete(o);
      ltc_lint_free(&a);
      ltc_lint_free(&b); /* (empty when its lint failed) */
      return NULL;
    }
    cJSON *j = ltc_lint_regress_json(&r);
    cJSON_AddNumberToObject(j, "session", (double)against);
    cJSON_AddItemToObject(o, "against", j);
    ltc_lint_regress_free(&r);
    ltc_lint_free(&b);
  }
  ltc_lint_free(&a);
  return o;
}

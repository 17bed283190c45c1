/* lint.h: a session's lints (model/lint.h) as the API's JSON, for the lint read and
 * `looptrace lint --json`. */
#ifndef LTC_API_LINT_H
#define LTC_API_LINT_H

#include <cjson/cJSON.h>

#include "model/lint.h"

#define LTC_LINT_TOL_NS 1000000 /* a percentile must grow by 1 ms too to count as worse */

cJSON *ltc_lint_json(int64_t session, const ltc_lint *l);
cJSON *ltc_lint_regress_json(const ltc_lint_regress *r);

/* The lint of session (default thresholds) into out, which the caller frees (lintcache.c): a
 * copy of the one kept (counted as answered), or made now and kept when the session has ended
 * (a live one changes still). 0, or the row's or ltc_lint_session's error. out NULL: the
 * warmer's (ltc_lintcache_warm), which keeps it only past ltc_sumcache_warm_min records (1
 * when not). */
int ltc__lint_of(ltc_store *s, int64_t session, ltc_lint *out, ltc_err *err);

#endif

/* lint.h: a session's lints (model/lint.h) as the API's JSON, for the lint read and
 * `looptrace lint --json`. */
#ifndef LTC_API_LINT_H
#define LTC_API_LINT_H

#include <cjson/cJSON.h>

#include "model/lint.h"

#define LTC_LINT_TOL_NS 1000000 /* a percentile must grow by 1 ms too to count as worse */

cJSON *ltc_lint_json(int64_t session, const ltc_lint *l);
cJSON *ltc_lint_regress_json(const ltc_lint_regress *r);

#endif

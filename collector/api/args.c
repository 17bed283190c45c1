/* args.c: see args.h. */
#include "api/args.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

int ltc_arg_whole(const cJSON *v, int64_t min, int64_t max, int64_t *out) {
  double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
  if (cJSON_IsString(v)) { /* from a URL query string */
    char *end;
    d = strtod(v->valuestring, &end);
    if (end == v->valuestring || *end) d = NAN;
  }
  if (!(d == floor(d)) || d < (double)min || d > (double)max) return -EINVAL;
  *out = (int64_t)d;
  return 0;
}

int ltc_arg_int(const cJSON *args, const char *name, int64_t def, int64_t min, int64_t max,
                int64_t *out, ltc_err *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
  if (!v || cJSON_IsNull(v)) {
    *out = def;
    return 0;
  }
  if (ltc_arg_whole(v, min, max, out) == 0) return 0;
  return ltc_fail(err, -EINVAL, "'%s' must be a whole number from %lld to %lld", name,
                  (long long)min, (long long)max);
}

int ltc_arg_session(ltc_store *s, const cJSON *args, ltc_session_row *row, ltc_err *err) {
  int64_t id = 0;
  if (!cJSON_GetObjectItemCaseSensitive(args, "session"))
    return ltc_fail(err, -EINVAL, "which session? ('session' is missing)");
  int rc = ltc_arg_int(args, "session", 0, 1, INT64_MAX / 2, &id, err);
  return rc < 0 ? rc : ltc_store_session_row(s, id, row, err);
}

/* A time within what a window may span (+-2^62 ns, so that to - from always fits). */
static int64_t window_clamp(int64_t t) {
  return t < INT64_MIN / 2 ? INT64_MIN / 2 : t > INT64_MAX / 2 ? INT64_MAX / 2 : t;
}

int ltc_arg_window(const cJSON *args, const ltc_session_row *row, int64_t *lo, int64_t *hi,
                   ltc_err *err) {
  int64_t start = window_clamp(row->start_ns), end = window_clamp(row->end_ns);
  int rc = ltc_arg_int(args, "from", start, INT64_MIN / 2, INT64_MAX / 2, lo, err);
  if (rc == 0) rc = ltc_arg_int(args, "to", end, INT64_MIN / 2, INT64_MAX / 2, hi, err);
  if (rc == 0 && *hi < *lo) rc = ltc_fail(err, -EINVAL, "'to' is before 'from'");
  return rc;
}

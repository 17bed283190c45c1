/* compare.h: the API's reads for comparing runs (docs/api.md, "Comparing runs"): `diff`
 * (two sessions' orderings aligned, the first divergence, turnarounds side by side) and
 * `orderings` (many sessions grouped by ordering and by printed output). ltc_query dispatches
 * the two ops here; `looptrace diff` and `looptrace orderings` print the same objects as text
 * (cli/compare.c), so the command line and the browser cannot disagree. */
#ifndef LTC_COMPARE_H
#define LTC_COMPARE_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

#define LTC_COMPARE_MAX_ENTRIES 100000 /* "max" of a diff request */
#define LTC_COMPARE_MAX_SESSIONS 1000  /* sessions of one orderings request */
#define LTC_COMPARE_MAX_TASKS 2000     /* tasks in a diff's turnaround table */

typedef struct ltc_diff_opts {
  int64_t context; /* unchanged steps shown around each change; -1: every step */
  int64_t max;     /* entries at most */
} ltc_diff_opts;
cJSON *ltc_compare_diff(ltc_store *s, int64_t a, int64_t b, const ltc_diff_opts *o,
                        ltc_err *err);
cJSON *ltc_compare_orderings(ltc_store *s, const int64_t *ids, size_t n, ltc_err *err);

/* Session ids from text: "3", "1,2,5", "4-9" and mixes ("1,4-6"). Appends to *ids (grown
 * with realloc); each id 1 to 2^53, digits only. 0, or -EINVAL with the offending part in
 * err. */
int ltc_parse_sessions(const char *text, int64_t **ids, size_t *n, ltc_err *err);

#endif

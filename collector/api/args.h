/* args.h: the arguments of the API's reads (a JSON object: a websocket message, or a URL's
 * query string as strings), checked the one way: what is wrong is -EINVAL (400) saying so. */
#ifndef LTC_ARGS_H
#define LTC_ARGS_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

/* A whole number in [min, max] from a JSON number or a string of one. 0 or -EINVAL. */
int ltc_arg_whole(const cJSON *v, int64_t min, int64_t max, int64_t *out);
/* An integer argument: absent (or null) gives def; present it must be whole, in [min, max]. */
int ltc_arg_int(const cJSON *args, const char *name, int64_t def, int64_t min, int64_t max,
                int64_t *out, ltc_err *err);
/* The session named by args' "session", with its row (404 when there is none). */
int ltc_arg_session(ltc_store *s, const cJSON *args, ltc_session_row *row, ltc_err *err);
/* "from" / "to": default to the session's first and last record; to not before from; each
 * within +-2^62 ns (a window always spans less than INT64_MAX ns). */
int ltc_arg_window(const cJSON *args, const ltc_session_row *row, int64_t *lo, int64_t *hi,
                   ltc_err *err);

#endif

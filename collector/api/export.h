/* export.h: a stored session written out whole: as Chrome Trace Event JSON, which Perfetto
 * opens, or as JSON lines of the API's event objects (export.c). */
#ifndef LTC_EXPORT_H
#define LTC_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "base/err.h"
#include "store/store.h"

/* Writes session id to out, as Chrome JSON (chrome) or JSON lines. 0, -ENOENT, -EPROTO,
 * -EIO (also when out cannot be written), -ENOMEM. */
int ltc_export_session(ltc_store *store, int64_t id, bool chrome, FILE *out, ltc_err *err);

#endif

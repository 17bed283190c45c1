/* ingest.h: one trace stream into the store: read from an fd until it ends, decode, write the
 * session's events, commit at least every 100 ms, and say how the stream ended. `record` uses
 * it for its child; the daemon will use it for every connection. */
#ifndef LTC_INGEST_H
#define LTC_INGEST_H

#include <stdint.h>

#include "store.h"
#include "stream.h"

typedef ltc_stream_result ltc_ingest_result;

/* Reads fd to its end. Returns 0 (see *res), or -errno when the store failed. */
int ltc_ingest_fd(ltc_store *store, int fd, const char *label, ltc_ingest_result *res);

#endif

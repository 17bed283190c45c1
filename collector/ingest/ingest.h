/* ingest.h: one trace stream into the store: read from an fd until it ends, decode, write the
 * session's events, commit at least every LTC_COMMIT_EVERY_NS, and say how the stream ended.
 * `looptrace record` stores its child's run with it (the daemon drives a stream per
 * connection itself, serve/daemon.c). */
#ifndef LTC_INGEST_H
#define LTC_INGEST_H

#include <stdint.h>

#include "ingest/stream.h"
#include "store/store.h"

typedef ltc_stream_result ltc_ingest_result;

/* Reads fd to its end. Returns 0 (see *res), or -errno when the store failed (err says why). */
int ltc_ingest_fd(ltc_store *store, int fd, const char *label, ltc_ingest_result *res,
                  ltc_err *err);

#endif

/* api.h: the read side of the API (docs/api.md): a request (op and arguments, a JSON object)
 * in, a reply (cJSON) out, read from a store. The daemon's websocket messages and its GET
 * /api/ routes both answer through ltc_api_read, so the two cannot drift apart; one table of
 * ops (api.c) says what there is. Writes (label, delete) and live subscriptions are not here:
 * they go through the daemon's ingest thread; their replies share the envelope below. */
#ifndef LTC_API_H
#define LTC_API_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

#define LTC_API_MAX_EVENTS 100000 /* "max" of an events request */
#define LTC_API_MAX_BUCKETS 4000  /* "buckets" of a summary request */
#define LTC_API_MAX_MARKS 2000    /* marks a summary carries */

/* Answers op with args. NULL with err set when it fails (-EINVAL for a bad request or an op
 * that is not a read, -ENOENT for an unknown session, ...: ltc_err_http_status says how HTTP
 * puts it). */
cJSON *ltc_api_read(ltc_store *s, const char *op, const cJSON *args, ltc_err *err);
/* True for the ops ltc_api_read answers. */
bool ltc_api_is_read(const char *op);

/* The reply to request id (-1: none) as JSON text (malloc'd): {"id", "ok": true, "result"}
 * (result taken), or {"id", "ok": false, "status", "error"} from err. */
char *ltc_api_reply(int64_t id, cJSON *result, const ltc_err *err);

/* The ops, each in the file that owns it (the table in api.c lists them). */
cJSON *ltc_api_sessions(ltc_store *s, const cJSON *args, ltc_err *err);
cJSON *ltc_api_session(ltc_store *s, const cJSON *args, ltc_err *err);
cJSON *ltc_api_tasks(ltc_store *s, const cJSON *args, ltc_err *err);
cJSON *ltc_api_events(ltc_store *s, const cJSON *args, ltc_err *err);   /* window.c */
cJSON *ltc_api_summary(ltc_store *s, const cJSON *args, ltc_err *err);  /* summary.c */
/* A finished session's summaries are summed from its state spans, kept in memory once made
 * (sumcache.c): at most this many bytes of them for all sessions (0: replay every time); and
 * how many summaries were answered so. Variables for tests. */
extern size_t ltc_sumcache_max_bytes;
extern uint64_t ltc_sumcache_answered;
/* Keeps the spans of finished session (its row read from s) now, when it has more than
 * ltc_sumcache_warm_min records (the UI reads the others whole): the daemon calls it on a
 * background thread when a session ends, so that its first view is not a replay. 0 kept, 1
 * not kept (live, too small, too big), or the replay's error. */
extern int64_t ltc_sumcache_warm_min;
int ltc_sumcache_warm(ltc_store *s, int64_t session, ltc_err *err);
/* Whether spans of session are kept (its summaries are quick: queries.c). */
bool ltc_sumcache_kept(int64_t session);
/* Sessions whose spans were kept by ltc_sumcache_warm, those being kept now, and the
 * summaries answered from kept spans (GET /api/status). */
void ltc_sumcache_counts(uint64_t *warmed, uint64_t *warming, uint64_t *answered);
cJSON *ltc_api_diff(ltc_store *s, const cJSON *args, ltc_err *err);     /* compare.c */
cJSON *ltc_api_orderings(ltc_store *s, const cJSON *args, ltc_err *err); /* compare.c */
cJSON *ltc_api_lint(ltc_store *s, const cJSON *args, ltc_err *err);      /* lint.c */
/* An ended session's lint is kept in memory once made (lintcache.c; a few, the most recently
 * read), so a lint read of it is quick after the first. The daemon keeps the lint of a session
 * of more than ltc_sumcache_warm_min records as it ends (beside its spans), read from s: 0
 * kept, 1 not (live, too small), or the lint's error. */
int ltc_lintcache_warm(ltc_store *s, int64_t session, ltc_err *err);
/* Whether a lint of session is kept (its lint read is quick: queries.c). */
bool ltc_lintcache_kept(int64_t session);
/* Session was deleted: its lint goes, and one being made now is not kept. */
void ltc_lintcache_forget(int64_t session);
/* Every kept lint goes (the daemon stops). */
void ltc_lintcache_clear(void);
/* The lints kept now, and the lint reads answered from kept ones (GET /api/status). */
void ltc_lintcache_counts(uint64_t *kept, uint64_t *answered);
cJSON *ltc_api_awaits(ltc_store *s, const cJSON *args, ltc_err *err);    /* awaits.c */

#endif

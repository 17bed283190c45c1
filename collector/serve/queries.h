/* queries.h: the API's reads, run off the web thread by a few worker threads of their own, each
 * with its own read-only store, so that one client's long read (a diff of a huge session, an
 * export) never holds up the replies to the others. Fair: a client has at most one read
 * running at a time, the rest of its reads wait their turn behind other clients'; and reads
 * that may take long (records: windows, summaries, diffs, exports) take all threads but one,
 * which is always free for the quick ones (sessions, tasks, summaries from kept spans, kept
 * lints). One more thread keeps the summary spans and lints of sessions as they end
 * (ltc_queries_warm). */
#ifndef LTC_QUERIES_H
#define LTC_QUERIES_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct ltc_queries ltc_queries;

/* A read, and then its answer. */
typedef struct ltc_query_job {
  uint64_t owner;      /* who asked: the connection's serial (web-int.h) */
  int64_t request;     /* the websocket request's id (-1: none) */
  bool http;           /* the answer is an HTTP reply (else a websocket message) */
  bool export_chrome;  /* an export (of session): its file, not a JSON reply */
  bool export_jsonl;
  int64_t session;
  char *op;            /* a read of api.h (owned) */
  cJSON *args;         /* its arguments (owned) */
  /* the answer */
  char *reply;         /* JSON text (owned): the websocket reply, or the HTTP body */
  int status;          /* HTTP status */
  char path[64];       /* an export's file, unlinked once opened for sending */
  struct ltc_query_job *next;
} ltc_query_job;

/* Starts n workers reading db; wake(user) is called (from a worker) when an answer is ready. */
int ltc_queries_start(const char *db, int n, void (*wake)(void *user), void *user,
                      ltc_queries **out, ltc_err *err);
/* Hands a job over (taken). -EAGAIN when its owner has too many waiting already. */
int ltc_queries_submit(ltc_queries *q, ltc_query_job *job);
/* The next job answered, or NULL; the caller frees it with ltc_query_job_free. */
ltc_query_job *ltc_queries_take(ltc_queries *q);
/* The owner is gone: its jobs not begun are dropped, its answers to come are freed. */
void ltc_queries_forget(ltc_queries *q, uint64_t owner);
void ltc_query_job_free(ltc_query_job *job);
/* Session has ended: its summary spans and its lint are kept now (ltc_sumcache_warm,
 * ltc_lintcache_warm), on a thread of their own with its own store, so that its first view is
 * not a replay; once per session. Kept lints are freed by ltc_queries_stop. */
void ltc_queries_warm(ltc_queries *q, int64_t session);
void ltc_queries_stop(ltc_queries *q);

#define LTC_QUERIES_MAX_WAITING 32 /* reads of one client waiting, at most */
#define LTC_QUERIES_MAX_REPLY (64u << 20) /* bytes of one reply, at most */

#endif

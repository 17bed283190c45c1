/* web-int.h: what the web thread's files share (web.c: the context and its callback; http.c:
 * routes and files; ws.c: the websocket protocol): the per-connection state and the web's
 * own. Not for use outside serve/. */
#ifndef LTC_WEB_INT_H
#define LTC_WEB_INT_H

#include <cjson/cJSON.h>
#include <libwebsockets.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "serve/access.h"
#include "serve/hub.h"
#include "serve/queries.h"
#include "serve/web.h"
#include "store/store.h"

/* A message waiting to go out on a websocket, with lws's headroom before it. */
typedef struct out_msg {
  struct out_msg *next;
  int64_t session_row; /* a `session` push of this session (0: another message) */
  size_t len;
  unsigned char data[];
} out_msg;

typedef struct backlog backlog; /* ws.c */

/* Per connection (lws allocates and zeroes it): an HTTP request's reply body, or a websocket
 * client's state. */
typedef struct conn {
  struct lws *wsi;
  uint64_t serial; /* names it to the query threads (queries.h): a reply may outlive it */
  /* HTTP */
  char *body;
  size_t body_len, body_off;
  unsigned status;      /* a reply whose headers are still to be written (status != 0) */
  const char *type;
  bool waiting;         /* a read of it is with the query threads */
  /* websocket */
  uint64_t client;
  char *rx;
  size_t rx_len;
  bool rx_refused; /* the message grew too large or was binary: skip to its end */
  out_msg *out_head, *out_tail;
  size_t out_bytes;
  bool closing;     /* too far behind: being closed */
  backlog *backlog; /* a subscription's stored records still to send (ws.c) */
  struct conn *next; /* in w->clients (websocket) or w->http (waiting) */
} conn;

struct ltc_web {
  struct lws_context *ctx;
  struct lws_vhost *vhost;
  pthread_t thread;
  int stop; /* set by ltc_web_stop from another thread (atomic) */
  ltc_hub *hub;
  ltc_store *store;
  char root[PATH_MAX];
  char origin[80]; /* "127.0.0.1:PORT": where it listens */
  ltc_access access; /* who it answers (access.h) */
  conn *clients;   /* websocket connections */
  conn *http;      /* HTTP connections waiting for a read's answer */
  ltc_queries *queries;
  uint64_t next_serial;
  size_t out_total; /* bytes waiting to go out, over every websocket client */
  char ingest[320];  /* where a dump_ring request has a flight recorder send its dump */
};

/* A request's header (a WSI_TOKEN_*) into buf; NULL when the request has none. */
const char *ltc_web_header(struct lws *wsi, int token, char *buf, size_t len);
/* The request's Host and Origin are this daemon's to answer (access.h); else a reason. */
const char *ltc_web_refusal(ltc_web *w, struct lws *wsi);

/* The daemon's state, the answer to op "status" and GET /api/status (docs/api.md). */
cJSON *ltc_web_status(ltc_web *w);

/* ---- http.c ---- */
/* A GET of path: an API route or one of the UI's files. 0, or -1 to close. */
int ltc_http_request(ltc_web *w, struct lws *wsi, conn *c, const char *path);
int ltc_http_writable(struct lws *wsi, conn *c);
/* Sends status and a JSON error object {"error", "status"} as the reply. */
int ltc_http_error(struct lws *wsi, conn *c, unsigned status, const char *message);
void ltc_http_closed(ltc_web *w, conn *c);
/* A read's answer for an HTTP connection waiting for one. */
void ltc_http_answer(ltc_web *w, ltc_query_job *job);

/* ---- ws.c ---- */
int ltc_ws_established(ltc_web *w, conn *c);
int ltc_ws_receive(ltc_web *w, conn *c, const void *in, size_t len);
int ltc_ws_writable(ltc_web *w, conn *c);
void ltc_ws_closed(ltc_web *w, conn *c);
/* The ingest thread queued something (lws_cancel_service woke the web thread). */
void ltc_ws_wake(ltc_web *w);
/* A read's answer for a websocket client. */
void ltc_ws_answer(ltc_web *w, ltc_query_job *job);

#endif

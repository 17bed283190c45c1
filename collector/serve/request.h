/* request.h: a websocket message (docs/api.md, "Websocket") read as a request, with no socket
 * in sight: parsed, its id, op and a command's arguments checked, and sorted into a read (for
 * the query threads), a command (for the ingest thread) or a status. ws.c answers what this
 * sorts; tests/fuzz drives it with any bytes. */
#ifndef LTC_REQUEST_H
#define LTC_REQUEST_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "serve/hub.h"
#include "store/store.h"

typedef enum ltc_request_kind {
  LTC_REQUEST_READ,    /* an op of api.h: msg is its arguments */
  LTC_REQUEST_COMMAND, /* subscribe, unsubscribe, label, delete: cmd says which, checked */
  LTC_REQUEST_STATUS,  /* the daemon's state */
  LTC_REQUEST_DUMP_RING, /* a flight recorder asked for a dump (msg: pid, signal) */
} ltc_request_kind;

typedef struct ltc_request {
  cJSON *msg;  /* the message, parsed (NULL when it was not JSON); the caller frees it */
  int64_t id;  /* the request's "id", -1 when it has none (or it was wrong) */
  ltc_request_kind kind;
  const char *op;  /* in msg */
  ltc_hub_cmd cmd; /* a command's (client and next left 0; label points into msg) */
} ltc_request;

/* Reads text (len bytes): 0, or -errno with why in err (-EINVAL for what is wrong with it,
 * -ENOENT for a command's unknown session, looked up in s). Either way req->msg is the
 * caller's to free, and req->id is what the reply carries. */
int ltc_request_parse(ltc_store *s, const char *text, size_t len, ltc_request *req,
                      ltc_err *err);

#endif

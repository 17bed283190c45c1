/* web.h: the daemon's web side, one libwebsockets context serviced by a thread of its own:
 * the files of the browser UI, the JSON API under /api/ and the websocket protocol
 * looptrace.v1 (docs/api.md). It reads the database through a read-only connection of its
 * own and reaches the ingest thread only through the hub. */
#ifndef LTC_WEB_H
#define LTC_WEB_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "serve/hub.h"

typedef struct ltc_web ltc_web;

typedef struct ltc_web_config {
  const char *http; /* ADDR:PORT to listen on (port 0: any free one) */
  const char *root; /* the directory of the UI's files */
  const char *db;   /* the database the ingest thread writes */
  ltc_hub *hub;
  const char *const *allow_origin; /* origins of web pages that may use the API too */
  size_t nallow_origin;
  bool allow_remote; /* the user means an address beyond loopback */
  int query_threads; /* threads that answer the API's reads (0: 3) */
  const char *ingest; /* a spec programs stream to (unix:...): where dump_ring sends dumps */
} ltc_web_config;

/* Listens and starts the thread. 0, or -errno with why in err. */
int ltc_web_start(const ltc_web_config *cfg, ltc_web **out, ltc_err *err);
/* "ADDRESS:PORT" it listens on (the port chosen, for port 0). */
const char *ltc_web_origin(const ltc_web *w);
/* Closes every connection and joins the thread. */
void ltc_web_stop(ltc_web *w);

#define LTC_WEB_MAX_MESSAGE (1 << 20)  /* a websocket message from a client, at most */
#define LTC_WEB_MAX_BACKLOG 200000     /* stored records a subscribe sends before live ones */
#define LTC_WEB_MAX_OUTBOUND (64u << 20) /* bytes waiting for one client: past it, dropped */
#define LTC_WEB_MAX_OUTBOUND_ALL (256u << 20) /* ...for all: past it, the one with most is */

#endif

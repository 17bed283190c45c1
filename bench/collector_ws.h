/* collector_ws.h: bench_collector's websocket client (libwebsockets, subprotocol looptrace.v1):
 * it waits for the `session` push of a live session with a given label, subscribes to it, and
 * for every live record an `events` push brings notes receive time minus the record's ts (both
 * CLOCK_MONOTONIC ns on this machine). The stored backlog the subscription replays first is
 * counted but not timed, and so are SINK_WAIT records. It runs in a thread of its own. */
#ifndef BENCH_COLLECTOR_WS_H
#define BENCH_COLLECTOR_WS_H

#include <stddef.h>
#include <stdint.h>

typedef struct ws_client ws_client;

typedef struct ws_result {
  int64_t session;    /* the session subscribed to (0: never saw it) */
  int64_t backlog;    /* records the subscribe reply said were stored before it */
  uint64_t received;  /* records received in events pushes, backlog included */
  uint64_t messages;  /* events pushes */
  uint64_t resyncs;   /* resync pushes: the daemon dropped live records for this client */
  /* SINK_WAIT records (the tracer's own, not timed): the producer's write to
   * its socket took over 50 us (block mode); how often, how long in all, the longest. A long
   * one means the daemon's ingest thread was not reading */
  uint64_t sink_waits;
  int64_t sink_wait_ns, sink_wait_max_ns;
  int64_t *lat_ns;    /* receive time - ts of each live record, in arrival order (malloc'd) */
  size_t nlat;
  char error[256];    /* empty, or what went wrong */
} ws_result;

/* Connects to ws://127.0.0.1:port/ and starts the client's thread; waits (up to 5 s) for the
 * websocket to open. NULL with a message in err. */
ws_client *ws_client_start(int port, const char *label, char *err, size_t errlen);
/* Records received so far (backlog included), from any thread. */
uint64_t ws_client_received(ws_client *c);
/* Stops the thread, closes the connection, and hands back what it measured (the caller frees
 * r->lat_ns). */
void ws_client_stop(ws_client *c, ws_result *r);

#endif

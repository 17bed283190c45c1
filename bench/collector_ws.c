/* collector_ws.c: bench_collector's websocket client (see collector_ws.h): one libwebsockets
 * client context serviced by its own thread; messages are reassembled from their fragments and
 * stamped with CLOCK_MONOTONIC when the last fragment arrives. The client must stay cheap, or
 * the latency it measures is its own: a message it is still parsing delays the next one. cJSON
 * took ~4 us a record (40% of a core at 100k records/s), so `events` pushes are scanned for
 * their "ts" keys instead (a quote inside a JSON string is escaped, so `"ts":` can only be
 * the key); the other messages (session pushes, the reply) are few and go through cJSON. */
#define _GNU_SOURCE
#include "collector_ws.h"

#include <cjson/cJSON.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct ws_client {
  struct lws_context *ctx;
  struct lws *wsi;
  pthread_t thread;
  int stop, opened, failed; /* shared with the caller's thread (atomics) */
  uint64_t received_atomic;
  const char *label;
  bool want_subscribe, subscribed;
  char *rx;
  size_t rx_len, rx_cap;
  ws_result r;
  size_t lat_cap;
};

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void fail(ws_client *c, const char *what) {
  if (!c->r.error[0]) snprintf(c->r.error, sizeof c->r.error, "%s", what);
}

static void note_latency(ws_client *c, int64_t ns) {
  if (c->r.nlat == c->lat_cap) {
    size_t cap = c->lat_cap ? c->lat_cap * 2 : 1 << 16;
    int64_t *n = realloc(c->r.lat_ns, cap * sizeof *n);
    if (!n) {
      fail(c, "out of memory keeping latencies");
      return;
    }
    c->r.lat_ns = n;
    c->lat_cap = cap;
  }
  c->r.lat_ns[c->r.nlat++] = ns;
}

/* An events push (daemon's web.c: {"type":"events","session":N,"events":[...]}) of our
 * session: records past the backlog are live, and timed. text is NUL-terminated. */
static void on_events(ws_client *c, const char *text, int64_t received_ns) {
  static const char head[] = "{\"type\":\"events\",\"session\":";
  if (strtoll(text + sizeof head - 1, NULL, 10) != c->r.session) return;
  c->r.messages++;
  static const char sink_wait[] = ",\"kind\":\"sink-wait\",";
  for (const char *p = strstr(text, "\"ts\":"); p; p = strstr(p, "\"ts\":")) {
    char *end;
    int64_t ts = strtoll(p + 5, &end, 10);
    p = end;
    c->r.received++;
    bool waited = strncmp(end, sink_wait, sizeof sink_wait - 1) == 0;
    if (waited) {
      /* the producer's write to its socket took long: args[0] says how long */
      const char *args = strstr(end, "\"args\":[");
      int64_t ns = args ? strtoll(args + 8, NULL, 10) : 0;
      c->r.sink_waits++;
      c->r.sink_wait_ns += ns;
      if (ns > c->r.sink_wait_max_ns) c->r.sink_wait_max_ns = ns;
    }
    /* a SINK_WAIT is the tracer's own record, not the program's: not timed */
    if ((int64_t)c->r.received <= c->r.backlog || waited) continue;
    note_latency(c, received_ns - ts);
  }
  __atomic_store_n(&c->received_atomic, c->r.received, __ATOMIC_RELEASE);
}

static void on_message(ws_client *c, const char *text, size_t len, int64_t received_ns) {
  static const char events_push[] = "{\"type\":\"events\",";
  if (strncmp(text, events_push, sizeof events_push - 1) == 0) {
    on_events(c, text, received_ns);
    return;
  }
  cJSON *m = cJSON_ParseWithLength(text, len);
  if (!m) {
    fail(c, "the daemon sent a message that is not JSON");
    return;
  }
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "type");
  const cJSON *session = cJSON_GetObjectItemCaseSensitive(m, "session");
  int64_t sid = cJSON_IsNumber(session) ? (int64_t)session->valuedouble : 0;
  if (cJSON_IsString(type) && strcmp(type->valuestring, "session") == 0) {
    /* every client hears of every session: ours is the first live one with our label */
    const cJSON *row = cJSON_GetObjectItemCaseSensitive(m, "row");
    const cJSON *label = cJSON_GetObjectItemCaseSensitive(row, "label");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(row, "status");
    if (!c->r.session && cJSON_IsString(label) && strcmp(label->valuestring, c->label) == 0 &&
        cJSON_IsString(status) && strcmp(status->valuestring, "live") == 0) {
      c->r.session = sid;
      c->want_subscribe = true;
      lws_callback_on_writable(c->wsi);
    }
  } else if (cJSON_IsString(type) && strcmp(type->valuestring, "resync") == 0) {
    c->r.resyncs++;
  } else if (cJSON_GetObjectItemCaseSensitive(m, "id")) {
    /* the reply to our subscribe: how many stored records come before the live ones */
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(m, "ok");
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(m, "result");
    const cJSON *backlog = cJSON_GetObjectItemCaseSensitive(res, "backlog");
    if (cJSON_IsTrue(ok) && cJSON_IsNumber(backlog)) {
      c->r.backlog = (int64_t)backlog->valuedouble;
      c->subscribed = true;
    } else {
      char *t = cJSON_PrintUnformatted(m);
      char msg[200];
      snprintf(msg, sizeof msg, "subscribe refused: %.150s", t ? t : "?");
      fail(c, msg);
      free(t);
    }
  }
  cJSON_Delete(m);
}

static int receive(ws_client *c, struct lws *wsi, const void *in, size_t len) {
  if (c->rx_len + len + 1 > c->rx_cap) {
    size_t cap = c->rx_cap ? c->rx_cap : 1 << 16;
    while (cap < c->rx_len + len + 1) cap *= 2;
    char *n = realloc(c->rx, cap);
    if (!n) return -1;
    c->rx = n;
    c->rx_cap = cap;
  }
  memcpy(c->rx + c->rx_len, in, len);
  c->rx_len += len;
  if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0) return 0;
  int64_t t = now_ns(); /* the whole message is here */
  c->rx[c->rx_len] = 0;
  on_message(c, c->rx, c->rx_len, t);
  c->rx_len = 0;
  return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len) {
  struct lws_context *ctx = lws_get_context(wsi);
  ws_client *c = ctx ? lws_context_user(ctx) : NULL;
  switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
      __atomic_store_n(&c->opened, 1, __ATOMIC_RELEASE);
      break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
      fail(c, in && len ? (const char *)in : "cannot connect to the daemon's websocket");
      c->wsi = NULL;
      __atomic_store_n(&c->failed, 1, __ATOMIC_RELEASE);
      break;
    case LWS_CALLBACK_CLIENT_CLOSED:
      if (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) fail(c, "the daemon closed the websocket");
      c->wsi = NULL;
      __atomic_store_n(&c->failed, 1, __ATOMIC_RELEASE);
      break;
    case LWS_CALLBACK_CLIENT_RECEIVE: return receive(c, wsi, in, len);
    case LWS_CALLBACK_CLIENT_WRITEABLE:
      if (c->want_subscribe) {
        unsigned char buf[LWS_PRE + 128];
        int n = snprintf((char *)buf + LWS_PRE, 128, "{\"id\":1,\"op\":\"subscribe\",\"session\":%lld}",
                         (long long)c->r.session);
        c->want_subscribe = false;
        if (lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_TEXT) < n) return -1;
      }
      break;
    default: break;
  }
  return 0;
}

static const struct lws_protocols protocols[] = {
    {"looptrace.v1", callback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void *run(void *arg) {
  ws_client *c = arg;
  while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE))
    if (lws_service(c->ctx, 0) < 0) break;
  return NULL;
}

ws_client *ws_client_start(int port, const char *label, char *err, size_t errlen) {
  ws_client *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->label = label;
  lws_set_log_level(LLL_ERR, NULL);
  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = protocols;
  info.user = c;
  c->ctx = lws_create_context(&info);
  if (!c->ctx) {
    snprintf(err, errlen, "cannot create a libwebsockets context");
    free(c);
    return NULL;
  }
  struct lws_client_connect_info ci;
  memset(&ci, 0, sizeof ci);
  ci.context = c->ctx;
  ci.address = "127.0.0.1";
  ci.port = port;
  ci.path = "/";
  ci.host = "127.0.0.1";
  ci.origin = "127.0.0.1";
  ci.protocol = "looptrace.v1";
  ci.pwsi = &c->wsi;
  if (!lws_client_connect_via_info(&ci) ||
      pthread_create(&c->thread, NULL, run, c) != 0) {
    snprintf(err, errlen, "cannot connect to ws://127.0.0.1:%d/", port);
    lws_context_destroy(c->ctx);
    free(c);
    return NULL;
  }
  for (int i = 0; i < 1000 && !__atomic_load_n(&c->opened, __ATOMIC_ACQUIRE) &&
                  !__atomic_load_n(&c->failed, __ATOMIC_ACQUIRE);
       i++)
    usleep(5000);
  if (!__atomic_load_n(&c->opened, __ATOMIC_ACQUIRE)) {
    ws_result r;
    ws_client_stop(c, &r);
    snprintf(err, errlen, "websocket to 127.0.0.1:%d did not open: %s", port,
             r.error[0] ? r.error : "timed out");
    free(r.lat_ns);
    return NULL;
  }
  return c;
}

uint64_t ws_client_received(ws_client *c) {
  return __atomic_load_n(&c->received_atomic, __ATOMIC_ACQUIRE);
}

void ws_client_stop(ws_client *c, ws_result *r) {
  __atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
  lws_cancel_service(c->ctx);
  pthread_join(c->thread, NULL);
  lws_context_destroy(c->ctx);
  if (c->r.session && !c->subscribed) fail(c, "saw the session but never got its subscribe reply");
  *r = c->r;
  free(c->rx);
  free(c);
}

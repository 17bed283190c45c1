/* web.c: the daemon's web thread (see web.h): one libwebsockets context on 127.0.0.1 (or the
 * address given), serviced by a thread of its own, whose protocol callback hands HTTP to
 * http.c and the websocket protocol to ws.c. Reads go through this thread's own read-only
 * store; writes and subscriptions are commands to the ingest thread through the hub. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "base/addr.h"
#include "base/clock.h"
#include "serve/web-int.h"

const char *ltc_web_header(struct lws *wsi, int token, char *buf, size_t len) {
  int n = lws_hdr_total_length(wsi, (enum lws_token_indexes)token);
  if (n <= 0 || (size_t)n >= len) return n <= 0 ? NULL : "";
  return lws_hdr_copy(wsi, buf, (int)len, (enum lws_token_indexes)token) >= 0 ? buf : NULL;
}

const char *ltc_web_refusal(ltc_web *w, struct lws *wsi) {
  char host[256], origin[256];
  if (!ltc_access_peer(&w->access, lws_get_socket_fd(wsi)))
    return "refused: this daemon serves the user it runs as alone (and root); run your own "
           "looptrace serve";
  if (!ltc_access_host(&w->access, ltc_web_header(wsi, WSI_TOKEN_HOST, host, sizeof host)))
    return "refused: the request's Host is not this daemon's (a web page that renamed "
           "itself to reach it: DNS rebinding?)";
  if (!ltc_access_origin(&w->access, ltc_web_header(wsi, WSI_TOKEN_ORIGIN, origin,
                                                    sizeof origin)))
    return "refused: a page of another origin may not use this API (see --allow-origin)";
  return NULL;
}

cJSON *ltc_web_status(ltc_web *w) {
  ltc_hub_status st;
  ltc_hub_get_status(w->hub, &st);
  cJSON *o = cJSON_CreateObject();
  cJSON *store = cJSON_AddObjectToObject(o, "store");
  cJSON_AddBoolToObject(store, "ok", st.store_ok);
  cJSON_AddNumberToObject(store, "waiting", (double)st.waiting);
  if (!st.store_ok) {
    cJSON_AddStringToObject(store, "error", st.store_error);
    cJSON_AddNumberToObject(store, "failing_for_s",
                            (double)(ltc_now_ns() - st.store_since_ns) / 1e9);
  }
  cJSON *ingest = cJSON_AddObjectToObject(o, "ingest");
  cJSON_AddNumberToObject(ingest, "connections", (double)st.connections);
  cJSON_AddNumberToObject(ingest, "buffered", (double)st.buffered);
  cJSON *refused = cJSON_AddObjectToObject(ingest, "refused");
  static const char *const names[] = {
#define LTC__REFUSAL(name, text) text,
      LTC_REFUSAL_MAP(LTC__REFUSAL)
#undef LTC__REFUSAL
  };
  for (int i = 0; i < LTC_REFUSED_COUNT; i++)
    cJSON_AddNumberToObject(refused, names[i], (double)st.refused[i]);
  cJSON *web = cJSON_AddObjectToObject(o, "web");
  size_t clients = 0;
  for (const conn *c = w->clients; c; c = c->next) clients++;
  cJSON_AddNumberToObject(web, "clients", (double)clients);
  cJSON *wr = cJSON_AddObjectToObject(web, "refused");
  cJSON_AddNumberToObject(wr, "other_user", (double)w->access.refused_user);
  cJSON_AddNumberToObject(wr, "host", (double)w->access.refused_host);
  cJSON_AddNumberToObject(wr, "origin", (double)w->access.refused_origin);
  uint64_t warmed, warming, answered;
  ltc_sumcache_counts(&warmed, &warming, &answered);
  cJSON *sum = cJSON_AddObjectToObject(o, "summaries");
  cJSON_AddNumberToObject(sum, "kept_at_end", (double)warmed);
  cJSON_AddNumberToObject(sum, "keeping", (double)warming);
  cJSON_AddNumberToObject(sum, "from_kept", (double)answered);
  uint64_t lints_kept, lints_answered;
  ltc_lintcache_counts(&lints_kept, &lints_answered);
  cJSON *lints = cJSON_AddObjectToObject(o, "lints");
  cJSON_AddNumberToObject(lints, "kept", (double)lints_kept);
  cJSON_AddNumberToObject(lints, "answered", (double)lints_answered);
  return o;
}

/* Woken (lws_cancel_service) by the ingest thread or a query thread: what they queued goes
 * to the clients it is for. */
static void wakened(ltc_web *w) {
  ltc_query_job *job;
  while ((job = ltc_queries_take(w->queries))) {
    if (job->http)
      ltc_http_answer(w, job);
    else
      ltc_ws_answer(w, job);
    ltc_query_job_free(job);
  }
  ltc_ws_wake(w);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len) {
  struct lws_context *ctx = lws_get_context(wsi);
  ltc_web *w = ctx ? lws_context_user(ctx) : NULL;
  conn *c = user;
  /* a connection that failed before lws gave it its per-connection data (a request line too
   * long for the header space, say) still gets its close callbacks: there is nothing of ours */
  if (!c && reason != LWS_CALLBACK_EVENT_WAIT_CANCELLED)
    return lws_callback_http_dummy(wsi, reason, user, in, len);
  switch (reason) {
    case LWS_CALLBACK_HTTP: {
      char path[1024];
      snprintf(path, sizeof path, "%s", (const char *)in);
      c->wsi = wsi;
      if (!c->serial) c->serial = ++w->next_serial;
      return ltc_http_request(w, wsi, c, path);
    }
    case LWS_CALLBACK_HTTP_WRITEABLE: return ltc_http_writable(wsi, c);
    case LWS_CALLBACK_HTTP_FILE_COMPLETION:
      return lws_http_transaction_completed(wsi) ? -1 : 0;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL: /* a reply never sent (a POST dropped) ends here */
      ltc_http_closed(w, c);
      break;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: /* a websocket handshake */
      return ltc_web_refusal(w, wsi) ? -1 : 0;
    case LWS_CALLBACK_ESTABLISHED:
      c->wsi = wsi;
      c->serial = ++w->next_serial;
      if (ltc_ws_established(w, c) < 0) return -1;
      break;
    case LWS_CALLBACK_RECEIVE: return ltc_ws_receive(w, c, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE: return ltc_ws_writable(w, c);
    case LWS_CALLBACK_CLOSED: ltc_ws_closed(w, c); break;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
      if (w) wakened(w);
      break;
    default: break;
  }
  return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {"looptrace.v1", callback, sizeof(conn), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}, /* the end of the list */
};

/* A websocket client that names no subprotocol gets this one too. */
static const struct lws_protocol_vhost_options pvo_default = {NULL, NULL, "default", "1"};
static const struct lws_protocol_vhost_options pvo = {NULL, &pvo_default, "looptrace.v1", ""};

static void wake(void *user);

static void *run(void *arg) {
  ltc_web *w = arg;
  while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE))
    if (lws_service(w->ctx, 0) < 0) break;
  return NULL;
}

static void wake(void *user) {
  ltc_web *w = user;
  if (w->ctx) lws_cancel_service(w->ctx);
}

static void destroy(ltc_web *w) {
  ltc_queries_stop(w->queries); /* first: its threads wake the context */
  w->queries = NULL;
  if (w->ctx) lws_context_destroy(w->ctx); /* closes every connection (CLOSED callbacks run) */
  ltc_store_close(w->store);
  free(w);
}

int ltc_web_start(const ltc_web_config *cfg, ltc_web **out, ltc_err *err) {
  struct sockaddr_in addr;
  ltc_err why;
  if (ltc_addr_parse(cfg->http, &addr, &why) < 0)
    return ltc_fail(err, -EINVAL, "--http %s", why.msg);
  if (!ltc_addr_is_loopback(&addr) && !cfg->allow_remote)
    return ltc_fail(err, -EPERM,
                    "--http %s is not a loopback address: anyone who can reach it could read, "
                    "relabel and delete your traces; add --allow-remote if you mean it",
                    cfg->http);
  if (cfg->nallow_origin > LTC_ACCESS_MAX_ORIGINS)
    return ltc_fail(err, -EINVAL, "at most %d --allow-origin", LTC_ACCESS_MAX_ORIGINS);
  ltc_web *w = calloc(1, sizeof *w);
  if (!w) return ltc_fail(err, -ENOMEM, "out of memory");
  w->hub = cfg->hub;
  snprintf(w->ingest, sizeof w->ingest, "%s", cfg->ingest ? cfg->ingest : "");
  for (size_t i = 0; i < cfg->nallow_origin; i++) w->access.origins[i] = cfg->allow_origin[i];
  w->access.norigins = cfg->nallow_origin;
  if (!realpath(cfg->root, w->root)) {
    ltc_fail(err, -ENOENT, "the web UI's files are not at %s: %s", cfg->root, strerror(errno));
    free(w);
    return -ENOENT;
  }
  int rc = ltc_store_open_reader(cfg->db, &w->store, err);
  if (rc < 0) {
    free(w);
    return rc;
  }
  char host[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addr.sin_addr, host, sizeof host);
  lws_set_log_level(LLL_ERR, NULL);
  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  info.port = ntohs(addr.sin_port);
  info.iface = host;
  info.protocols = protocols;
  info.pvo = &pvo;
  info.user = w;
  /* loopback means loopback: without this lws binds [::] even for 127.0.0.1 */
  info.options = LWS_SERVER_OPTION_DISABLE_IPV6 | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
  w->ctx = lws_create_context(&info);
  w->vhost = w->ctx ? lws_create_vhost(w->ctx, &info) : NULL;
  if (!w->vhost) {
    destroy(w);
    return ltc_fail(err, -EADDRINUSE,
                    "cannot listen on %s (in use, or not an address of this machine)", cfg->http);
  }
  rc = ltc_queries_start(cfg->db, cfg->query_threads ? cfg->query_threads : 3, wake, w,
                         &w->queries, err);
  if (rc < 0) {
    destroy(w);
    return rc;
  }
  snprintf(w->origin, sizeof w->origin, "%s:%d", host, lws_get_vhost_listen_port(w->vhost));
  w->access.bound = addr;
  w->access.bound.sin_port = htons((uint16_t)lws_get_vhost_listen_port(w->vhost));
  ltc_hub_set_wake(w->hub, wake, w);
  if (pthread_create(&w->thread, NULL, run, w) != 0) {
    ltc_hub_set_wake(w->hub, NULL, NULL);
    destroy(w);
    return ltc_fail(err, -EAGAIN, "cannot start the web thread");
  }
  *out = w;
  return 0;
}

const char *ltc_web_origin(const ltc_web *w) { return w->origin; }

void ltc_web_stop(ltc_web *w) {
  if (!w) return;
  ltc_hub_set_wake(w->hub, NULL, NULL);
  __atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
  lws_cancel_service(w->ctx);
  pthread_join(w->thread, NULL);
  destroy(w);
}

/* web.c: the daemon's web thread (see web.h): HTTP routes, static files and the websocket
 * protocol on one libwebsockets context. Every read is answered by query.c through this
 * thread's own read-only store; writes and subscriptions are commands to the ingest thread
 * through the hub, whose replies come back in the client's queue. */
#define _GNU_SOURCE
#include "web.h"

#include <errno.h>
#include <libwebsockets.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "query.h"

/* A message waiting to go out on a websocket, with lws's headroom before it. */
typedef struct out_msg {
  struct out_msg *next;
  int64_t session_row; /* a `session` push of this session (0: another message) */
  size_t len;
  unsigned char data[];
} out_msg;

/* Per connection (lws allocates and zeroes it): an HTTP request's reply body, or a websocket
 * client's state. */
typedef struct conn {
  struct lws *wsi;
  /* HTTP */
  char *body;
  size_t body_len, body_off;
  /* websocket */
  uint64_t client;
  char *rx;
  size_t rx_len;
  bool rx_refused; /* the message grew too large or was binary: skip to its end */
  out_msg *out_head, *out_tail;
  size_t out_bytes;
  bool closing; /* too far behind: being closed */
  struct backlog *backlog; /* a subscription's stored records still to send (below) */
  struct conn *next;
} conn;
typedef struct backlog backlog;

struct ltc_web {
  struct lws_context *ctx;
  struct lws_vhost *vhost;
  pthread_t thread;
  int stop; /* set by ltc_web_stop from another thread (atomic) */
  ltc_hub *hub;
  ltc_store *store;
  char root[PATH_MAX];
  conn *clients; /* websocket connections */
};

/* ---- replies ---- */

static char *reply_text(int64_t id, cJSON *result, const ltc_query_error *err) {
  cJSON *o = cJSON_CreateObject();
  if (id >= 0)
    cJSON_AddNumberToObject(o, "id", (double)id);
  else
    cJSON_AddNullToObject(o, "id");
  cJSON_AddBoolToObject(o, "ok", result != NULL);
  if (result) {
    cJSON_AddItemToObject(o, "result", result);
  } else {
    cJSON_AddNumberToObject(o, "status", err->status);
    cJSON_AddStringToObject(o, "error", err->message);
  }
  char *text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return text;
}

/* Unlinks and frees a message not sent yet (prev: the one before it, NULL at the head). */
static void drop_msg(conn *c, out_msg *prev, out_msg *m) {
  if (prev)
    prev->next = m->next;
  else
    c->out_head = m->next;
  if (c->out_tail == m) c->out_tail = prev;
  c->out_bytes -= m->len;
  free(m);
}

/* Queues text (taken) on a websocket client and asks lws for a chance to write it. A
 * `session` push replaces one of the same session still waiting (a client that reads
 * slowly gets each session's latest row, not every one since); a client that let more than
 * LTC_WEB_MAX_OUTBOUND bytes pile up is disconnected. */
static void ws_send_row(conn *c, char *text, int64_t session_row) {
  if (!text) return;
  if (session_row)
    for (out_msg *m = c->out_head, *prev = NULL; m; prev = m, m = m->next)
      if (m->session_row == session_row) {
        drop_msg(c, prev, m);
        break;
      }
  size_t len = strlen(text);
  out_msg *m = c->closing ? NULL : malloc(sizeof *m + LWS_PRE + len);
  if (m) {
    m->next = NULL;
    m->len = len;
    m->session_row = session_row;
    memcpy(m->data + LWS_PRE, text, len);
    if (c->out_tail)
      c->out_tail->next = m;
    else
      c->out_head = m;
    c->out_tail = m;
    c->out_bytes += len;
  }
  free(text);
  if (c->out_bytes > LTC_WEB_MAX_OUTBOUND && !c->closing) {
    c->closing = true; /* it reads nothing: closed on lws's next turn */
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
  }
  lws_callback_on_writable(c->wsi);
}

static void ws_send(conn *c, char *text) { ws_send_row(c, text, 0); }

static char *push_text(const char *type, int64_t session, const char *raw_name, const char *raw) {
  ltc_jsonbuf b = {0};
  ltc_jsonbuf_printf(&b, "{\"type\":\"%s\",\"session\":%lld", type, (long long)session);
  if (raw) ltc_jsonbuf_printf(&b, ",\"%s\":", raw_name), ltc_jsonbuf_puts(&b, raw);
  ltc_jsonbuf_put(&b, "}", 1);
  char *text = ltc_jsonbuf_text(&b) ? strdup(b.data) : NULL;
  ltc_jsonbuf_free(&b);
  return text;
}

/* ---- a subscription's stored backlog ---- */

/* A subscription's stored records, sent a few messages per turn of the loop as the client
 * takes them, so that one client's large backlog never holds up the others (nor piles up
 * unsent). Until it is sent, the client's queue in the hub (its live records) waits. */
struct backlog {
  conn *c;
  ltc_hub_item *sub;        /* what was asked for */
  ltc_session_strings *strings;
  ltc_resolver resolve;
  ltc_jsonbuf b;
  size_t in_message, total, sent_in_turn;
  bool counting;            /* the first pass: only count */
  bool more;                /* a turn stopped before the end */
  uint32_t track;           /* where the next turn goes on: this track's block from seq */
  uint64_t seq;
};

#define BACKLOG_MESSAGE 4096 /* records per events push */
#define BACKLOG_TURN 8192    /* records per turn of the loop */

static bool wanted(const backlog *k, const ltc_event *e) {
  if (e->seq < k->sub->from_seq || e->ts < k->sub->from_ts || ltc_kind_defines(e->kind))
    return false;
  if (!k->sub->live) return true;
  for (uint32_t i = 0; i < k->sub->ntracks; i++)
    if (k->sub->tracks[i] == e->track) return e->seq < k->sub->until[i];
  return false; /* a track the live stream had not started: all of it comes live */
}

static void backlog_flush(backlog *k) {
  if (!k->in_message) return;
  ltc_jsonbuf_put(&k->b, "]", 1);
  ws_send(k->c, push_text("events", k->sub->session, "events", ltc_jsonbuf_text(&k->b)));
  ltc_jsonbuf_free(&k->b);
  k->in_message = 0;
}

static void backlog_event(void *user, const ltc_event *e) {
  backlog *k = user;
  if (!wanted(k, e)) return;
  k->total++;
  if (k->counting) return;
  ltc_event_text t;
  ltc_query_event_text(&k->resolve, e, &t);
  ltc_jsonbuf_put(&k->b, k->in_message ? "," : "[", 1);
  ltc_query_event_json(&k->b, e, &t);
  k->sent_in_turn++;
  if (++k->in_message == BACKLOG_MESSAGE) backlog_flush(k);
}

/* Before each block: a turn ends at a block's start once it has sent its share. */
static int backlog_block(void *user, uint32_t track, int64_t start_ns, uint64_t first_seq) {
  (void)start_ns;
  backlog *k = user;
  if (k->counting || k->sent_in_turn < BACKLOG_TURN) return 0;
  k->track = track;
  k->seq = first_seq;
  k->more = true;
  return 1;
}

static void backlog_free(backlog *k) {
  if (!k) return;
  ltc_jsonbuf_free(&k->b);
  ltc_strings_free(k->strings);
  ltc_hub_item_free(k->sub);
  free(k);
}

static ltc_scan backlog_scan(backlog *k) {
  return (ltc_scan){.lo = k->sub->from_ts, .hi = INT64_MAX, .min_seq = k->sub->from_seq,
                    .from_track = k->track, .from_track_seq = k->seq, .block = backlog_block,
                    .event = backlog_event, .user = k};
}

/* One turn of c's backlog: the next BACKLOG_TURN records or so. Frees it when it is done. */
static void backlog_turn(ltc_web *w, conn *c) {
  backlog *k = c->backlog;
  k->sent_in_turn = 0;
  k->more = false;
  ltc_scan q = backlog_scan(k);
  int rc = ltc_store_scan(w->store, k->sub->session, &q, NULL);
  backlog_flush(k);
  if (rc < 0 || !k->more) { /* all sent (or the session is gone: it stops short) */
    c->backlog = NULL;
    backlog_free(k);
  }
}

/* A subscription began: count what it asked for, reply, then (turn by turn) the stored
 * records, then (from the hub's queue) the live ones, with nothing missing or twice in
 * between. Takes it. */
static void subscribed(ltc_web *w, conn *c, ltc_hub_item *it) {
  backlog *k = calloc(1, sizeof *k);
  if (!k) {
    ltc_hub_item_free(it);
    return;
  }
  *k = (backlog){.c = c, .sub = it, .counting = true};
  ltc_scan q = backlog_scan(k);
  int rc = ltc_store_scan(w->store, it->session, &q, NULL);
  ltc_query_error err = {500, ""};
  if (rc == 0 && k->total > LTC_WEB_MAX_BACKLOG) {
    err.status = 413;
    snprintf(err.message, sizeof err.message,
             "%zu stored records from seq %llu: more than %d; read them with 'events' and "
             "subscribe from a later seq",
             k->total, (unsigned long long)it->from_seq, LTC_WEB_MAX_BACKLOG);
    rc = -E2BIG;
  } else if (rc == 0 && !(k->strings = ltc_store_strings(w->store, it->session))) {
    rc = -EIO;
  }
  if (rc < 0) {
    if (rc != -E2BIG)
      snprintf(err.message, sizeof err.message, "reading session %lld: %s",
               (long long)it->session, ltc_store_error(w->store));
    ws_send(c, reply_text(it->request, NULL, &err));
    ltc_hub_cmd cmd = {.kind = LTC_CMD_UNSUBSCRIBE, .client = c->client, .request = -1,
                       .session = it->session};
    ltc_hub_command(w->hub, &cmd);
    backlog_free(k);
    return;
  }
  cJSON *result = cJSON_CreateObject();
  cJSON_AddNumberToObject(result, "session", (double)it->session);
  cJSON_AddNumberToObject(result, "from_seq", (double)it->from_seq);
  if (it->from_ts != INT64_MIN) cJSON_AddNumberToObject(result, "from_ts", (double)it->from_ts);
  cJSON_AddNumberToObject(result, "backlog", (double)k->total);
  cJSON_AddBoolToObject(result, "live", it->live);
  ws_send(c, reply_text(it->request, result, NULL));
  k->counting = false;
  k->resolve = ltc_resolver_of_strings(k->strings);
  if (k->total) c->backlog = k; /* sent from the next turn on, as the client takes it */
  else backlog_free(k);
}

/* Turns the client's next hub item into messages; false when there was none. */
static bool pull(ltc_web *w, conn *c) {
  ltc_hub_item *it = ltc_hub_take(w->hub, c->client);
  if (!it) return false;
  switch (it->kind) {
    case LTC_ITEM_TEXT:
      ws_send(c, it->text);
      it->text = NULL;
      break;
    case LTC_ITEM_BATCH: {
      const char *json = ltc_hub_batch_json(it->batch);
      if (json) ws_send(c, push_text("events", it->batch->session, "events", json));
      break;
    }
    case LTC_ITEM_SUBSCRIBED: subscribed(w, c, it); return true; /* it took the item */
    case LTC_ITEM_RESYNC:
      ws_send(c, push_text("resync", it->session, "reason",
                           "\"this client fell behind: read from the database, then subscribe "
                           "again from the next seq\""));
      break;
  }
  ltc_hub_item_free(it);
  return true;
}

/* ---- websocket requests ---- */

static int64_t request_id(const cJSON *msg, ltc_query_error *err) {
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
  if (!id || cJSON_IsNull(id)) return -1;
  if (!cJSON_IsNumber(id) || id->valuedouble < 0 || id->valuedouble > 9007199254740991.0 ||
      id->valuedouble != (double)(int64_t)id->valuedouble) {
    err->status = 400;
    snprintf(err->message, sizeof err->message, "'id' must be a whole number from 0");
    return -2;
  }
  return (int64_t)id->valuedouble;
}

/* A write or a subscription: checked here, carried out by the ingest thread. */
static void command(ltc_web *w, conn *c, const char *op, int64_t id, const cJSON *msg) {
  ltc_query_error err = {400, ""};
  ltc_hub_cmd cmd = {.client = c->client, .request = id};
  const cJSON *session = cJSON_GetObjectItemCaseSensitive(msg, "session");
  const cJSON *label = cJSON_GetObjectItemCaseSensitive(msg, "label");
  const cJSON *from = cJSON_GetObjectItemCaseSensitive(msg, "from_seq");
  const cJSON *from_ts = cJSON_GetObjectItemCaseSensitive(msg, "from_ts");
  ltc_session_row row;
  if (!cJSON_IsNumber(session) || session->valuedouble < 1 ||
      session->valuedouble != (double)(int64_t)session->valuedouble) {
    snprintf(err.message, sizeof err.message, "which session? ('session' must be a number)");
  } else if (ltc_store_session_row(w->store, (cmd.session = (int64_t)session->valuedouble),
                                   &row) < 0) {
    err.status = 404;
    snprintf(err.message, sizeof err.message, "no session %lld", (long long)cmd.session);
  } else if (strcmp(op, "label") == 0 && (!cJSON_IsString(label) || strlen(label->valuestring) > 256)) {
    snprintf(err.message, sizeof err.message, "'label' must be a string of at most 256 bytes");
  } else if (from && (!cJSON_IsNumber(from) || from->valuedouble < 0)) {
    snprintf(err.message, sizeof err.message, "'from_seq' must be a number from 0");
  } else if (from_ts && !cJSON_IsNumber(from_ts)) {
    snprintf(err.message, sizeof err.message, "'from_ts' must be a number (ns)");
  } else {
    cmd.kind = strcmp(op, "subscribe") == 0     ? LTC_CMD_SUBSCRIBE
               : strcmp(op, "unsubscribe") == 0 ? LTC_CMD_UNSUBSCRIBE
               : strcmp(op, "label") == 0       ? LTC_CMD_LABEL
                                                : LTC_CMD_DELETE;
    cmd.from_seq = from ? (uint64_t)from->valuedouble : 0;
    cmd.from_ts = from_ts ? (int64_t)from_ts->valuedouble : INT64_MIN;
    cmd.label = cJSON_IsString(label) ? label->valuestring : NULL;
    if (cmd.kind == LTC_CMD_UNSUBSCRIBE && c->backlog && c->backlog->sub->session == cmd.session) {
      backlog_free(c->backlog); /* what it had not sent yet is not wanted now */
      c->backlog = NULL;
    }
    if (ltc_hub_command(w->hub, &cmd) == 0) return;
    err.status = 500;
    snprintf(err.message, sizeof err.message, "out of memory");
  }
  ws_send(c, reply_text(id, NULL, &err));
}

static bool is_command(const char *op) {
  return strcmp(op, "subscribe") == 0 || strcmp(op, "unsubscribe") == 0 ||
         strcmp(op, "label") == 0 || strcmp(op, "delete") == 0;
}

static void ws_message(ltc_web *w, conn *c, const char *text, size_t len) {
  ltc_query_error err = {400, ""};
  cJSON *msg = cJSON_ParseWithLength(text, len);
  int64_t id = -1;
  const cJSON *op = cJSON_GetObjectItemCaseSensitive(msg, "op");
  if (!msg || !cJSON_IsObject(msg)) {
    snprintf(err.message, sizeof err.message, "not a JSON object");
  } else if ((id = request_id(msg, &err)) == -2) {
    id = -1;
  } else if (!cJSON_IsString(op)) {
    snprintf(err.message, sizeof err.message, "no 'op' (a string)");
  } else if (is_command(op->valuestring)) {
    command(w, c, op->valuestring, id, msg);
    cJSON_Delete(msg);
    return;
  } else {
    cJSON *result = ltc_query(w->store, op->valuestring, msg, &err);
    if (result) {
      ws_send(c, reply_text(id, result, NULL));
      cJSON_Delete(msg);
      return;
    }
  }
  ws_send(c, reply_text(id, NULL, &err));
  cJSON_Delete(msg);
}

static int ws_receive(ltc_web *w, conn *c, const void *in, size_t len) {
  bool last = lws_is_final_fragment(c->wsi) && lws_remaining_packet_payload(c->wsi) == 0;
  if (lws_frame_is_binary(c->wsi)) c->rx_refused = true;
  if (!c->rx_refused && c->rx_len + len > LTC_WEB_MAX_MESSAGE) {
    c->rx_refused = true;
    ltc_query_error err = {413, ""};
    snprintf(err.message, sizeof err.message, "message too large: at most %d bytes",
             LTC_WEB_MAX_MESSAGE);
    ws_send(c, reply_text(-1, NULL, &err));
  }
  if (!c->rx_refused) {
    char *n = realloc(c->rx, c->rx_len + len + 1);
    if (!n) return -1;
    c->rx = n;
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;
  }
  if (!last) return 0;
  if (!c->rx_refused) ws_message(w, c, c->rx, c->rx_len);
  else if (lws_frame_is_binary(c->wsi)) {
    ltc_query_error err = {400, "messages are JSON text, not binary"};
    ws_send(c, reply_text(-1, NULL, &err));
  }
  free(c->rx);
  c->rx = NULL;
  c->rx_len = 0;
  c->rx_refused = false;
  return 0;
}

static int ws_writable(ltc_web *w, conn *c) {
  if (!c->out_head && c->backlog) backlog_turn(w, c);
  if (!c->out_head && !c->backlog) pull(w, c);
  out_msg *m = c->out_head;
  if (!m) {
    if (c->backlog) lws_callback_on_writable(c->wsi); /* a turn that found nothing to send */
    return 0;
  }
  c->out_head = m->next;
  if (!c->out_head) c->out_tail = NULL;
  c->out_bytes -= m->len;
  int n = lws_write(c->wsi, m->data + LWS_PRE, m->len, LWS_WRITE_TEXT);
  free(m);
  if (n < 0) return -1;
  lws_callback_on_writable(c->wsi); /* more may wait, here or in the hub */
  return 0;
}

/* The ingest thread queued something: session changes go to every client; each client then
 * gets a chance to write what waits for it. */
static void on_wake(ltc_web *w) {
  int64_t ids[256];
  size_t n;
  while ((n = ltc_hub_take_changed(w->hub, ids, 256)) > 0)
    for (size_t i = 0; i < n; i++) {
      ltc_session_row row;
      char *raw = NULL;
      const char *type = "session_deleted";
      if (ltc_store_session_row(w->store, ids[i], &row) == 0) {
        cJSON *o = ltc_query_session_json(&row);
        raw = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        type = "session";
      }
      for (conn *c = w->clients; c; c = c->next)
        ws_send_row(c, push_text(type, ids[i], "row", raw), raw ? ids[i] : 0);
      free(raw);
    }
  for (conn *c = w->clients; c; c = c->next) lws_callback_on_writable(c->wsi);
}

/* ---- HTTP ---- */

/* Sends status with body (taken) as the reply, in pieces as the socket takes them. */
static int http_reply(struct lws *wsi, conn *c, unsigned status, const char *type, char *body,
                      size_t len) {
  unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf;
  if (!body) {
    body = strdup("{\"error\":\"out of memory\"}");
    len = body ? strlen(body) : 0;
    status = 500;
  }
  if (lws_add_http_common_headers(wsi, status, type, len, &p, end) ||
      lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                   (const unsigned char *)"no-store", 8, &p, end) ||
      lws_finalize_write_http_header(wsi, start, &p, end)) {
    free(body);
    return -1;
  }
  c->body = body;
  c->body_len = len;
  c->body_off = 0;
  lws_callback_on_writable(wsi);
  return 0;
}

static int http_json(struct lws *wsi, conn *c, unsigned status, cJSON *o) {
  char *text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return http_reply(wsi, c, status, "application/json", text, text ? strlen(text) : 0);
}

static int http_error(struct lws *wsi, conn *c, unsigned status, const char *message) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "error", message);
  cJSON_AddNumberToObject(o, "status", status);
  return http_json(wsi, c, status, o);
}

static int http_writable(struct lws *wsi, conn *c) {
  if (!c->body) return 0;
  unsigned char buf[LWS_PRE + 16384];
  size_t n = c->body_len - c->body_off;
  if (n > sizeof buf - LWS_PRE) n = sizeof buf - LWS_PRE;
  memcpy(buf + LWS_PRE, c->body + c->body_off, n);
  c->body_off += n;
  bool last = c->body_off == c->body_len;
  if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < 0)
    return -1;
  if (!last) {
    lws_callback_on_writable(wsi);
    return 0;
  }
  free(c->body);
  c->body = NULL;
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* The URL's query arguments as a JSON object of strings (what query.c reads). */
static cJSON *url_args(struct lws *wsi) {
  cJSON *o = cJSON_CreateObject();
  char frag[512];
  for (int i = 0; lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i) > 0;
       i++) {
    char *eq = strchr(frag, '=');
    if (!eq) continue;
    *eq = 0;
    cJSON_DeleteItemFromObjectCaseSensitive(o, frag);
    cJSON_AddStringToObject(o, frag, eq + 1);
  }
  return o;
}

/* GET /api/sessions/N/export?format=chrome|jsonl: written to an unlinked temporary file and
 * sent from there, so a session of millions of records is never one string in memory. */
static int http_export(ltc_web *w, struct lws *wsi, conn *c, int64_t id, const char *format) {
  bool chrome = strcmp(format, "chrome") == 0;
  if (!chrome && strcmp(format, "jsonl") != 0)
    return http_error(wsi, c, 400, "format is chrome or jsonl");
  char path[] = "/tmp/looptrace-export-XXXXXX";
  int fd = mkstemp(path);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!f) {
    if (fd >= 0) close(fd), unlink(path);
    return http_error(wsi, c, 500, "cannot make a temporary file");
  }
  int rc = ltc_export_session(w->store, id, chrome, f);
  if (fclose(f) != 0 && rc == 0) rc = -EIO;
  if (rc < 0) {
    unlink(path);
    char msg[128];
    snprintf(msg, sizeof msg, rc == -ENOENT ? "no session %lld" : "cannot export session %lld",
             (long long)id);
    return http_error(wsi, c, rc == -ENOENT ? 404 : 500, msg);
  }
  int served = lws_serve_http_file(wsi, path, chrome ? "application/json" : "application/x-ndjson",
                                   NULL, 0);
  unlink(path); /* lws holds it open */
  return served < 0 ? -1 : 0;
}

static int http_api(ltc_web *w, struct lws *wsi, conn *c, const char *path) {
  if (strcmp(path, "/api/diff") == 0 || strcmp(path, "/api/orderings") == 0) { /* api_compare.c */
    cJSON *args = url_args(wsi);
    ltc_query_error err;
    cJSON *result = ltc_query(w->store, path + 5, args, &err);
    cJSON_Delete(args);
    return result ? http_json(wsi, c, 200, result)
                  : http_error(wsi, c, (unsigned)err.status, err.message);
  }
  const char *rest = path + strlen("/api/sessions");
  if (strncmp(path, "/api/sessions", 13) != 0 || (*rest && *rest != '/'))
    return http_error(wsi, c, 404, "no such API route (docs/api.md)");
  cJSON *args = url_args(wsi);
  const char *op = "sessions";
  if (*rest == '/') {
    char *end;
    long long id = strtoll(rest + 1, &end, 10);
    if (end == rest + 1 || id <= 0 || (*end && *end != '/')) {
      cJSON_Delete(args);
      return http_error(wsi, c, 400, "a session is a number: /api/sessions/N");
    }
    cJSON_DeleteItemFromObjectCaseSensitive(args, "session");
    cJSON_AddNumberToObject(args, "session", (double)id);
    op = !*end                        ? "session"
         : strcmp(end, "/tasks") == 0   ? "tasks"
         : strcmp(end, "/events") == 0  ? "events"
         : strcmp(end, "/summary") == 0 ? "summary"
         : strcmp(end, "/export") == 0  ? "export"
                                        : NULL;
    if (op && strcmp(op, "export") == 0) {
      const cJSON *format = cJSON_GetObjectItemCaseSensitive(args, "format");
      int rc = http_export(w, wsi, c, id, cJSON_IsString(format) ? format->valuestring : "chrome");
      cJSON_Delete(args);
      return rc;
    }
  }
  if (!op) {
    cJSON_Delete(args);
    return http_error(wsi, c, 404, "no such API route (docs/api.md)");
  }
  ltc_query_error err;
  cJSON *result = ltc_query(w->store, op, args, &err);
  cJSON_Delete(args);
  return result ? http_json(wsi, c, 200, result) : http_error(wsi, c, (unsigned)err.status, err.message);
}

static const char *mime_of(const char *path) {
  static const char *const types[][2] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript"},
      {".mjs", "text/javascript"},           {".css", "text/css"},
      {".json", "application/json"},         {".svg", "image/svg+xml"},
      {".png", "image/png"},                 {".ico", "image/x-icon"},
      {".map", "application/json"},          {".txt", "text/plain; charset=utf-8"}};
  const char *dot = strrchr(path, '.');
  for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++)
    if (strcmp(dot, types[i][0]) == 0) return types[i][1];
  return "application/octet-stream";
}

/* A file of the UI. Anything that could step outside the root is refused; what is not
 * there is a 404. */
static int http_static(ltc_web *w, struct lws *wsi, conn *c, const char *path) {
  if (path[0] != '/' || strstr(path, "..") || strchr(path, '\\') || strstr(path, "//"))
    return http_error(wsi, c, 403, "refused: the path leaves the web root");
  char want[PATH_MAX + 1100], real[PATH_MAX];
  if (snprintf(want, sizeof want, "%s%s%s", w->root, path,
               path[strlen(path) - 1] == '/' ? "index.html" : "") >= (int)sizeof want)
    return http_error(wsi, c, 404, "not found");
  struct stat st;
  if (!realpath(want, real) || stat(real, &st) < 0 || !S_ISREG(st.st_mode))
    return http_error(wsi, c, 404, "not found");
  size_t rl = strlen(w->root);
  if (strncmp(real, w->root, rl) != 0 || real[rl] != '/')
    return http_error(wsi, c, 403, "refused: the path leaves the web root");
  int rc = lws_serve_http_file(wsi, real, mime_of(real), NULL, 0);
  return rc < 0 ? -1 : 0;
}

/* ---- the protocol callback ---- */

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
      if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0)
        return http_error(wsi, c, 405, "only GET is served");
      if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0)
        return http_api(w, wsi, c, path);
      return http_static(w, wsi, c, path);
    }
    case LWS_CALLBACK_HTTP_WRITEABLE: return http_writable(wsi, c);
    case LWS_CALLBACK_HTTP_FILE_COMPLETION:
      return lws_http_transaction_completed(wsi) ? -1 : 0;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL: /* a reply never sent (a POST dropped) ends here */
      free(c->body);
      c->body = NULL;
      break;
    case LWS_CALLBACK_ESTABLISHED:
      c->wsi = wsi;
      c->client = ltc_hub_client_add(w->hub);
      if (!c->client) return -1;
      c->next = w->clients;
      w->clients = c;
      break;
    case LWS_CALLBACK_RECEIVE: return ws_receive(w, c, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE: return ws_writable(w, c);
    case LWS_CALLBACK_CLOSED:
      for (conn **p = &w->clients; *p; p = &(*p)->next)
        if (*p == c) {
          *p = c->next;
          break;
        }
      ltc_hub_client_remove(w->hub, c->client);
      backlog_free(c->backlog);
      c->backlog = NULL;
      while (c->out_head) {
        out_msg *m = c->out_head;
        c->out_head = m->next;
        free(m);
      }
      free(c->rx);
      break;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
      if (w) on_wake(w);
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

static void *run(void *arg) {
  ltc_web *w = arg;
  while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE))
    if (lws_service(w->ctx, 0) < 0) break;
  return NULL;
}

static void wake(void *user) { lws_cancel_service(((ltc_web *)user)->ctx); }

int ltc_web_start(const ltc_web_config *cfg, ltc_web **out, char *err, size_t errlen) {
  char host[64];
  const char *colon = strrchr(cfg->http, ':');
  char *end = NULL;
  long port = colon ? strtol(colon + 1, &end, 10) : -1;
  if (!colon || *end || port < 0 || port > 65535 || (size_t)(colon - cfg->http) >= sizeof host) {
    snprintf(err, errlen, "--http wants ADDRESS:PORT, not '%s'", cfg->http);
    return -EINVAL;
  }
  memcpy(host, cfg->http, (size_t)(colon - cfg->http));
  host[colon - cfg->http] = 0;
  ltc_web *w = calloc(1, sizeof *w);
  if (!w) return -ENOMEM;
  w->hub = cfg->hub;
  if (!realpath(cfg->root, w->root)) {
    snprintf(err, errlen, "the web UI's files are not at %s: %s", cfg->root, strerror(errno));
    free(w);
    return -ENOENT;
  }
  int rc = ltc_store_open_reader(cfg->db, &w->store, err, errlen);
  if (rc < 0) {
    free(w);
    return rc;
  }
  lws_set_log_level(LLL_ERR, NULL);
  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  info.port = (int)port;
  info.iface = host;
  info.protocols = protocols;
  info.pvo = &pvo;
  info.user = w;
  /* loopback means loopback: without this lws binds [::] even for 127.0.0.1 */
  info.options = LWS_SERVER_OPTION_DISABLE_IPV6 | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
  w->ctx = lws_create_context(&info);
  w->vhost = w->ctx ? lws_create_vhost(w->ctx, &info) : NULL;
  if (!w->vhost) {
    snprintf(err, errlen, "cannot listen on %s (in use, or not an address of this machine)",
             cfg->http);
    if (w->ctx) lws_context_destroy(w->ctx);
    ltc_store_close(w->store);
    free(w);
    return -EADDRINUSE;
  }
  ltc_hub_set_wake(w->hub, wake, w);
  if (pthread_create(&w->thread, NULL, run, w) != 0) {
    ltc_hub_set_wake(w->hub, NULL, NULL);
    lws_context_destroy(w->ctx);
    ltc_store_close(w->store);
    free(w);
    return -EAGAIN;
  }
  *out = w;
  return 0;
}

int ltc_web_port(const ltc_web *w) { return lws_get_vhost_listen_port(w->vhost); }

void ltc_web_stop(ltc_web *w) {
  if (!w) return;
  ltc_hub_set_wake(w->hub, NULL, NULL);
  __atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
  lws_cancel_service(w->ctx);
  pthread_join(w->thread, NULL);
  lws_context_destroy(w->ctx); /* closes every connection (their CLOSED callbacks run) */
  ltc_store_close(w->store);
  free(w);
}

/* ws.c: the websocket protocol looptrace.v1 (docs/api.md) on the web thread: requests read
 * and checked (request.c), reads handed to the query threads, writes and subscriptions to the
 * ingest thread through the hub, and what goes out to each client: replies, session rows, a subscription's
 * stored backlog a turn at a time, then its live records. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/args.h"
#include "api/event.h"
#include "api/jsonbuf.h"
#include "api/rows.h"
#include "ingest/ring.h"
#include "serve/request.h"
#include "serve/web-int.h"

/* Unlinks and frees a message not sent yet (prev: the one before it, NULL at the head). */
static ltc_web *web_of(const conn *c) { return lws_context_user(lws_get_context(c->wsi)); }

/* c's queue lost (or sent) a message of len bytes. */
static void sent(conn *c, size_t len) {
  c->out_bytes -= len;
  web_of(c)->out_total -= len;
}

static void drop_msg(conn *c, out_msg *prev, out_msg *m) {
  if (prev)
    prev->next = m->next;
  else
    c->out_head = m->next;
  if (c->out_tail == m) c->out_tail = prev;
  sent(c, m->len);
  free(m);
}

/* c reads too little to keep: closed on lws's next turn. */
static void give_up_on(conn *c) {
  if (c->closing) return;
  c->closing = true;
  lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* Queues text (taken) on a websocket client and asks lws for a chance to write it. A
 * `session` push replaces one of the same session still waiting (a client that reads
 * slowly gets each session's latest row, not every one since). What waits is bounded: a
 * client with more than LTC_WEB_MAX_OUTBOUND bytes waiting is disconnected, and when all of
 * them together have more than LTC_WEB_MAX_OUTBOUND_ALL, so is the one with most. */
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
  ltc_web *w = web_of(c);
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
    w->out_total += len;
  }
  free(text);
  if (c->out_bytes > LTC_WEB_MAX_OUTBOUND) give_up_on(c);
  while (w->out_total > LTC_WEB_MAX_OUTBOUND_ALL) {
    conn *most = NULL;
    for (conn *x = w->clients; x; x = x->next)
      if (!x->closing && (!most || x->out_bytes > most->out_bytes)) most = x;
    if (!most) break;
    give_up_on(most);
    while (most->out_head) drop_msg(most, NULL, most->out_head); /* let go of it now */
  }
  lws_callback_on_writable(c->wsi);
}

static void ws_send(conn *c, char *text) { ws_send_row(c, text, 0); }

/* {"type": TYPE, "session": N, RAW_NAME: RAW}; with no RAW_NAME, RAW is fields ("a":1,"b":2). */
static char *push_text(const char *type, int64_t session, const char *raw_name, const char *raw) {
  ltc_jsonbuf b = {0};
  ltc_jsonbuf_printf(&b, "{\"type\":\"%s\",\"session\":%lld", type, (long long)session);
  if (raw) {
    if (raw_name)
      ltc_jsonbuf_printf(&b, ",\"%s\":", raw_name);
    else
      ltc_jsonbuf_put(&b, ",", 1);
    ltc_jsonbuf_puts(&b, raw);
  }
  ltc_jsonbuf_put(&b, "}", 1);
  char *text = ltc_jsonbuf_text(&b) ? strdup(b.data) : NULL;
  ltc_jsonbuf_free(&b);
  return text;
}

/* An events push of r's records in the rows form (NULL without memory). */
static char *rows_push(int64_t session, const ltc_rows *r) {
  ltc_jsonbuf b = {0};
  char *text = ltc_rows_write(r, &b) == 0 && ltc_jsonbuf_text(&b)
                   ? push_text("events", session, NULL, b.data)
                   : NULL;
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
  ltc_jsonbuf b;             /* the message's records: an events array, or... */
  ltc_rows rows;             /* ...the rows form (the subscription asked for it) */
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
  if (k->sub->rows) {
    ws_send(k->c, rows_push(k->sub->session, &k->rows));
    ltc_rows_reset(&k->rows);
  } else {
    ltc_jsonbuf_put(&k->b, "]", 1);
    ws_send(k->c, push_text("events", k->sub->session, "events", ltc_jsonbuf_text(&k->b)));
    ltc_jsonbuf_free(&k->b);
  }
  k->in_message = 0;
}

static void backlog_event(void *user, const ltc_event *e) {
  backlog *k = user;
  if (!wanted(k, e)) return;
  k->total++;
  if (k->counting) return;
  ltc_event_text t;
  ltc_event_text_of(&k->resolve, e, &t);
  if (k->sub->rows) {
    ltc_rows_add(&k->rows, e, &t);
  } else {
    ltc_jsonbuf_put(&k->b, k->in_message ? "," : "[", 1);
    ltc_event_json(&k->b, e, &t);
  }
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
  ltc_rows_free(&k->rows);
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
  int rc = ltc_store_scan(w->store, k->sub->session, &q, NULL, NULL);
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
  ltc_err err = {0};
  int rc = ltc_store_scan(w->store, it->session, &q, NULL, &err);
  if (rc == 0 && k->total > LTC_WEB_MAX_BACKLOG)
    rc = ltc_fail(&err, -E2BIG,
                  "%zu stored records from seq %llu: more than %d; read them with 'events' and "
                  "subscribe from a later seq",
                  k->total, (unsigned long long)it->from_seq, LTC_WEB_MAX_BACKLOG);
  else if (rc == 0 && !(k->strings = ltc_store_strings(w->store, it->session)))
    rc = ltc_fail(&err, -ENOMEM, "out of memory");
  if (rc < 0) {
    ws_send(c, ltc_api_reply(it->request, NULL, &err));
    ltc_hub_cmd cmd = {.kind = LTC_CMD_UNSUBSCRIBE, .client = c->client, .request = -1,
                       .session = it->session, .internal = true};
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
  ws_send(c, ltc_api_reply(it->request, result, NULL));
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
    case LTC_ITEM_BATCH: { /* in the form its subscription asked for */
      ltc_hub_batch *b = it->batch;
      const char *text = it->rows ? ltc_hub_batch_rows(b) : ltc_hub_batch_json(b);
      if (text) ws_send(c, push_text("events", b->session, it->rows ? NULL : "events", text));
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

/* A write or a subscription, checked (request.c): handed to the ingest thread, which
 * replies. 0, or -ENOMEM. */
static int command(ltc_web *w, conn *c, ltc_hub_cmd *cmd, ltc_err *err) {
  cmd->client = c->client;
  if (cmd->kind == LTC_CMD_UNSUBSCRIBE && c->backlog &&
      c->backlog->sub->session == cmd->session) {
    backlog_free(c->backlog); /* what it had not sent yet is not wanted now */
    c->backlog = NULL;
  }
  if (ltc_hub_command(w->hub, cmd) < 0) return ltc_fail(err, -ENOMEM, "out of memory");
  return 0;
}

/* dump_ring {pid, signal?}: asks a process running the flight recorder for a dump, sent to
 * this daemon's ingest, which stores it as a session (its session push says when). */
static cJSON *dump_ring(ltc_web *w, const cJSON *msg, ltc_err *err) {
  int64_t pid;
  const cJSON *sig = cJSON_GetObjectItemCaseSensitive(msg, "signal");
  if (ltc_arg_whole(cJSON_GetObjectItemCaseSensitive(msg, "pid"), 1, 1 << 30, &pid) < 0) {
    ltc_fail(err, -EINVAL, "'pid' must be a process id");
    return NULL;
  }
  int signo = cJSON_IsString(sig) ? ltc_ring_signal(sig->valuestring) : sig ? 0 : SIGUSR2;
  if (!signo) {
    ltc_fail(err, -EINVAL, "'signal' is USR1, USR2 or a number");
    return NULL;
  }
  if (!w->ingest[0]) {
    ltc_fail(err, -ENOENT, "this daemon takes no streams");
    return NULL;
  }
  if (ltc_ring_request((int)pid, w->ingest, signo, err) < 0) return NULL;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "pid", (double)pid);
  cJSON_AddStringToObject(o, "to", w->ingest);
  return o;
}

/* A read (msg taken when it is handed on) for the query threads: its reply comes in
 * ltc_ws_answer. */
static int read_later(ltc_web *w, conn *c, const char *op, int64_t id, cJSON *msg,
                      ltc_err *err) {
  ltc_query_job *job = calloc(1, sizeof *job);
  if (!job || !(job->op = strdup(op))) {
    free(job);
    return ltc_fail(err, -ENOMEM, "out of memory");
  }
  job->owner = c->serial;
  job->request = id;
  job->args = msg;
  if (ltc_queries_submit(w->queries, job) == 0) return 0;
  job->args = NULL;
  ltc_query_job_free(job);
  return ltc_fail(err, -EAGAIN, "too many requests of this client at once (%d wait already)",
                  LTC_QUERIES_MAX_WAITING);
}

void ltc_ws_answer(ltc_web *w, ltc_query_job *job) {
  for (conn *c = w->clients; c; c = c->next)
    if (c->serial == job->owner) {
      ws_send(c, job->reply);
      job->reply = NULL; /* taken */
      return;
    }
}

/* One request: a read answered here, or a command handed on (whose reply the ingest thread
 * queues); anything wrong is answered at once. */
static void ws_message(ltc_web *w, conn *c, const char *text, size_t len) {
  ltc_err err = {0};
  ltc_request req;
  cJSON *result = NULL;
  int rc = ltc_request_parse(w->store, text, len, &req, &err);
  if (rc == 0 && req.kind == LTC_REQUEST_COMMAND)
    rc = command(w, c, &req.cmd, &err);
  else if (rc == 0 && req.kind == LTC_REQUEST_STATUS)
    result = ltc_web_status(w);
  else if (rc == 0 && req.kind == LTC_REQUEST_DUMP_RING)
    rc = (result = dump_ring(w, req.msg, &err)) ? 0 : err.code ? err.code : -EINVAL;
  else if (rc == 0 && (rc = read_later(w, c, req.op, req.id, req.msg, &err)) == 0)
    req.msg = NULL; /* taken: the reply comes from a query thread */
  if (result || rc < 0) ws_send(c, ltc_api_reply(req.id, result, &err));
  cJSON_Delete(req.msg);
}

int ltc_ws_receive(ltc_web *w, conn *c, const void *in, size_t len) {
  bool last = lws_is_final_fragment(c->wsi) && lws_remaining_packet_payload(c->wsi) == 0;
  if (lws_frame_is_binary(c->wsi)) c->rx_refused = true;
  if (!c->rx_refused && c->rx_len + len > LTC_WEB_MAX_MESSAGE) {
    c->rx_refused = true;
    ltc_err err;
    ltc_fail(&err, -E2BIG, "message too large: at most %d bytes", LTC_WEB_MAX_MESSAGE);
    ws_send(c, ltc_api_reply(-1, NULL, &err));
  }
  if (!c->rx_refused) {
    char *n = realloc(c->rx, c->rx_len + len + 1);
    if (!n) return -1;
    c->rx = n;
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;
  }
  if (!last) return 0;
  if (!c->rx_refused) {
    ws_message(w, c, c->rx, c->rx_len);
  } else if (lws_frame_is_binary(c->wsi)) {
    ltc_err err;
    ltc_fail(&err, -EINVAL, "messages are JSON text, not binary");
    ws_send(c, ltc_api_reply(-1, NULL, &err));
  }
  free(c->rx);
  c->rx = NULL;
  c->rx_len = 0;
  c->rx_refused = false;
  return 0;
}

int ltc_ws_writable(ltc_web *w, conn *c) {
  if (!c->out_head && c->backlog) backlog_turn(w, c);
  if (!c->out_head && !c->backlog) pull(w, c);
  out_msg *m = c->out_head;
  if (!m) {
    if (c->backlog) lws_callback_on_writable(c->wsi); /* a turn that found nothing to send */
    return 0;
  }
  c->out_head = m->next;
  if (!c->out_head) c->out_tail = NULL;
  sent(c, m->len);
  int n = lws_write(c->wsi, m->data + LWS_PRE, m->len, LWS_WRITE_TEXT);
  free(m);
  if (n < 0) return -1;
  lws_callback_on_writable(c->wsi); /* more may wait, here or in the hub */
  return 0;
}

int ltc_ws_established(ltc_web *w, conn *c) {
  c->client = ltc_hub_client_add(w->hub);
  if (!c->client) return -1;
  c->next = w->clients;
  w->clients = c;
  return 0;
}

void ltc_ws_closed(ltc_web *w, conn *c) {
  for (conn **p = &w->clients; *p; p = &(*p)->next)
    if (*p == c) {
      *p = c->next;
      break;
    }
  ltc_hub_client_remove(w->hub, c->client);
  ltc_queries_forget(w->queries, c->serial);
  backlog_free(c->backlog);
  c->backlog = NULL;
  while (c->out_head) drop_msg(c, NULL, c->out_head);
  free(c->rx);
  c->rx = NULL;
}

/* The ingest thread queued something: session changes go to every client; each client then
 * gets a chance to write what waits for it. */
void ltc_ws_wake(ltc_web *w) {
  int64_t ids[256];
  size_t n;
  while ((n = ltc_hub_take_changed(w->hub, ids, 256)) > 0)
    for (size_t i = 0; i < n; i++) {
      ltc_session_row row;
      char *raw = NULL;
      const char *type = "session_deleted";
      if (ltc_store_session_row(w->store, ids[i], &row, NULL) == 0) {
        if (strcmp(row.status, "live") != 0) ltc_queries_warm(w->queries, ids[i]);
        cJSON *o = ltc_session_json(&row);
        raw = ltc_json_print(o);
        cJSON_Delete(o);
        type = "session";
      }
      for (conn *c = w->clients; c; c = c->next)
        ws_send_row(c, push_text(type, ids[i], "row", raw), raw ? ids[i] : 0);
      free(raw);
    }
  for (conn *c = w->clients; c; c = c->next) lws_callback_on_writable(c->wsi);
}

/* hub.h: where the daemon's two threads meet. The ingest thread (the only SQLite writer)
 * publishes live records and session changes; the web thread (libwebsockets) hands it
 * commands (subscribe, unsubscribe, label, delete) and takes from each websocket client's
 * queue what to send. Every queue is bounded: a client that falls behind loses its live
 * subscription and is told to resync from the database; ingest never waits for a client.
 * One mutex guards it all; nothing slow happens while it is held. */
#ifndef LTC_HUB_H
#define LTC_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/event.h"
#include "wire/reader.h"

typedef struct ltc_hub ltc_hub;

/* Live records the ingest thread copied from one session's stream: refcounted, shared by
 * every subscriber's queue. json is made by the web thread, once, when first sent. */
typedef struct ltc_hub_batch {
  int refs;
  int64_t session;
  size_t n, cap;
  ltc_event *ev;      /* text unset; see texts */
  ltc_event_text *tx; /* per record: where its text is in arena (see hub.c) */
  char *arena;
  size_t arena_len, arena_cap;
  char *json; /* the records as a JSON array, once encoded */
  char *rows; /* ...and in the rows form (api/rows.h), its push's fields */
} ltc_hub_batch;

/* What a client's queue holds, in order. */
typedef enum ltc_hub_item_kind {
  LTC_ITEM_TEXT,       /* a message ready to send (a reply) */
  LTC_ITEM_BATCH,      /* live records */
  LTC_ITEM_SUBSCRIBED, /* a subscription began: send the stored backlog first */
  LTC_ITEM_RESYNC,     /* the client fell behind: its subscription ended */
} ltc_hub_item_kind;

typedef struct ltc_hub_item {
  ltc_hub_item_kind kind;
  struct ltc_hub_item *next;
  char *text;            /* TEXT */
  ltc_hub_batch *batch;  /* BATCH */
  int64_t session;       /* SUBSCRIBED, RESYNC */
  int64_t request;       /* SUBSCRIBED: the request's id */
  uint64_t from_seq;     /* SUBSCRIBED: backlog from this seq on every track... */
  int64_t from_ts;       /* ...and this time on... */
  bool live;             /* ...up to until[i] on tracks[i] when the session is live (else all */
  uint32_t ntracks;      /* stored); a track not listed comes all live */
  uint32_t *tracks;      /* malloc'd, freed with the item */
  uint64_t *until;
  bool rows;             /* SUBSCRIBED, BATCH: the records in the rows form (api/rows.h) */
} ltc_hub_item;

/* Commands, web thread to ingest thread. */
typedef enum ltc_hub_cmd_kind {
  LTC_CMD_SUBSCRIBE,
  LTC_CMD_UNSUBSCRIBE,
  LTC_CMD_LABEL,
  LTC_CMD_DELETE,
} ltc_hub_cmd_kind;

typedef struct ltc_hub_cmd {
  ltc_hub_cmd_kind kind;
  uint64_t client;
  int64_t request, session; /* request: its id (-1: it had none; it is answered all the same) */
  bool internal;            /* the web thread's own (no client asked): not answered */
  uint64_t from_seq;
  int64_t from_ts; /* INT64_MIN: from the start */
  bool rows;       /* subscribe: the records in the rows form */
  char *label;
  struct ltc_hub_cmd *next;
} ltc_hub_cmd;

/* What the daemon says of itself (GET /api/status): set by the ingest thread, read by the
 * web thread. The refusals are counted since the daemon started. */
#define LTC_REFUSAL_MAP(XX)                                                                    \
  XX(OTHER_USER, "other_user")       /* a producer of another local user */                    \
  XX(TOO_MANY, "too_many")           /* connections beyond --max-connections */                \
  XX(NO_HELLO, "no_hello")           /* no hello within --hello-timeout */                     \
  XX(CORRUPT, "corrupt")             /* a stream that stopped making sense (or a chunk over */ \
                                     /* --max-chunk): its valid prefix is kept */              \
  XX(BUFFERS_FULL, "buffers_full")   /* the connection held most when all held too much */     \
  XX(STORE_FAILED, "store_failed")   /* its session could not be begun */
typedef enum ltc_refusal {
#define LTC__REFUSAL(name, text) LTC_REFUSED_##name,
  LTC_REFUSAL_MAP(LTC__REFUSAL)
#undef LTC__REFUSAL
  LTC_REFUSED_COUNT
} ltc_refusal;

typedef struct ltc_hub_status {
  bool store_ok;          /* the last commit succeeded */
  char store_error[512];  /* why it did not */
  int64_t store_since_ns; /* since when (CLOCK_MONOTONIC) it has not */
  uint64_t waiting;       /* records taken in and not yet stored */
  uint64_t connections;   /* producers connected now */
  uint64_t buffered;      /* bytes held of unfinished chunks, over all connections */
  uint64_t refused[LTC_REFUSED_COUNT];
} ltc_hub_status;

/* The ingest thread's status (copied), and a push of the store's state to every client
 * when it changes. */
void ltc_hub_set_status(ltc_hub *h, const ltc_hub_status *st);
void ltc_hub_get_status(ltc_hub *h, ltc_hub_status *st);
/* Queues text (taken) for every client. */
void ltc_hub_broadcast(ltc_hub *h, char *text);

/* wake is called (from the ingest thread) after anything was queued for the web thread. */
ltc_hub *ltc_hub_new(void (*wake)(void *user), void *user, size_t client_max_records);
void ltc_hub_free(ltc_hub *h);
void ltc_hub_set_wake(ltc_hub *h, void (*wake)(void *user), void *user);
/* An eventfd that is readable while commands wait for the ingest thread. */
int ltc_hub_command_fd(ltc_hub *h);

/* ---- the web thread ---- */
uint64_t ltc_hub_client_add(ltc_hub *h);
void ltc_hub_client_remove(ltc_hub *h, uint64_t client);
/* Queues a command for the ingest thread (label copied). 0 or -ENOMEM. */
int ltc_hub_command(ltc_hub *h, const ltc_hub_cmd *cmd);
/* The client's next item (the caller frees it with ltc_hub_item_free), or NULL. */
ltc_hub_item *ltc_hub_take(ltc_hub *h, uint64_t client);
/* Sessions whose rows changed since the last call (deleted ones too): up to max ids. */
size_t ltc_hub_take_changed(ltc_hub *h, int64_t *ids, size_t max);
void ltc_hub_item_free(ltc_hub_item *it);
void ltc_hub_batch_unref(ltc_hub_batch *b);

/* ---- the ingest thread ---- */
/* The next command, or NULL; the caller frees it with ltc_hub_cmd_free. */
ltc_hub_cmd *ltc_hub_next_command(ltc_hub *h);
void ltc_hub_cmd_free(ltc_hub_cmd *c);
/* True when some client subscribes to session: only then are its records copied. */
bool ltc_hub_watched(ltc_hub *h, int64_t session);
/* Adds (or, with on false, removes) a subscription and queues item for the client first. */
void ltc_hub_subscribe(ltc_hub *h, uint64_t client, int64_t session, bool on, ltc_hub_item *item);
/* Queues a reply's text for one client (takes text). */
void ltc_hub_reply(ltc_hub *h, uint64_t client, char *text);
/* Gives a batch to every subscriber of its session (takes the caller's reference). */
void ltc_hub_publish(ltc_hub *h, ltc_hub_batch *b);
void ltc_hub_changed(ltc_hub *h, int64_t session);
/* Wakes the web thread if anything was queued since the last call. */
void ltc_hub_flush(ltc_hub *h);

/* Batches: a new one for session, and one record appended (text copied). */
ltc_hub_batch *ltc_hub_batch_new(int64_t session);
int ltc_hub_batch_add(ltc_hub_batch *b, const ltc_event *e, const ltc_event_text *t);
/* The batch's records as a JSON array of event objects (made once; web thread only). */
const char *ltc_hub_batch_json(ltc_hub_batch *b);
/* ...and in the rows form, as a push's `"shapes":[...],"rows":[...]` (made once). */
const char *ltc_hub_batch_rows(ltc_hub_batch *b);

#endif

/* producers.h: the daemon's producers, the programs streaming to it: one connection each,
 * accepted, read and stored on the ingest thread (an ltc_stream each), within bounds (how
 * many at once, how soon a hello, how large a chunk, how much held over all of them), each
 * refusal counted; and what a live subscription needs of them: every track's next record. */
#ifndef LTC_PRODUCERS_H
#define LTC_PRODUCERS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "ingest/listen.h"
#include "serve/hub.h"
#include "store/store.h"

typedef struct ltc_producers ltc_producers;

typedef struct ltc_producers_config {
  ltc_store *store;
  ltc_hub *hub;
  int ep;                  /* the ingest thread's epoll: connections are watched there... */
  uint64_t tag;            /* ...with data.u64 = tag | (connection pointer) << 8 */
  bool allow_remote;       /* producers on other machines (a TCP ingest beyond loopback) */
  size_t max_connections;
  int64_t hello_timeout_ns;
  uint32_t max_chunk;
  uint64_t max_buffered;
} ltc_producers_config;

ltc_producers *ltc_producers_new(const ltc_producers_config *cfg);
/* Accepts every connection waiting on l. */
void ltc_producers_accept(ltc_producers *p, const ltc_listener *l);
/* Reads what connection c (from the epoll event's data) sent. */
void ltc_producers_read(ltc_producers *p, void *c);
/* Once per commit: connections past their hello's time are closed, and sessions whose counts
 * moved are pushed to browsers. */
void ltc_producers_tick(ltc_producers *p, int64_t now_ns);
/* Stops (paused) or resumes reading every connection: while the store cannot commit, what
 * programs send waits in their sockets (a program in block mode waits; one in drop mode drops
 * and counts), so that nothing taken in is lost. */
void ltc_producers_pause(ltc_producers *p, bool paused);
/* A subscription to session begins: item (a SUBSCRIBED one) gets, when the session is live,
 * every track's next sequence number, where its stored backlog ends. 0 or -ENOMEM. */
int ltc_producers_mark_live(ltc_producers *p, int64_t session, ltc_hub_item *item, ltc_err *err);
/* Connections now, bytes held of unfinished chunks, refusals so far. */
void ltc_producers_status(const ltc_producers *p, ltc_hub_status *st);
/* Sessions stored complete (or otherwise ended) so far. */
uint64_t ltc_producers_stored(const ltc_producers *p);
/* Ends every stream still running as interrupted (the daemon stops); how many there were. */
int ltc_producers_interrupt_all(ltc_producers *p);
void ltc_producers_free(ltc_producers *p);

#endif

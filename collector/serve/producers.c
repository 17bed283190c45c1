/* producers.c: see producers.h. Connections are named by pointer in the epoll's data; each
 * keeps its stream, the session it writes and every track's next sequence number. */
#define _GNU_SOURCE
#include "serve/producers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/event.h"
#include "base/clock.h"
#include "base/peer.h"
#include "ingest/stream.h"

/* A track's next sequence number: where a new subscriber's backlog ends on it. */
typedef struct track_seq {
  uint32_t track;
  uint64_t next_seq;
} track_seq;

typedef struct conn {
  int fd;
  ltc_stream *stream;
  int64_t session;
  int64_t accepted_ns;
  uint64_t pending;     /* bytes its stream holds of an unfinished chunk */
  uint64_t pushed;      /* records when its session row was last pushed */
  ltc_hub_batch *batch; /* records of this read, while a client subscribes */
  track_seq *tracks;    /* every track the stream has, in the order they came */
  uint32_t ntracks, captracks;
  bool oom;             /* a track could not be noted: subscribers are told it failed */
} conn;

struct ltc_producers {
  ltc_producers_config cfg;
  uint64_t logged[LTC_REFUSED_COUNT]; /* the refusals the log has told of */
  int64_t logged_ns;
  conn **conns;
  size_t n;
  uint64_t buffered; /* the sum of every connection's pending */
  uint64_t stored;
  uint64_t refused[LTC_REFUSED_COUNT];
  bool paused;
  uint8_t buf[1 << 16];
};

ltc_producers *ltc_producers_new(const ltc_producers_config *cfg) {
  ltc_producers *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->cfg = *cfg;
  p->conns = calloc(cfg->max_connections ? cfg->max_connections : 1, sizeof *p->conns);
  if (!p->conns) {
    free(p);
    return NULL;
  }
  return p;
}

static void watch(ltc_producers *p, conn *c, int op) {
  struct epoll_event ev = {.events = p->paused ? 0 : EPOLLIN};
  ev.data.u64 = p->cfg.tag | (uint64_t)(uintptr_t)c << 8;
  epoll_ctl(p->cfg.ep, op, c->fd, &ev);
}

/* ---- the live fan-out ---- */

static track_seq *track_of(conn *c, uint32_t track) {
  for (uint32_t i = c->ntracks; i-- > 0;) /* the newest tracks are the busiest */
    if (c->tracks[i].track == track) return &c->tracks[i];
  if (c->ntracks == c->captracks) {
    uint32_t cap = c->captracks ? c->captracks * 2 : 8;
    track_seq *n = realloc(c->tracks, cap * sizeof *n);
    if (!n) return NULL;
    c->tracks = n;
    c->captracks = cap;
  }
  c->tracks[c->ntracks] = (track_seq){track, 0};
  return &c->tracks[c->ntracks++];
}

/* Every stored record passes here: its track's next seq is noted, and while a client
 * subscribes to the session it is copied into this read's batch. */
static void observe(void *user, const ltc_event *e, const ltc_reader *r) {
  conn *c = user;
  track_seq *t = track_of(c, e->track);
  if (t)
    t->next_seq = e->seq + 1;
  else
    c->oom = true;
  if (!c->batch || ltc_kind_defines(e->kind)) return;
  ltc_resolver res = ltc_resolver_of_reader(r);
  ltc_event_text text;
  ltc_event_text_of(&res, e, &text);
  if (ltc_hub_batch_add(c->batch, e, &text) < 0) {
    /* out of memory: the client will see a gap; say so by ending its subscription */
    ltc_hub_batch_unref(c->batch);
    c->batch = NULL;
  }
}

int ltc_producers_mark_live(ltc_producers *p, int64_t session, ltc_hub_item *it, ltc_err *err) {
  for (size_t k = 0; k < p->n; k++) {
    conn *c = p->conns[k];
    if (c->session != session) continue;
    if (c->oom)
      return ltc_fail(err, -ENOMEM, "out of memory following session %lld live",
                      (long long)session);
    it->live = true;
    it->ntracks = c->ntracks;
    it->tracks = malloc((c->ntracks + 1) * sizeof *it->tracks);
    it->until = malloc((c->ntracks + 1) * sizeof *it->until);
    if (!it->tracks || !it->until) return ltc_fail(err, -ENOMEM, "out of memory");
    for (uint32_t i = 0; i < c->ntracks; i++) {
      it->tracks[i] = c->tracks[i].track;
      it->until[i] = c->tracks[i].next_seq;
    }
  }
  return 0;
}

/* ---- connections ---- */

/* Removes c (at index k) and ends its stream: as it ended, or abandoned for why. */
static void drop(ltc_producers *p, size_t k, const char *why) {
  conn *c = p->conns[k];
  p->conns[k] = p->conns[--p->n];
  p->buffered -= c->pending;
  ltc_stream_result res;
  ltc_err err = {0};
  int rc = why ? ltc_stream_abandon(c->stream, why, &res, &err)
               : ltc_stream_finish(c->stream, false, &res, &err);
  if (rc < 0) fprintf(stderr, "looptrace serve: storing: %s\n", err.msg);
  if (!why && strncmp(res.error, "corrupt", 7) == 0) p->refused[LTC_REFUSED_CORRUPT]++;
  if (res.session) {
    p->stored++;
    ltc_hub_changed(p->cfg.hub, res.session);
  }
  close(c->fd); /* closing removes it from epoll */
  free(c->tracks);
  free(c);
}

static size_t index_of(const ltc_producers *p, const conn *c) {
  size_t k = 0;
  while (k < p->n && p->conns[k] != c) k++;
  return k;
}

/* Makes room for one more at the limit: the connection that has waited longest for its hello
 * goes (a flood of silent connections cannot lock real programs out); false when every
 * connection has sent its hello. */
static bool make_room(ltc_producers *p) {
  size_t oldest = p->n;
  for (size_t k = 0; k < p->n; k++)
    if (!p->conns[k]->session &&
        (oldest == p->n || p->conns[k]->accepted_ns < p->conns[oldest]->accepted_ns))
      oldest = k;
  if (oldest == p->n) return false;
  p->refused[LTC_REFUSED_NO_HELLO]++;
  drop(p, oldest, "the collector was full and this connection had sent no hello");
  return true;
}

void ltc_producers_accept(ltc_producers *p, const ltc_listener *l) {
  int fd;
  while ((fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
    /* A producer of another local user is refused: streams go into this user's database,
     * and the user would read them as their own. */
    if (!ltc_peer_allowed(fd, p->cfg.allow_remote)) {
      p->refused[LTC_REFUSED_OTHER_USER]++;
      close(fd); /* the program says once that it goes on untraced */
      continue;
    }
    if (p->n == p->cfg.max_connections && !make_room(p)) {
      p->refused[LTC_REFUSED_TOO_MANY]++;
      close(fd);
      continue;
    }
    conn *c = calloc(1, sizeof *c);
    if (c) c->stream = ltc_stream_new(p->cfg.store, NULL);
    if (!c || !c->stream) {
      free(c);
      close(fd);
      continue;
    }
    ltc_stream_observe(c->stream, observe, c);
    ltc_stream_set_max_chunk(c->stream, p->cfg.max_chunk);
    c->fd = fd;
    c->accepted_ns = ltc_now_ns();
    p->conns[p->n++] = c;
    watch(p, c, EPOLL_CTL_ADD);
  }
}

/* After a read: when every connection together holds more than the bound of unfinished
 * chunks, the one that holds most goes (a program's chunks are small and soon whole; one that
 * holds a large unfinished one is the likely culprit). */
static void within_buffers(ltc_producers *p) {
  while (p->buffered > p->cfg.max_buffered && p->n) {
    size_t most = 0;
    for (size_t k = 1; k < p->n; k++)
      if (p->conns[k]->pending > p->conns[most]->pending) most = k;
    p->refused[LTC_REFUSED_BUFFERS_FULL]++;
    drop(p, most, "the collector's buffers were full, and this stream held most of them");
  }
}

void ltc_producers_read(ltc_producers *p, void *cp) {
  conn *c = cp;
  /* one epoll batch can name a connection that a read before it in the batch dropped (the
   * buffers bound drops the one holding most, ASan caught it): compared, not dereferenced */
  if (index_of(p, c) == p->n) return;
  ssize_t got = read(c->fd, p->buf, sizeof p->buf);
  if (got < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (c->session && ltc_hub_watched(p->cfg.hub, c->session))
    c->batch = ltc_hub_batch_new(c->session);
  ltc_err err = {0};
  int rc = got > 0 ? ltc_stream_feed(c->stream, p->buf, (size_t)got, &err) : 0;
  if (c->batch) {
    if (c->batch->n)
      ltc_hub_publish(p->cfg.hub, c->batch);
    else
      ltc_hub_batch_unref(c->batch);
    c->batch = NULL;
  }
  if (!c->session && (c->session = ltc_stream_session(c->stream)))
    ltc_hub_changed(p->cfg.hub, c->session); /* a new session: browsers list it at once */
  uint64_t pending = ltc_stream_pending(c->stream);
  p->buffered = p->buffered - c->pending + pending;
  c->pending = pending;
  if (got > 0 && rc == 0 && !ltc_stream_corrupt(c->stream)) {
    within_buffers(p);
    return;
  }
  /* the program ended its stream (or died), it stopped making sense, or storing failed: this
   * session is done (what a corrupt stream would send after is not read) */
  if (rc < 0) {
    fprintf(stderr, "looptrace serve: storing: %s\n", err.msg);
    if (!c->session) p->refused[LTC_REFUSED_STORE_FAILED]++;
  }
  drop(p, index_of(p, c), NULL);
}

/* Refusals since the last line, in one line to stderr at most every 10 s. */
static void log_refusals(ltc_producers *p, int64_t now) {
  static const char *const names[] = {
#define LTC__REFUSAL(name, text) text,
      LTC_REFUSAL_MAP(LTC__REFUSAL)
#undef LTC__REFUSAL
  };
  if (now - p->logged_ns < 10000000000LL || !memcmp(p->logged, p->refused, sizeof p->logged))
    return;
  char line[512];
  size_t n = 0;
  for (int i = 0; i < LTC_REFUSED_COUNT && n < sizeof line; i++)
    if (p->refused[i] != p->logged[i])
      n += (size_t)snprintf(line + n, sizeof line - n, " %s %llu", names[i],
                            (unsigned long long)(p->refused[i] - p->logged[i]));
  fprintf(stderr, "looptrace serve: producers refused or ended:%s (GET /api/status)\n", line);
  memcpy(p->logged, p->refused, sizeof p->logged);
  p->logged_ns = now;
}

void ltc_producers_tick(ltc_producers *p, int64_t now) {
  log_refusals(p, now);
  for (size_t k = 0; k < p->n;) {
    conn *c = p->conns[k];
    if (!c->session && now - c->accepted_ns > p->cfg.hello_timeout_ns) {
      p->refused[LTC_REFUSED_NO_HELLO]++;
      drop(p, k, "no hello came in time (--hello-timeout)");
      continue;
    }
    uint64_t events = ltc_stream_events(c->stream);
    if (c->session && events != c->pushed) { /* counts and times moved: browsers see it */
      ltc_hub_changed(p->cfg.hub, c->session);
      c->pushed = events;
    }
    k++;
  }
}

void ltc_producers_pause(ltc_producers *p, bool paused) {
  if (p->paused == paused) return;
  p->paused = paused;
  for (size_t k = 0; k < p->n; k++) watch(p, p->conns[k], EPOLL_CTL_MOD);
}

void ltc_producers_status(const ltc_producers *p, ltc_hub_status *st) {
  st->connections = p->n;
  st->buffered = p->buffered;
  memcpy(st->refused, p->refused, sizeof st->refused);
}

uint64_t ltc_producers_stored(const ltc_producers *p) { return p->stored; }

int ltc_producers_interrupt_all(ltc_producers *p) {
  int interrupted = 0;
  while (p->n) {
    conn *c = p->conns[--p->n];
    ltc_stream_result res;
    ltc_stream_finish(c->stream, true, &res, NULL);
    if (res.session) interrupted++;
    close(c->fd);
    free(c->tracks);
    free(c);
  }
  return interrupted;
}

void ltc_producers_free(ltc_producers *p) {
  if (!p) return;
  ltc_producers_interrupt_all(p);
  free(p->conns);
  free(p);
}

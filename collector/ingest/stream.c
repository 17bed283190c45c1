/* stream.c: a producer's stream into the store (see stream.h). */
#include "ingest/stream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ltc_stream {
  ltc_store *store;
  ltc_reader *r;
  char *label;
  int64_t session;
  const char *abandoned; /* why the collector ended it (ltc_stream_abandon), or NULL */
  int err;     /* the store failed (the stream is dead): what it said is in why */
  ltc_err why;
  bool corrupt;
  void (*observe)(void *user, const ltc_event *e, const ltc_reader *r);
  void *observe_user;
};

static void on_hello(void *user, const ltc_hello *h) {
  ltc_stream *s = user;
  if (s->err == 0) s->err = ltc_store_session_begin(s->store, h, s->label, &s->session, &s->why);
}

static void on_event(void *user, const ltc_event *e) {
  ltc_stream *s = user;
  if (s->err == 0 && s->session) {
    s->err = ltc_store_session_event(s->store, s->session, e, s->r, &s->why);
    if (s->err == 0 && s->observe) s->observe(s->observe_user, e, s->r);
  }
}

void ltc_stream_observe(ltc_stream *s,
                        void (*fn)(void *user, const ltc_event *e, const ltc_reader *r),
                        void *user) {
  s->observe = fn;
  s->observe_user = user;
}

int64_t ltc_stream_session(const ltc_stream *s) { return s->session; }
uint64_t ltc_stream_events(const ltc_stream *s) { return ltc_reader_events(s->r); }
bool ltc_stream_corrupt(const ltc_stream *s) { return s->corrupt; }
uint64_t ltc_stream_pending(const ltc_stream *s) { return ltc_reader_pending(s->r); }
void ltc_stream_set_max_chunk(ltc_stream *s, uint32_t bytes) {
  ltc_reader_set_max_chunk(s->r, bytes);
}

ltc_stream *ltc_stream_new(ltc_store *store, const char *label) {
  ltc_stream *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->store = store;
  s->label = label ? strdup(label) : NULL;
  ltc_reader_callbacks cb = {on_hello, on_event, s};
  s->r = ltc_reader_new(&cb);
  if (!s->r || (label && !s->label)) {
    ltc_reader_free(s->r);
    free(s->label);
    free(s);
    return NULL;
  }
  return s;
}

int ltc_stream_feed(ltc_stream *s, const void *buf, size_t n, ltc_err *err) {
  if (!s->corrupt && s->err == 0) {
    int rc = ltc_reader_feed(s->r, buf, n);
    if (rc == -EPROTO) s->corrupt = true;
    if (rc == -ENOMEM && s->err == 0) s->err = ltc_fail(&s->why, rc, "decoding: out of memory");
  }
  if (s->err && err) *err = s->why;
  return s->err;
}

int ltc_stream_finish(ltc_stream *s, bool interrupted, ltc_stream_result *res, ltc_err *err) {
  memset(res, 0, sizeof *res);
  ltc_stream_status st = ltc_reader_finish(s->r);
  res->session = s->session;
  res->events = ltc_reader_events(s->r);
  res->lost = ltc_reader_lost(s->r);
  if (ltc_reader_saw_end(s->r)) res->events--; /* the END record is not stored */
  if (s->abandoned) {
    res->status = "truncated";
    snprintf(res->error, sizeof res->error, "%s", s->abandoned);
  } else if (st == LTC_STREAM_CLEAN) {
    res->status = "complete";
  } else if (st == LTC_STREAM_CORRUPT) {
    res->status = "truncated";
    snprintf(res->error, sizeof res->error, "corrupt at byte %llu: %s",
             (unsigned long long)ltc_reader_error_offset(s->r), ltc_reader_error(s->r));
  } else if (interrupted) {
    res->status = "interrupted";
    snprintf(res->error, sizeof res->error, "the collector stopped while the program ran");
  } else if (ltc_reader_pending(s->r) == 0) {
    /* Ended between two chunks without its END: the program stopped without finishing. */
    res->status = "aborted";
    snprintf(res->error, sizeof res->error, "the stream ended without its end record");
  } else {
    res->status = "truncated";
    snprintf(res->error, sizeof res->error, "the stream was cut inside a chunk at byte %llu",
             (unsigned long long)(ltc_reader_offset(s->r) + ltc_reader_pending(s->r)));
  }
  int rc = s->err;
  if (rc < 0 && err) *err = s->why;
  if (rc == 0 && s->session)
    rc = ltc_store_session_end(s->store, s->session, res->status, res->lost, res->error, err);
  ltc_reader_free(s->r);
  free(s->label);
  free(s);
  return rc;
}

int ltc_stream_abandon(ltc_stream *s, const char *why, ltc_stream_result *res, ltc_err *err) {
  s->abandoned = why;
  return ltc_stream_finish(s, false, res, err);
}

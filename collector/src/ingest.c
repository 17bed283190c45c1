/* ingest.c: a trace stream from an fd into the store (see ingest.h). */
#include "ingest.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wire_reader.h"

#define COMMIT_EVERY_NS 100000000 /* what a browser was shown is on disk moments later */

typedef struct ingest {
  ltc_store *store;
  ltc_reader *r;
  const char *label;
  int64_t session;
  int err;
} ingest;

static void on_hello(void *user, const ltc_hello *h) {
  ingest *in = user;
  if (in->err == 0) in->err = ltc_store_session_begin(in->store, h, in->label, &in->session);
}

static void on_event(void *user, const ltc_event *e) {
  ingest *in = user;
  if (in->err == 0 && in->session)
    in->err = ltc_store_session_event(in->store, in->session, e, in->r);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int ltc_ingest_fd(ltc_store *store, int fd, const char *label, ltc_ingest_result *res) {
  memset(res, 0, sizeof *res);
  ingest in = {.store = store, .label = label};
  ltc_reader_callbacks cb = {on_hello, on_event, &in};
  in.r = ltc_reader_new(&cb);
  if (!in.r) return -ENOMEM;
  static uint8_t buf[1 << 16];
  int64_t last_commit = now_ns();
  bool corrupt = false;
  for (;;) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int ready = poll(&p, 1, 100);
    if (ready < 0 && errno != EINTR) break;
    if (ready > 0) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      /* A corrupt stream keeps its valid prefix; the rest is read and ignored to its end. */
      if (!corrupt && ltc_reader_feed(in.r, buf, (size_t)n) == -EPROTO) corrupt = true;
    }
    if (in.err) break;
    if (now_ns() - last_commit >= COMMIT_EVERY_NS) {
      in.err = ltc_store_commit(store);
      last_commit = now_ns();
    }
  }
  ltc_stream_status st = ltc_reader_finish(in.r);
  res->session = in.session;
  res->events = ltc_reader_events(in.r);
  res->lost = ltc_reader_lost(in.r);
  if (st == LTC_STREAM_CLEAN) {
    res->status = "complete";
    res->events--; /* the END record ends the stream; it is not stored */
  } else if (st == LTC_STREAM_CORRUPT) {
    res->status = "truncated";
    snprintf(res->error, sizeof res->error, "corrupt at byte %llu: %s",
             (unsigned long long)ltc_reader_error_offset(in.r), ltc_reader_error(in.r));
  } else if (ltc_reader_pending(in.r) == 0) {
    /* Ended between two chunks without its END: the program stopped without finishing. */
    res->status = "aborted";
    snprintf(res->error, sizeof res->error, "the stream ended without its end record");
  } else {
    res->status = "truncated";
    snprintf(res->error, sizeof res->error, "the stream was cut inside a chunk at byte %llu",
             (unsigned long long)(ltc_reader_offset(in.r) + ltc_reader_pending(in.r)));
  }
  int rc = in.err;
  if (rc == 0 && in.session)
    rc = ltc_store_session_end(store, in.session, res->status, res->lost, res->error);
  ltc_reader_free(in.r);
  return rc;
}

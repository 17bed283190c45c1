/* fuzz_decode.c: the stream decoder (wire/reader.c) over any bytes, fed whole and then in
 * pieces the input itself chooses (one byte to all of it): it must never crash, overflow or
 * leak, and the two feeds must agree exactly: the same hello, records, status, error offset
 * and counts, as a socket may cut a stream anywhere. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "wire/reader.h"

/* What a feed delivered, folded into a hash (and counted). */
typedef struct digest {
  uint64_t h, hellos, events;
  ltc_reader *r;
} digest;

static void mix(digest *d, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) d->h = (d->h ^ b[i]) * 1099511628211ull;
}

static void mix_str(digest *d, const char *s) {
  if (s) mix(d, s, strlen(s) + 1);
  else mix(d, "\xff", 1);
}

static void on_hello(void *user, const ltc_hello *h) {
  digest *d = user;
  d->hellos++;
  mix(d, &h->version, sizeof h->version);
  mix(d, &h->pid, sizeof h->pid);
  mix(d, &h->clock, sizeof h->clock);
  mix(d, &h->wall_start_ns, sizeof h->wall_start_ns);
  mix(d, &h->mono_start_ns, sizeof h->mono_start_ns);
  mix_str(d, h->program);
  mix_str(d, h->label);
  for (uint32_t i = 0; i < h->argc; i++) mix_str(d, h->argv[i]);
  mix(d, &h->shuffled, sizeof h->shuffled);
  mix(d, &h->shuffle_seed, sizeof h->shuffle_seed);
}

static void on_event(void *user, const ltc_event *e) {
  digest *d = user;
  d->events++;
  uint64_t f[] = {e->track, e->seq, e->kind, e->flags, e->task, (uint64_t)e->ts, e->nargs};
  mix(d, f, sizeof f);
  mix(d, e->a, sizeof e->a);
  if (e->text) mix(d, e->text, e->text_len);
  /* what the store asks of the reader for each record: its strings and sites */
  uint32_t len = 0, line = 0;
  const char *file = NULL, *func = NULL;
  const char *s = ltc_reader_string(d->r, e->track, e->a[0], &len);
  if (s) mix(d, s, len);
  if (ltc_reader_site(d->r, e->track, e->a[1], &file, &func, &line) == 0) {
    mix_str(d, file);
    mix_str(d, func);
    mix(d, &line, sizeof line);
  }
}

typedef struct outcome {
  digest d;
  ltc_stream_status status;
  uint64_t error_offset, events, lost, offset, pending;
  char error[256];
} outcome;

static void decode(const uint8_t *data, size_t size, lt_fuzz_rng *rng, outcome *o) {
  memset(o, 0, sizeof *o);
  o->d.h = 1469598103934665603ull;
  ltc_reader_callbacks cb = {on_hello, on_event, &o->d};
  ltc_reader *r = o->d.r = ltc_reader_new(&cb);
  LT_FUZZ_ASSERT(r, "out of memory");
  for (size_t off = 0; off < size;) {
    size_t n = rng ? lt_fuzz_piece(rng, size - off) : size - off;
    int rc = ltc_reader_feed(r, data + off, n);
    LT_FUZZ_ASSERT(rc == 0 || rc == -EPROTO, "feed: %d", rc);
    off += n;
  }
  o->offset = ltc_reader_offset(r);
  o->pending = ltc_reader_pending(r);
  LT_FUZZ_ASSERT(o->offset + o->pending == size || ltc_reader_status(r) != LTC_STREAM_OPEN,
                 "%llu + %llu bytes taken of %zu", (unsigned long long)o->offset,
                 (unsigned long long)o->pending, size);
  o->status = ltc_reader_finish(r);
  LT_FUZZ_ASSERT(o->status != LTC_STREAM_OPEN, "open after finish");
  if (o->status == LTC_STREAM_CORRUPT) {
    o->error_offset = ltc_reader_error_offset(r);
    LT_FUZZ_ASSERT(o->error_offset <= size, "corrupt at %llu of %zu",
                   (unsigned long long)o->error_offset, size);
    snprintf(o->error, sizeof o->error, "%s", ltc_reader_error(r));
  }
  o->events = ltc_reader_events(r);
  o->lost = ltc_reader_lost(r);
  /* counted: every record delivered, and the END record (which is not) */
  LT_FUZZ_ASSERT(o->events == o->d.events + ltc_reader_saw_end(r),
                 "%llu records counted, %llu delivered", (unsigned long long)o->events,
                 (unsigned long long)o->d.events);
  LT_FUZZ_ASSERT(o->d.hellos <= 1, "%llu hellos", (unsigned long long)o->d.hellos);
  ltc_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  outcome whole, split;
  lt_fuzz_rng rng = lt_fuzz_rng_of(data, size);
  decode(data, size, NULL, &whole);
  decode(data, size, &rng, &split);
  LT_FUZZ_ASSERT(whole.status == split.status, "status %d whole, %d split", whole.status,
                 split.status);
  LT_FUZZ_ASSERT(whole.d.h == split.d.h && whole.events == split.events,
                 "whole: %llu records, split: %llu, or they differ",
                 (unsigned long long)whole.events, (unsigned long long)split.events);
  LT_FUZZ_ASSERT(whole.error_offset == split.error_offset && !strcmp(whole.error, split.error),
                 "corrupt at %llu (%s) whole, at %llu (%s) split",
                 (unsigned long long)whole.error_offset, whole.error,
                 (unsigned long long)split.error_offset, split.error);
  LT_FUZZ_ASSERT(whole.lost == split.lost, "lost %llu whole, %llu split",
                 (unsigned long long)whole.lost, (unsigned long long)split.lost);
  return 0;
}

/* codec.c: the packed event blocks (see codec.h). Deltas are taken and added in unsigned
 * arithmetic: a hostile stream's timestamps may span more than int64_t holds, and wrapping
 * is what makes its decode give back exactly what was encoded. */
#include "store/codec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static int64_t unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

static int reserve(store_block *b, size_t more) {
  if (b->len + more <= b->cap) return 0;
  size_t cap = b->cap ? b->cap * 2 : 16384;
  while (cap < b->len + more) cap *= 2;
  uint8_t *d = realloc(b->data, cap);
  if (!d) return -ENOMEM;
  b->data = d;
  b->cap = cap;
  return 0;
}

static void put_varint(store_block *b, uint64_t v) {
  while (v >= 0x80) {
    b->data[b->len++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  b->data[b->len++] = (uint8_t)v;
}

void store_block_reset(store_block *b) {
  b->len = 0;
  b->count = 0;
  b->prev_task = 0;
  b->prev_ts = 0;
}

void store_block_free(store_block *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}

int store_block_add(store_block *b, const ltc_event *e) {
  uint32_t nargs = e->nargs > 8 ? 8 : e->nargs;
  if (reserve(b, 1 + 2 + 10 + 10 + 1 + 10 * (size_t)nargs) < 0) return -ENOMEM;
  if (b->count == 0) {
    if (b->len == 0) b->data[b->len++] = STORE_CODEC_VERSION;
    b->first_seq = e->seq;
    b->start_ns = b->end_ns = e->ts;
  }
  if (e->ts < b->start_ns) b->start_ns = e->ts;
  if (e->ts > b->end_ns) b->end_ns = e->ts;
  b->data[b->len++] = e->kind;
  b->data[b->len++] = e->flags;
  put_varint(b, zigzag((int64_t)e->task - (int64_t)b->prev_task));
  put_varint(b, zigzag((int64_t)((uint64_t)e->ts - (uint64_t)b->prev_ts)));
  b->data[b->len++] = (uint8_t)nargs;
  /* Time-like args (deadlines) are near the timestamp: most are small once it is subtracted,
   * but which args those are is the kind's business; ids and counts are small already. */
  for (uint32_t i = 0; i < nargs; i++) put_varint(b, zigzag((int64_t)e->a[i]));
  b->prev_task = e->task;
  b->prev_ts = e->ts;
  b->count++;
  return 0;
}

static int get_varint(const uint8_t *p, size_t len, size_t *off, uint64_t *out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (*off >= len) return -EPROTO;
    uint8_t byte = p[(*off)++];
    v |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *out = v;
      return 0;
    }
  }
  return -EPROTO;
}

int store_block_decode(const uint8_t *data, size_t len, uint32_t track, uint64_t first_seq,
                       void (*fn)(void *user, const ltc_event *e), void *user) {
  if (len < 1 || data[0] != STORE_CODEC_VERSION) return -EPROTO;
  size_t off = 1;
  uint32_t task = 0;
  int64_t ts = 0;
  for (uint64_t seq = first_seq; off < len; seq++) {
    if (len - off < 3) return -EPROTO;
    ltc_event e = {.track = track, .seq = seq, .kind = data[off], .flags = data[off + 1]};
    off += 2;
    uint64_t v;
    if (get_varint(data, len, &off, &v) < 0) return -EPROTO;
    task = (uint32_t)((uint64_t)task + (uint64_t)unzigzag(v));
    if (get_varint(data, len, &off, &v) < 0) return -EPROTO;
    ts = (int64_t)((uint64_t)ts + (uint64_t)unzigzag(v));
    if (off >= len) return -EPROTO;
    e.nargs = data[off++];
    if (e.nargs > 8) return -EPROTO;
    for (uint32_t i = 0; i < e.nargs; i++) {
      if (get_varint(data, len, &off, &v) < 0) return -EPROTO;
      e.a[i] = (uint64_t)unzigzag(v);
    }
    e.task = task;
    e.ts = ts;
    fn(user, &e);
  }
  return 0;
}

/* rows.c: see rows.h. A shape is interned by the hash of its JSON text; two shapes of the
 * same hash and different texts (a collision) are both written, the second uninterned. */
#include "api/rows.h"

#include <errno.h>
#include <string.h>

typedef struct seen_shape {
  uint64_t hash; /* the map's key */
  size_t index;
  size_t at, len; /* its text in r->shapes */
} seen_shape;

static uint64_t hash_of(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
  return h ? h : 1; /* 0 marks an empty slot */
}

/* The index of the shape in r->shape, added to the table when new. */
static size_t intern(ltc_rows *r) {
  const char *text = r->shape.data;
  size_t len = r->shape.len;
  if (!r->seen.size) r->seen = LTC_MAP_OF(seen_shape);
  uint64_t h = hash_of(text, len);
  seen_shape *s = ltc_map_find(&r->seen, h);
  if (s && s->len == len && memcmp(r->shapes.data + s->at, text, len) == 0) return s->index;
  if (r->nshapes) ltc_jsonbuf_put(&r->shapes, ",", 1);
  size_t at = r->shapes.len;
  ltc_jsonbuf_put(&r->shapes, text, len);
  if (!s) {
    bool fresh;
    s = ltc_map_put(&r->seen, h, &fresh);
    if (s) *s = (seen_shape){h, r->nshapes, at, len};
    else r->failed = true;
  }
  return r->nshapes++;
}

void ltc_rows_add(ltc_rows *r, const ltc_event *e, const ltc_event_text *t) {
  r->shape.len = 0;
  uint32_t nargs = ltc_event_shape_json(&r->shape, e, t);
  if (r->shape.failed) { /* out of memory: nothing to intern */
    r->failed = true;
    return;
  }
  size_t shape = intern(r);
  ltc_jsonbuf *b = &r->rows;
  if (r->n) ltc_jsonbuf_put(b, ",", 1);
  ltc_jsonbuf_u64(b, e->track);
  ltc_jsonbuf_put(b, ",", 1);
  ltc_jsonbuf_u64(b, e->seq);
  ltc_jsonbuf_put(b, ",", 1);
  ltc_jsonbuf_i64(b, e->ts);
  ltc_jsonbuf_put(b, ",", 1);
  ltc_jsonbuf_u64(b, e->flags);
  ltc_jsonbuf_put(b, ",", 1);
  ltc_jsonbuf_u64(b, e->task);
  ltc_jsonbuf_put(b, ",", 1);
  ltc_jsonbuf_u64(b, shape);
  for (uint32_t i = 0; i < nargs; i++) {
    ltc_jsonbuf_put(b, ",", 1);
    ltc_jsonbuf_u64(b, e->a[i]);
  }
  r->n++;
}

int ltc_rows_write(const ltc_rows *r, ltc_jsonbuf *b) {
  ltc_jsonbuf_puts(b, "\"shapes\":[");
  if (r->shapes.len) ltc_jsonbuf_put(b, r->shapes.data, r->shapes.len);
  ltc_jsonbuf_puts(b, "],\"rows\":[");
  if (r->rows.len) ltc_jsonbuf_put(b, r->rows.data, r->rows.len);
  ltc_jsonbuf_put(b, "]", 1);
  bool failed = r->failed || r->rows.failed || r->shapes.failed || r->shape.failed;
  return failed || b->failed ? -ENOMEM : 0;
}

void ltc_rows_reset(ltc_rows *r) {
  r->rows.len = r->shapes.len = r->shape.len = 0;
  r->rows.failed = r->shapes.failed = r->shape.failed = r->failed = false;
  if (r->seen.slots) memset(r->seen.slots, 0, r->seen.cap * r->seen.size);
  r->seen.len = 0;
  r->n = r->nshapes = 0;
}

void ltc_rows_free(ltc_rows *r) {
  ltc_jsonbuf_free(&r->rows);
  ltc_jsonbuf_free(&r->shapes);
  ltc_jsonbuf_free(&r->shape);
  free(r->seen.slots);
  *r = (ltc_rows){0};
}

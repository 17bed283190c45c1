/* reader.c: the push decoder of trace streams (see reader.h). Nothing from the wire
 * is trusted: every length is checked against the bytes present and the format's limits before
 * it is used, and a chunk is validated whole before any of its records is delivered. */
#include "wire/reader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/map-inl.h"
#include "base/utf8.h"

#define MAX_TRACKS 65536

/* ---- strings and sites by id ---- */

typedef struct slot {
  uint64_t key; /* ltc_map_key(0, id) */
  char *text;   /* strings: the bytes, NUL-terminated; sites: NULL */
  uint32_t len; /* strings: length; sites: line */
  uint64_t file, func; /* sites */
} slot;

static slot *idmap_find(const ltc_map *m, uint64_t id) {
  return ltc_map_find(m, ltc_map_key(0, id));
}

/* Inserts or replaces; the map owns text. */
static int idmap_put(ltc_map *m, uint64_t id, slot s) {
  slot *e = ltc_map_put(m, ltc_map_key(0, id), NULL);
  if (!e) return -ENOMEM;
  free(e->text);
  s.key = e->key;
  *e = s;
  return 0;
}

static void idmap_free(ltc_map *m) {
  for (size_t i = 0; i < m->cap; i++) free(((slot *)ltc_map_at(m, i))->text);
  ltc_map_free(m);
}

/* ---- per-track state ---- */

typedef struct track {
  uint32_t id;
  bool seq_known;
  uint64_t next_seq;
  ltc_map strings, sites; /* of slot */
} track;

typedef enum state { ST_HEADER, ST_HELLO, ST_CHUNKS, ST_END, ST_BAD } state;

struct ltc_reader {
  ltc_reader_callbacks cb;
  state st;
  ltc_stream_status status;
  uint8_t *buf; /* bytes received and not yet consumed */
  size_t len, cap;
  uint64_t consumed; /* offset of buf[0] in the stream */
  uint32_t hello_len;
  track *tracks;
  uint32_t ntracks, captracks;
  uint64_t events, lost;
  bool saw_end;
  uint32_t max_chunk; /* 0: the format's own limit */
  char error[256];
  uint64_t error_offset;
};

static uint16_t rd16(const uint8_t *p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}
static uint32_t rd32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
static uint64_t rd64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

__attribute__((format(printf, 3, 4))) static int corrupt(ltc_reader *r, uint64_t at,
                                                         const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->error, sizeof r->error, fmt, ap);
  va_end(ap);
  r->error_offset = at;
  r->st = ST_BAD;
  r->status = LTC_STREAM_CORRUPT;
  return -EPROTO;
}

static track *find_track(const ltc_reader *r, uint32_t id) {
  if (!r) return NULL; /* records stored without their stream (tests, imports): no names */
  for (uint32_t i = 0; i < r->ntracks; i++)
    if (r->tracks[i].id == id) return &r->tracks[i];
  return NULL;
}

static track *get_track(ltc_reader *r, uint32_t id) {
  track *t = find_track(r, id);
  if (t) return t;
  if (r->ntracks == MAX_TRACKS) return NULL;
  if (r->ntracks == r->captracks) {
    uint32_t cap = r->captracks ? r->captracks * 2 : 8;
    track *n = realloc(r->tracks, cap * sizeof *n);
    if (!n) return NULL;
    r->tracks = n;
    r->captracks = cap;
  }
  t = &r->tracks[r->ntracks++];
  *t = (track){.id = id, .strings = LTC_MAP_OF(slot), .sites = LTC_MAP_OF(slot)};
  return t;
}

ltc_reader *ltc_reader_new(const ltc_reader_callbacks *cb) {
  ltc_reader *r = calloc(1, sizeof *r);
  if (r && cb) r->cb = *cb;
  return r;
}

void ltc_reader_free(ltc_reader *r) {
  if (!r) return;
  for (uint32_t i = 0; i < r->ntracks; i++) {
    idmap_free(&r->tracks[i].strings);
    idmap_free(&r->tracks[i].sites);
  }
  free(r->tracks);
  free(r->buf);
  free(r);
}

/* ---- the hello ---- */

typedef struct cursor {
  const uint8_t *p;
  size_t left;
} cursor;

static bool take(cursor *c, void *out, size_t n) {
  if (c->left < n) return false;
  if (out) memcpy(out, c->p, n);
  c->p += n;
  c->left -= n;
  return true;
}

/* A hello string, as UTF-8 (utf8.h: what is not becomes U+FFFD). */
static char *take_str(cursor *c) {
  uint32_t n;
  if (!take(c, &n, 4) || n > c->left) return NULL;
  char *s = ltc_utf8_clean((const char *)c->p, n, NULL);
  c->p += n;
  c->left -= n;
  return s;
}

static int parse_hello(ltc_reader *r, const uint8_t *p, uint32_t n) {
  cursor c = {p, n};
  ltc_hello h = {.version = LT_WIRE_VERSION};
  uint8_t clock[4];
  int rc = 0;
  char *program = NULL, *label = NULL, **argv = NULL;
  if (!take(&c, &h.pid, 4) || !take(&c, clock, 4) || !take(&c, &h.wall_start_ns, 8) ||
      !take(&c, &h.mono_start_ns, 8) || !take(&c, &h.argc, 4) || h.argc > n / 4)
    return corrupt(r, r->consumed + 16, "the hello is cut short");
  h.clock = clock[0];
  program = take_str(&c);
  label = program ? take_str(&c) : NULL;
  argv = calloc(h.argc + 1, sizeof *argv);
  if (!program || !label || !argv) {
    rc = corrupt(r, r->consumed + 16, "the hello's strings overrun it");
    goto out;
  }
  for (uint32_t i = 0; i < h.argc; i++)
    if (!(argv[i] = take_str(&c))) {
      rc = corrupt(r, r->consumed + 16, "the hello's argv overruns it");
      goto out;
    }
  /* The optional extension after argv: flags and the shuffle seed. Older streams end here;
   * bytes after it are a later version's, skipped. */
  uint32_t flags = 0, reserved;
  uint64_t seed;
  if (c.left >= 16 && take(&c, &flags, 4) && take(&c, &reserved, 4) && take(&c, &seed, 8) &&
      (flags & LT_HELLO_SHUFFLED)) {
    h.shuffled = true;
    h.shuffle_seed = seed;
  }
  /* A flight recorder's dump: its window, what fell out of the ring, its number. */
  if ((flags & LT_HELLO_FLIGHT) && c.left >= 32) {
    h.flight = true;
    take(&c, &h.flight_from_ns, 8);
    take(&c, &h.flight_to_ns, 8);
    take(&c, &h.flight_lost, 8);
    take(&c, &h.flight_dump, 8);
  }
  h.program = program;
  h.label = label;
  h.argv = (const char *const *)argv;
  if (r->cb.hello) r->cb.hello(r->cb.user, &h);
out:
  if (argv)
    for (uint32_t i = 0; i < h.argc; i++) free(argv[i]);
  free(argv);
  free(program);
  free(label);
  return rc;
}

/* ---- chunks ---- */

#define CHUNK_HDR ((uint32_t)sizeof(lt_wire_chunk))
#define EVENT_HDR ((uint32_t)sizeof(lt_wire_event))

/* Checks a whole chunk's framing and numbering before anything in it is used. */
static int validate_chunk(ltc_reader *r, const uint8_t *c, uint32_t bytes, uint32_t id,
                          uint32_t count, uint64_t first_seq) {
  uint64_t at = r->consumed;
  const uint8_t *p = c + CHUNK_HDR;
  uint32_t off = 0, n = 0;
  while (off < bytes) {
    if (bytes - off < EVENT_HDR)
      return corrupt(r, at + CHUNK_HDR + off, "a record header overruns its chunk");
    uint16_t size = rd16(p + off);
    if (size < EVENT_HDR || size % 8 || size > bytes - off)
      return corrupt(r, at + CHUNK_HDR + off, "a record of %u bytes does not fit its chunk", size);
    if (p[off + 2] == LT_EV_STRING) {
      if (size < EVENT_HDR + 8 ||
          (rd64(p + off + EVENT_HDR) >> 32) > (uint64_t)(size - EVENT_HDR - 8))
        return corrupt(r, at + CHUNK_HDR + off, "a string is longer than its record");
    }
    off += size;
    n++;
  }
  if (n != count)
    return corrupt(r, at, "the chunk says %u records and holds %u", count, n);
  if (id == 0) {
    if (count != 1 || p[2] != LT_EV_END)
      return corrupt(r, at, "track 0 carries only the END record");
    return 0;
  }
  track *t = find_track(r, id);
  if (t && t->seq_known && first_seq != t->next_seq) {
    bool lost = count > 0 && p[2] == LT_EV_LOST && rd16(p) >= EVENT_HDR + 8 &&
                first_seq == t->next_seq + rd64(p + EVENT_HDR);
    if (!lost)
      return corrupt(r, at,
                     "track %u: sequence jumps from %llu to %llu with no LOST record to say why",
                     id, (unsigned long long)t->next_seq, (unsigned long long)first_seq);
  }
  return 0;
}

static int deliver_chunk(ltc_reader *r, const uint8_t *c, uint32_t bytes, uint32_t id,
                         uint64_t first_seq) {
  track *t = get_track(r, id);
  if (!t) return corrupt(r, r->consumed, "more than %u tracks", MAX_TRACKS);
  const uint8_t *p = c + CHUNK_HDR;
  uint64_t seq = first_seq;
  for (uint32_t off = 0; off < bytes; seq++) {
    const uint8_t *rec = p + off;
    uint16_t size = rd16(rec);
    ltc_event e = {.track = id, .seq = seq, .kind = rec[2], .flags = rec[3]};
    e.task = rd32(rec + 4);
    e.ts = (int64_t)rd64(rec + 8);
    e.nargs = (size - EVENT_HDR) / 8;
    for (uint32_t i = 0; i < e.nargs && i < 8; i++) e.a[i] = rd64(rec + EVENT_HDR + 8 * i);
    if (e.kind == LT_EV_STRING) {
      e.nargs = 1;
      /* kept as UTF-8: everything downstream (the store, live pushes) reads it from here */
      size_t clean_len;
      char *copy = ltc_utf8_clean((const char *)rec + EVENT_HDR + 8,
                                  (size_t)(e.a[0] >> 32), &clean_len);
      if (!copy) return -ENOMEM;
      e.text = copy;
      e.text_len = (uint32_t)clean_len;
      if (idmap_put(&t->strings, e.a[0] & 0xffffffffu, (slot){.text = copy, .len = e.text_len}) <
          0) {
        free(copy);
        return -ENOMEM;
      }
    } else if (e.kind == LT_EV_SITE) {
      if (idmap_put(&t->sites, e.a[0],
                    (slot){.file = e.a[1], .func = e.a[2], .len = (uint32_t)e.a[3]}) < 0)
        return -ENOMEM;
    } else if (e.kind == LT_EV_INTERN_RESET) {
      /* every string and site so far is unreachable now: a long run's reader stays small */
      idmap_free(&t->strings);
      idmap_free(&t->sites);
    } else if (e.kind == LT_EV_LOST) {
      r->lost += e.a[0];
    }
    r->events++;
    if (r->cb.event) r->cb.event(r->cb.user, &e);
    off += size;
  }
  t->seq_known = true;
  t->next_seq = seq;
  return 0;
}

/* Parses what is buffered; returns 0 when it needs more bytes. */
static int parse(ltc_reader *r) {
  size_t pos = 0;
  int rc = 0;
  for (;;) {
    const uint8_t *p = r->buf + pos;
    size_t have = r->len - pos;
    if (r->st == ST_HEADER) {
      if (have < 16) break;
      if (memcmp(p, LT_WIRE_MAGIC, LT_WIRE_MAGIC_LEN) != 0) {
        rc = corrupt(r, r->consumed, "not a looptrace stream (bad magic)");
        break;
      }
      if (rd32(p + 8) != LT_WIRE_VERSION) {
        rc = corrupt(r, r->consumed + 8, "format version %u, this reader knows %u", rd32(p + 8),
                     LT_WIRE_VERSION);
        break;
      }
      r->hello_len = rd32(p + 12);
      if (r->hello_len > LT_WIRE_MAX_HELLO) {
        rc = corrupt(r, r->consumed + 12, "a hello of %u bytes is over the limit", r->hello_len);
        break;
      }
      r->st = ST_HELLO;
      continue;
    }
    if (r->st == ST_HELLO) {
      if (have < 16 + (size_t)r->hello_len) break;
      if ((rc = parse_hello(r, p + 16, r->hello_len)) < 0) break;
      pos += 16 + r->hello_len;
      r->consumed += 16 + r->hello_len;
      r->st = ST_CHUNKS;
      continue;
    }
    if (r->st == ST_END) {
      if (have > 0) rc = corrupt(r, r->consumed, "bytes after the end of the stream");
      break;
    }
    if (r->st != ST_CHUNKS || have < CHUNK_HDR) break;
    uint32_t magic = rd32(p), bytes = rd32(p + 4), id = rd32(p + 8), count = rd32(p + 12);
    uint64_t first_seq = rd64(p + 16);
    if (magic != LT_WIRE_CHUNK_MAGIC) {
      rc = corrupt(r, r->consumed, "no chunk starts here (bad chunk magic)");
      break;
    }
    if (bytes > LT_WIRE_MAX_CHUNK || bytes % 8) {
      rc = corrupt(r, r->consumed + 4, "a chunk of %u bytes is not possible", bytes);
      break;
    }
    if (r->max_chunk && bytes > r->max_chunk) {
      rc = corrupt(r, r->consumed + 4,
                   "a chunk of %u bytes is over this collector's limit of %u (--max-chunk)",
                   bytes, r->max_chunk);
      break;
    }
    if (have < CHUNK_HDR + (size_t)bytes) break;
    if ((rc = validate_chunk(r, p, bytes, id, count, first_seq)) < 0) break;
    if (id == 0) {
      r->events++; /* the END record */
      r->saw_end = true;
      r->st = ST_END;
      r->status = LTC_STREAM_CLEAN;
    } else if ((rc = deliver_chunk(r, p, bytes, id, first_seq)) < 0) {
      break;
    }
    pos += CHUNK_HDR + bytes;
    r->consumed += CHUNK_HDR + bytes;
  }
  memmove(r->buf, r->buf + pos, r->len - pos);
  r->len -= pos;
  return rc;
}

int ltc_reader_feed(ltc_reader *r, const void *buf, size_t n) {
  if (r->st == ST_BAD) return -EPROTO;
  while (n > 0) {
    /* The buffer grows only while one incomplete unit (a hello or a chunk, both bounded by
     * the format's limits) fills it: parse() consumes every complete one. */
    size_t room = r->cap - r->len;
    if (room == 0) {
      size_t cap = r->cap ? r->cap * 2 : 65536;
      uint8_t *b = realloc(r->buf, cap);
      if (!b) return -ENOMEM;
      r->buf = b;
      r->cap = cap;
      room = cap - r->len;
    }
    size_t take_n = n < room ? n : room;
    memcpy(r->buf + r->len, buf, take_n);
    r->len += take_n;
    buf = (const uint8_t *)buf + take_n;
    n -= take_n;
    int rc = parse(r);
    if (rc < 0) return rc;
  }
  return 0;
}

ltc_stream_status ltc_reader_finish(ltc_reader *r) {
  if (r->status == LTC_STREAM_OPEN) r->status = LTC_STREAM_TRUNCATED;
  return r->status;
}

ltc_stream_status ltc_reader_status(const ltc_reader *r) { return r->status; }
bool ltc_reader_saw_end(const ltc_reader *r) { return r->saw_end; }
void ltc_reader_set_max_chunk(ltc_reader *r, uint32_t bytes) { r->max_chunk = bytes; }
const char *ltc_reader_error(const ltc_reader *r) { return r->error; }
uint64_t ltc_reader_error_offset(const ltc_reader *r) { return r->error_offset; }
uint64_t ltc_reader_events(const ltc_reader *r) { return r->events; }
uint64_t ltc_reader_lost(const ltc_reader *r) { return r->lost; }

uint64_t ltc_reader_strings_held(const ltc_reader *r) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < r->ntracks; i++) n += r->tracks[i].strings.len + r->tracks[i].sites.len;
  return n;
}
uint64_t ltc_reader_offset(const ltc_reader *r) { return r->consumed; }
uint64_t ltc_reader_pending(const ltc_reader *r) { return r->len; }

const char *ltc_reader_string(const ltc_reader *r, uint32_t track_id, uint64_t id,
                              uint32_t *len) {
  track *t = find_track(r, track_id);
  slot *s = t ? idmap_find(&t->strings, id) : NULL;
  if (len) *len = s ? s->len : 0;
  return s ? s->text : NULL;
}

int ltc_reader_site(const ltc_reader *r, uint32_t track_id, uint64_t id, const char **file,
                    const char **func, uint32_t *line) {
  track *t = find_track(r, track_id);
  slot *s = t ? idmap_find(&t->sites, id) : NULL;
  if (!s) return -ENOENT;
  *file = ltc_reader_string(r, track_id, s->file, NULL);
  *func = ltc_reader_string(r, track_id, s->func, NULL);
  *line = s->len;
  return 0;
}

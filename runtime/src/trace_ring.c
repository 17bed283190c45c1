/* trace_ring.c: the flight recorder (LOOPTRACE=ring:SIZE): the chunks every track flushes, kept
 * in a bounded in-memory ring instead of written, the live state of what fell out of it, and
 * a dump of both as a normal stream, on a signal (its own thread), lt_trace_dump or a request.
 *
 * Thread safety: the ring and its digest are this file's alone: ring.mu guards the chunks
 * (in the ring, and fallen out waiting to be digested), ring.dmu the digest (taken first when
 * both are). A loop's track buffer is never read here: a track hands over a chunk only when it
 * flushes (a full buffer, 50 ms, its end), by copy, under ring.mu; a chunk that falls out is
 * digested by the flight recorder's thread, off the loop (by the loop itself only when the
 * thread falls half a ring behind). A dump takes a reference on each chunk and builds the
 * preamble under both locks, then writes with them released; so a dump from the signal thread
 * needs nothing of a loop, even one blocked in a long step (whose records since its last
 * flush are not in the dump: at most 64 KiB or 50 ms of them). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "trace.h"
#include "trace_ring.h"

#define MIN_RING (256 * 1024)
#define PREAMBLE_CHUNK (60 * 1024) /* the preamble goes out in chunks of about this */
#define SMALL_REC 48               /* records kept inline in the digest (all but strings) */

/* ---- the digest: what fell out of the ring and is still needed to read what is in it ----
 * Per track, keyed by (what, id): strings and sites, the track and loop-start records, each
 * live task's creation and its latest state (resume / suspend / ready, cancel), timers armed
 * and not fired, futures made and not resolved. Each keeps its record and sequence number. */

enum { K_STRING = 1, K_SITE, K_TRACK, K_LOOP, K_CREATE, K_RESUME, K_SUSPEND, K_READY,
       K_CANCEL, K_TIMER, K_FUTURE };

typedef struct kent {
  uint64_t key; /* 0: empty */
  uint64_t seq;
  uint8_t *big; /* a record larger than SMALL_REC (a string) */
  uint16_t size;
  _Alignas(8) uint8_t small[SMALL_REC]; /* read as records: aligned as they are */
} kent;

typedef struct kmap {
  kent *e;
  uint32_t cap, len;
} kmap;

static uint64_t kkey(unsigned what, uint64_t id) {
  return (uint64_t)what << 56 | (id & 0x00ffffffffffffffull);
}
static unsigned kwhat(uint64_t key) { return (unsigned)(key >> 56); }
static uint32_t khash(uint64_t k, uint32_t cap) {
  return (uint32_t)((k * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}
static const uint8_t *krec(const kent *e) { return e->big ? e->big : e->small; }

static kent *kfind(const kmap *m, uint64_t key) {
  if (!m->cap) return NULL;
  for (uint32_t i = khash(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
    if (m->e[i].key == key) return &m->e[i];
    if (!m->e[i].key) return NULL;
  }
}

static bool kgrow(kmap *m) {
  uint32_t cap = m->cap ? m->cap * 2 : 64;
  kent *n = calloc(cap, sizeof *n);
  if (!n) return false;
  for (uint32_t i = 0; i < m->cap; i++) {
    if (!m->e[i].key) continue;
    uint32_t j = khash(m->e[i].key, cap);
    while (n[j].key) j = (j + 1) & (cap - 1);
    n[j] = m->e[i];
  }
  free(m->e);
  m->e = n;
  m->cap = cap;
  return true;
}

static void kput(kmap *m, uint64_t key, uint64_t seq, const uint8_t *rec, uint16_t size) {
  if ((m->len + 1) * 2 > m->cap && !kgrow(m)) return;
  uint32_t i = khash(key, m->cap);
  while (m->e[i].key && m->e[i].key != key) i = (i + 1) & (m->cap - 1);
  kent *e = &m->e[i];
  if (!e->key) m->len++;
  free(e->big);
  e->big = NULL;
  if (size > SMALL_REC && !(e->big = malloc(size))) {
    e->key = 0;
    m->len--;
    return;
  }
  e->key = key;
  e->seq = seq;
  e->size = size;
  memcpy(e->big ? e->big : e->small, rec, size);
}

/* Linear probing's deletion: the entries after the hole move back into it where they may. */
static void kdel(kmap *m, uint64_t key) {
  kent *e = kfind(m, key);
  if (!e) return;
  free(e->big);
  uint32_t i = (uint32_t)(e - m->e), j = i;
  m->e[i].key = 0;
  m->e[i].big = NULL;
  m->len--;
  for (;;) {
    j = (j + 1) & (m->cap - 1);
    if (!m->e[j].key) return;
    uint32_t h = khash(m->e[j].key, m->cap);
    /* j's entry may move to i when its home h is not in (i, j] (cyclically) */
    if (i <= j ? (h <= i || h > j) : (h <= i && h > j)) {
      m->e[i] = m->e[j];
      m->e[j].key = 0;
      m->e[j].big = NULL;
      i = j;
    }
  }
}

static void kfree(kmap *m) {
  for (uint32_t i = 0; i < m->cap; i++) free(m->e[i].big);
  free(m->e);
  *m = (kmap){0};
}

/* ---- the ring ---- */

typedef struct rchunk {
  struct rchunk *next; /* fallen out, waiting to be digested */
  uint32_t refs;   /* the ring's own, and one per dump writing it */
  uint32_t track;
  size_t len;      /* header + records */
  uint8_t data[];
} rchunk;

typedef struct rtrack {
  uint32_t id;
  uint64_t evicted;   /* records of it that fell out: seqs 0 .. evicted-1 */
  uint32_t text, text_after_collect; /* strings and sites in the digest: now, after a collect */
  kmap digest;
  struct rtrack *next;
} rtrack;

static struct {
  pthread_mutex_t mu, dmu;
  bool open;
  rchunk *pend, *pend_tail; /* fallen out of the ring, oldest first, not yet digested */
  size_t pend_bytes;
  bool digester; /* the thread digests them (else the loop does, as they fall out) */
  size_t size, bytes; /* the bound, and what the chunks in it hold */
  rchunk **q;         /* oldest first: q[head], q[head+1], ... (circular, cap slots) */
  size_t head, n, cap;
  rtrack *tracks;
  uint64_t dumps;
  char *label;
  int signo;
  int pipe[2];
  pthread_t thread;
} ring = {.mu = PTHREAD_MUTEX_INITIALIZER, .dmu = PTHREAD_MUTEX_INITIALIZER, .pipe = {-1, -1}};

static uint16_t rd16(const uint8_t *p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}
static uint64_t rd64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

static rtrack *track_of(uint32_t id, bool make) {
  for (rtrack *t = ring.tracks; t; t = t->next)
    if (t->id == id) return t;
  if (!make) return NULL;
  rtrack *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->id = id;
  t->next = ring.tracks;
  ring.tracks = t;
  return t;
}

static void track_drop(uint32_t id) {
  for (rtrack **p = &ring.tracks; *p; p = &(*p)->next)
    if ((*p)->id == id) {
      rtrack *t = *p;
      *p = t->next;
      kfree(&t->digest);
      free(t);
      return;
    }
}

static void mark_used(kmap *keep, unsigned what, uint64_t id) {
  if (!kfind(keep, kkey(what, id))) kput(keep, kkey(what, id), 0, (const uint8_t *)"", 1);
}

/* The strings and sites a record names (those of a site are added by the caller). */
static void mark_refs(kmap *keep, const uint8_t *r, uint16_t size) {
  const lt_wire_event *e = (const lt_wire_event *)r;
  const uint8_t *a = r + sizeof *e;
  unsigned nargs = (size - (unsigned)sizeof *e) / 8;
  switch (e->kind) {
    case LT_EV_TASK_CREATE:
      if (nargs > 1) mark_used(keep, K_STRING, rd64(a + 8));
      if (nargs > 2) mark_used(keep, K_SITE, rd64(a + 16));
      if (nargs > 3 && rd64(a + 24)) mark_used(keep, K_STRING, rd64(a + 24));
      break;
    case LT_EV_TASK_SUSPEND:
      if (nargs > 1) mark_used(keep, K_SITE, rd64(a + 8));
      break;
    case LT_EV_SITE:
      if (nargs > 2) {
        mark_used(keep, K_STRING, rd64(a + 8));
        mark_used(keep, K_STRING, rd64(a + 16));
      }
      break;
    case LT_EV_MARK:
      if (nargs > 0) mark_used(keep, K_STRING, rd64(a));
      break;
    default: break;
  }
}

/* Strings and sites fell out with the records that named them: those that no kept record
 * names, nor any record of the track still in the ring, go. Run when the digest's text has
 * doubled since the last time (an INTERN_RESET, or a program marking new text), and before
 * a dump, so that what is kept stays what is in use. */
static void digest_collect(rtrack *t) {
  kmap keep = {0};
  for (uint32_t i = 0; i < t->digest.cap; i++) {
    kent *e = &t->digest.e[i];
    unsigned w = kwhat(e->key);
    if (e->key && w != K_STRING && w != K_SITE) mark_refs(&keep, krec(e), e->size);
  }
  pthread_mutex_lock(&ring.mu); /* the records still to be read: in the ring, or to digest */
  const rchunk *p = ring.pend;
  for (size_t k = 0; p || k < ring.n;) {
    const rchunk *c = p ? p : ring.q[(ring.head + k++) % ring.cap];
    if (p) p = p->next;
    if (c->track != t->id) continue;
    for (size_t off = sizeof(lt_wire_chunk); off + sizeof(lt_wire_event) <= c->len;) {
      uint16_t size = rd16(c->data + off);
      if (size < sizeof(lt_wire_event)) break;
      mark_refs(&keep, c->data + off, size);
      off += size;
    }
  }
  pthread_mutex_unlock(&ring.mu);
  /* a site kept keeps its file and function */
  for (uint32_t i = 0; i < t->digest.cap; i++) {
    kent *e = &t->digest.e[i];
    if (e->key && kwhat(e->key) == K_SITE && kfind(&keep, e->key))
      mark_refs(&keep, krec(e), e->size);
  }
  t->text = 0;
  for (uint32_t i = 0; i < t->digest.cap;) {
    kent *e = &t->digest.e[i];
    unsigned w = kwhat(e->key);
    if (e->key && (w == K_STRING || w == K_SITE) && !kfind(&keep, e->key)) {
      kdel(&t->digest, e->key); /* what moved into slot i is looked at next */
      continue;
    }
    if (e->key && (w == K_STRING || w == K_SITE)) t->text++;
    i++;
  }
  t->text_after_collect = t->text;
  kfree(&keep);
}

/* Takes in the records of a chunk that falls out of the ring. */
static void digest_chunk(const rchunk *c) {
  rtrack *t = track_of(c->track, true);
  if (!t) return;
  const lt_wire_chunk *h = (const lt_wire_chunk *)c->data;
  uint64_t seq = h->first_seq;
  for (size_t off = sizeof *h; off + sizeof(lt_wire_event) <= c->len; seq++) {
    const uint8_t *r = c->data + off;
    uint16_t size = rd16(r);
    if (size < sizeof(lt_wire_event)) break;
    off += size;
    const lt_wire_event *e = (const lt_wire_event *)r;
    uint64_t a0 = size >= sizeof *e + 8 ? rd64(r + sizeof *e) : 0;
    kmap *m = &t->digest;
    uint32_t task = e->task;
    switch (e->kind) {
      case LT_EV_STRING:
        kput(m, kkey(K_STRING, a0 & 0xffffffffu), seq, r, size);
        t->text++;
        break;
      case LT_EV_SITE:
        kput(m, kkey(K_SITE, a0), seq, r, size);
        t->text++;
        break;
      case LT_EV_INTERN_RESET: digest_collect(t); break;
      case LT_EV_TRACK: kput(m, kkey(K_TRACK, 0), seq, r, size); break;
      case LT_EV_LOOP_START: kput(m, kkey(K_LOOP, 0), seq, r, size); break;
      case LT_EV_TASK_CREATE: kput(m, kkey(K_CREATE, task), seq, r, size); break;
      case LT_EV_TASK_READY: kput(m, kkey(K_READY, task), seq, r, size); break;
      /* a task's latest resume, suspend and ready, each replaced in place (one hash lookup a
       * record): those older than a later resume (or a ready older than the suspend) are
       * stale, left out when written (stale) */
      case LT_EV_TASK_RESUME: kput(m, kkey(K_RESUME, task), seq, r, size); break;
      case LT_EV_TASK_SUSPEND: kput(m, kkey(K_SUSPEND, task), seq, r, size); break;
      case LT_EV_TASK_CANCEL: kput(m, kkey(K_CANCEL, task), seq, r, size); break;
      case LT_EV_TASK_DONE:
        for (unsigned w = K_CREATE; w <= K_CANCEL; w++) kdel(m, kkey(w, task));
        break;
      case LT_EV_TIMER_ARM: kput(m, kkey(K_TIMER, a0), seq, r, size); break;
      case LT_EV_TIMER_FIRE:
      case LT_EV_TIMER_CANCEL: kdel(m, kkey(K_TIMER, a0)); break;
      case LT_EV_FUTURE_CREATE: kput(m, kkey(K_FUTURE, a0), seq, r, size); break;
      case LT_EV_FUTURE_RESOLVE: kdel(m, kkey(K_FUTURE, a0)); break;
      case LT_EV_LOOP_STOP: /* the track is over: nothing after it needs its state */
        track_drop(c->track);
        return;
      default: break;
    }
  }
  t->evicted = seq;
  if (t->text > 2 * t->text_after_collect + 4096) digest_collect(t);
}

static void chunk_unref(rchunk *c) {
  if (--c->refs == 0) free(c);
}

/* Under ring.mu: the oldest chunk falls out, to be digested. True when it is the first that
 * waits (the thread is to be woken). */
static bool evict_oldest(void) {
  rchunk *c = ring.q[ring.head];
  ring.head = (ring.head + 1) % ring.cap;
  ring.n--;
  ring.bytes -= c->len;
  c->next = NULL;
  bool first = !ring.pend;
  if (ring.pend_tail) ring.pend_tail->next = c;
  else ring.pend = c;
  ring.pend_tail = c;
  ring.pend_bytes += c->len;
  return first;
}

/* Under ring.dmu: digests what fell out, oldest first (ring.mu taken only to unlink each). */
static void digest_pending(void) {
  for (;;) {
    pthread_mutex_lock(&ring.mu);
    rchunk *c = ring.pend;
    if (c) {
      ring.pend = c->next;
      if (!ring.pend) ring.pend_tail = NULL;
      ring.pend_bytes -= c->len;
      c->refs++; /* held while digested */
    }
    pthread_mutex_unlock(&ring.mu);
    if (!c) return;
    digest_chunk(c);
    pthread_mutex_lock(&ring.mu);
    c->refs -= 2; /* the ring's reference, and ours */
    if (c->refs == 0) free(c);
    pthread_mutex_unlock(&ring.mu);
  }
}

int lt__ring_put(const void *buf, size_t len) {
  rchunk *c = malloc(sizeof *c + len);
  if (!c) return -ENOMEM;
  c->next = NULL;
  c->refs = 1;
  c->len = len;
  c->track = ((const lt_wire_chunk *)buf)->track;
  memcpy(c->data, buf, len);
  pthread_mutex_lock(&ring.mu);
  bool wake = false;
  while (ring.n && ring.bytes + len > ring.size) wake |= evict_oldest();
  if (ring.n == ring.cap) {
    size_t cap = ring.cap ? ring.cap * 2 : 64;
    rchunk **q = malloc(cap * sizeof *q);
    if (!q) {
      pthread_mutex_unlock(&ring.mu);
      free(c);
      return -ENOMEM;
    }
    for (size_t i = 0; i < ring.n; i++) q[i] = ring.q[(ring.head + i) % ring.cap];
    free(ring.q);
    ring.q = q;
    ring.head = 0;
    ring.cap = cap;
  }
  ring.q[(ring.head + ring.n) % ring.cap] = c;
  ring.n++;
  ring.bytes += len;
  bool behind = !ring.digester || ring.pend_bytes > ring.size / 2;
  pthread_mutex_unlock(&ring.mu);
  if (behind) { /* no thread, or it fell behind: the loop digests, so memory stays bounded */
    pthread_mutex_lock(&ring.dmu);
    digest_pending();
    pthread_mutex_unlock(&ring.dmu);
  } else if (wake) {
    (void)!write(ring.pipe[1], "g", 1);
  }
  return 0;
}

/* ---- the dump ---- */

typedef struct obuf {
  uint8_t *p;
  size_t len, cap;
  bool failed;
} obuf;

static void oput(obuf *b, const void *src, size_t n) {
  if (b->failed) return;
  if (b->len + n > b->cap) {
    size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
      b->failed = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, src, n);
  b->len += n;
}

/* A task's suspend or ready that a later resume (or, for a ready, suspend) made history. */
static bool stale(const kmap *m, const kent *e) {
  unsigned w = kwhat(e->key);
  if (w != K_SUSPEND && w != K_READY) return false;
  uint64_t task = e->key & 0x00ffffffffffffffull;
  const kent *r = kfind(m, kkey(K_RESUME, task));
  if (r && r->seq > e->seq) return true;
  const kent *s = w == K_READY ? kfind(m, kkey(K_SUSPEND, task)) : NULL;
  return s && s->seq > e->seq;
}

static int cmp_seq(const void *a, const void *b) {
  uint64_t x = (*(const kent *const *)a)->seq, y = (*(const kent *const *)b)->seq;
  return x < y ? -1 : x > y;
}

/* The first and last record's timestamps of a chunk. */
static void chunk_span(const rchunk *c, int64_t *first, int64_t *last) {
  size_t off = sizeof(lt_wire_chunk);
  *first = *last = 0;
  bool any = false;
  while (off + sizeof(lt_wire_event) <= c->len) {
    const lt_wire_event *e = (const lt_wire_event *)(c->data + off);
    if (e->size < sizeof *e) break;
    if (!any) *first = e->ts;
    any = true;
    *last = e->ts;
    off += e->size;
  }
}

static void put_chunk_header(obuf *b, uint32_t track, uint32_t bytes, uint32_t count,
                             uint64_t first_seq) {
  lt_wire_chunk h = {LT_WIRE_CHUNK_MAGIC, bytes, track, count, first_seq};
  oput(b, &h, sizeof h);
}

/* A track's preamble: its digest in sequence order, in chunks numbered from 0, then the LOST
 * record of what fell out and was not kept (numbered so that the ring's chunks follow it:
 * *shift is added to theirs). ts: the track's first record in the ring (0: none). */
static uint64_t put_preamble(obuf *b, rtrack *t, int64_t ts, uint64_t *shift) {
  *shift = 0;
  if (!t->evicted) return 0;
  kent **v = malloc((t->digest.len + 1) * sizeof *v);
  if (!v) {
    b->failed = true;
    return 0;
  }
  uint32_t n = 0;
  for (uint32_t i = 0; i < t->digest.cap; i++)
    if (t->digest.e[i].key && !stale(&t->digest, &t->digest.e[i])) v[n++] = &t->digest.e[i];
  qsort(v, n, sizeof *v, cmp_seq);
  uint64_t seq = 0;
  int64_t last_ts = 0;
  for (uint32_t i = 0; i < n;) {
    size_t bytes = 0;
    uint32_t j = i;
    while (j < n && (bytes == 0 || bytes + v[j]->size <= PREAMBLE_CHUNK)) bytes += v[j++]->size;
    put_chunk_header(b, t->id, (uint32_t)bytes, j - i, seq);
    for (; i < j; i++, seq++) {
      oput(b, krec(v[i]), v[i]->size);
      last_ts = ((const lt_wire_event *)krec(v[i]))->ts;
    }
  }
  free(v);
  uint64_t lost = t->evicted - n;
  if (lost == 0) return 0;
  struct {
    lt_wire_event e;
    uint64_t a0;
  } rec = {{sizeof rec, LT_EV_LOST, 0, 0, ts ? ts : last_ts}, lost};
  put_chunk_header(b, t->id, sizeof rec, 1, seq + lost);
  oput(b, &rec, sizeof rec);
  *shift = 1;
  return lost;
}

/* The destination of a dump: a request file `looptrace dump-ring PID` left for this
 * process, else LOOPTRACE_DUMP (%p: the pid, %n: the dump's number), else a file in
 * ${TMPDIR:-/tmp}. */
static void dump_destination(uint64_t n, char *out, size_t cap) {
  char req[512];
  if (lt__ring_request_path(getpid(), req, sizeof req) == 0) {
    int fd = open(req, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
        !(st.st_mode & 022)) {
      ssize_t k = read(fd, out, cap - 1);
      close(fd);
      unlink(req);
      if (k > 0) {
        out[k] = 0;
        out[strcspn(out, "\r\n")] = 0;
        if (out[0]) return;
      }
    } else if (fd >= 0) {
      close(fd);
    }
  }
  const char *tmpl = getenv("LOOPTRACE_DUMP");
  if (!tmpl || !*tmpl) {
    const char *tmp = getenv("TMPDIR");
    snprintf(out, cap, "file:%s/looptrace-ring-%%p-%%n.ltr", tmp && *tmp ? tmp : "/tmp");
    tmpl = NULL;
  }
  char t[600];
  snprintf(t, sizeof t, "%s", tmpl ? tmpl : out);
  size_t o = 0;
  for (const char *p = t; *p && o + 24 < cap; p++) {
    if (p[0] == '%' && p[1] == 'p') {
      o += (size_t)snprintf(out + o, cap - o, "%d", (int)getpid());
      p++;
    } else if (p[0] == '%' && p[1] == 'n') {
      o += (size_t)snprintf(out + o, cap - o, "%llu", (unsigned long long)n);
      p++;
    } else {
      out[o++] = *p;
    }
  }
  out[o] = 0;
}

static int write_fd_all(int fd, const uint8_t *p, size_t n) {
  while (n) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0 && errno == EAGAIN) {
      fd_set w;
      FD_ZERO(&w);
      FD_SET(fd, &w);
      select(fd + 1, NULL, &w, NULL, NULL);
      continue;
    }
    if (k <= 0) return k < 0 ? -errno : -EIO;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

int lt_trace_dump(const char *to) {
  /* Everything that fell out is digested, and the text it no longer needs let go of, while
   * ring.mu is held from then on: the ring's part and the preamble meet exactly. */
  pthread_mutex_lock(&ring.dmu);
  for (;;) {
    digest_pending();
    for (rtrack *t = ring.tracks; t; t = t->next)
      if (t->evicted) digest_collect(t);
    pthread_mutex_lock(&ring.mu);
    if (!ring.pend) break;
    pthread_mutex_unlock(&ring.mu);
  }
  if (!ring.open) {
    pthread_mutex_unlock(&ring.mu);
    pthread_mutex_unlock(&ring.dmu);
    return -ENOENT;
  }
  uint64_t number = ++ring.dumps;
  /* Under the lock: a reference on every chunk, and each track's preamble. */
  size_t n = ring.n;
  rchunk **cs = malloc((n + 1) * sizeof *cs);
  obuf pre = {0};
  int64_t from = 0, upto = 0;
  bool spanned = false;
  uint64_t lost = 0;
  struct shifted {
    uint32_t track;
    uint64_t shift;
  } *sh = NULL;
  size_t nsh = 0;
  if (cs) {
    for (size_t i = 0; i < n; i++) {
      cs[i] = ring.q[(ring.head + i) % ring.cap];
      cs[i]->refs++;
      int64_t f, l;
      chunk_span(cs[i], &f, &l);
      if (!spanned || f < from) from = f;
      if (!spanned || l > upto) upto = l;
      spanned = true;
    }
    size_t ntracks = 0;
    for (rtrack *t = ring.tracks; t; t = t->next) ntracks++;
    sh = calloc(ntracks + 1, sizeof *sh);
    for (rtrack *t = ring.tracks; t && sh; t = t->next) {
      int64_t ts = 0, l;
      for (size_t i = 0; i < n && !ts; i++)
        if (cs[i]->track == t->id) chunk_span(cs[i], &ts, &l);
      uint64_t shift;
      lost += put_preamble(&pre, t, ts, &shift);
      sh[nsh++] = (struct shifted){t->id, shift};
    }
  }
  pthread_mutex_unlock(&ring.mu);
  pthread_mutex_unlock(&ring.dmu);
  int rc = !cs || !sh || pre.failed ? -ENOMEM : 0;

  char dest[600];
  if (to) snprintf(dest, sizeof dest, "%s", to);
  else dump_destination(number, dest, sizeof dest);
  int fd = -1;
  if (rc == 0) {
    lt__hello_flight fl = {from, upto, lost, number};
    fd = lt__sink_open_dump(dest);
    if (fd < 0) rc = fd;
    if (rc == 0) rc = lt__sink_write_hello(fd, ring.label, &fl);
  }
  if (rc == 0) rc = write_fd_all(fd, pre.p, pre.len);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    lt_wire_chunk h;
    memcpy(&h, cs[i]->data, sizeof h);
    for (size_t k = 0; k < nsh; k++)
      if (sh[k].track == h.track) h.first_seq += sh[k].shift;
    rc = write_fd_all(fd, (const uint8_t *)&h, sizeof h);
    if (rc == 0) rc = write_fd_all(fd, cs[i]->data + sizeof h, cs[i]->len - sizeof h);
  }
  if (rc == 0) {
    struct {
      lt_wire_chunk c;
      lt_wire_event e;
    } end = {{LT_WIRE_CHUNK_MAGIC, sizeof(lt_wire_event), 0, 1, 0},
             {sizeof(lt_wire_event), LT_EV_END, 0, 0, upto}};
    rc = write_fd_all(fd, (const uint8_t *)&end, sizeof end);
  }
  if (fd >= 0) close(fd);
  free(pre.p);
  free(sh);
  pthread_mutex_lock(&ring.mu);
  for (size_t i = 0; cs && i < n; i++) chunk_unref(cs[i]);
  pthread_mutex_unlock(&ring.mu);
  free(cs);
  if (rc < 0)
    fprintf(stderr, "looptrace: flight recording %llu to %s failed (%s)\n",
            (unsigned long long)number, dest, strerror(-rc));
  return rc < 0 ? rc : (int)number;
}

/* ---- the signal and its thread ---- */

static void on_signal(int sig) {
  (void)sig;
  int saved = errno;
  if (ring.pipe[1] >= 0) (void)!write(ring.pipe[1], "d", 1);
  errno = saved;
}

static void *dump_thread(void *arg) {
  (void)arg;
  char c;
  for (;;) {
    ssize_t k = read(ring.pipe[0], &c, 1);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return NULL;
    if (c == 'g') { /* chunks fell out */
      pthread_mutex_lock(&ring.dmu);
      digest_pending();
      pthread_mutex_unlock(&ring.dmu);
    } else {
      lt_trace_dump(NULL);
    }
  }
}

/* The signal that asks for a dump: LOOPTRACE_RING_SIGNAL = USR1, USR2 (default), a number,
 * or none. -1 for a bad value. */
static int ring_signal(void) {
  const char *s = getenv("LOOPTRACE_RING_SIGNAL");
  if (!s || !*s) return SIGUSR2;
  if (strcmp(s, "none") == 0) return 0;
  if (strncmp(s, "SIG", 3) == 0) s += 3;
  if (strcmp(s, "USR1") == 0) return SIGUSR1;
  if (strcmp(s, "USR2") == 0) return SIGUSR2;
  char *end;
  long v = strtol(s, &end, 10);
  return *end || v <= 0 || v >= NSIG || v == SIGKILL || v == SIGSTOP ? -1 : (int)v;
}

int lt__ring_parse_size(const char *s, size_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || s[0] == '-') return -EINVAL;
  unsigned long long mult = 1;
  if (*end == 'k' || *end == 'K') mult = 1ull << 10, end++;
  else if (*end == 'm' || *end == 'M') mult = 1ull << 20, end++;
  else if (*end == 'g' || *end == 'G') mult = 1ull << 30, end++;
  if (*end == 'i' && end[1] == 'B') end += 2;
  else if (*end == 'B') end++;
  if (*end || v > (1ull << 40) / mult || v * mult < MIN_RING) return -EINVAL;
  *out = (size_t)(v * mult);
  return 0;
}

int lt__ring_open(size_t size, const char *label) {
  int sig = ring_signal();
  if (sig < 0) return -EINVAL;
  pthread_mutex_lock(&ring.mu);
  if (ring.open) {
    pthread_mutex_unlock(&ring.mu);
    return -EALREADY;
  }
  free(ring.label);
  ring.label = strdup(label ? label : "");
  ring.size = size;
  ring.dumps = 0;
  ring.open = true;
  pthread_mutex_unlock(&ring.mu);
  if (sig && ring.pipe[0] < 0) {
    if (pipe2(ring.pipe, O_CLOEXEC) < 0) return -errno;
    fcntl(ring.pipe[1], F_SETFL, O_NONBLOCK);
    /* the thread takes no signals: they go to the program's threads, as before */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&ring.thread, NULL, dump_thread, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc) return -rc;
    pthread_detach(ring.thread);
    ring.digester = true;
    /* how `looptrace dump-ring PID` knows this process listens (/proc/PID/task/N/comm) */
    pthread_setname_np(ring.thread, "lt-ring");
  }
  if (sig) {
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
    ring.signo = sig;
  }
  return 0;
}

void lt__ring_close(void) {
  pthread_mutex_lock(&ring.dmu);
  pthread_mutex_lock(&ring.mu);
  ring.open = false;
  while (ring.pend) {
    rchunk *c = ring.pend;
    ring.pend = c->next;
    chunk_unref(c);
  }
  ring.pend_tail = NULL;
  ring.pend_bytes = 0;
  while (ring.n) {
    rchunk *c = ring.q[ring.head];
    ring.head = (ring.head + 1) % ring.cap;
    ring.n--;
    chunk_unref(c);
  }
  ring.bytes = 0;
  while (ring.tracks) track_drop(ring.tracks->id);
  pthread_mutex_unlock(&ring.mu);
  pthread_mutex_unlock(&ring.dmu);
}

int lt__ring_request_path(int pid, char *buf, size_t len) {
  const char *run = getenv("XDG_RUNTIME_DIR"), *tmp = getenv("TMPDIR");
  int n = run && *run ? snprintf(buf, len, "%s/looptrace/ring-%d.req", run, pid)
                      : snprintf(buf, len, "%s/looptrace-%u/ring-%d.req",
                                 tmp && *tmp ? tmp : "/tmp", (unsigned)getuid(), pid);
  return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* trace.c: tracks (a loop's or a worker thread's record buffer), their clock, string and site
 * interning, flushing chunks to the sink, and the event helpers the runtime calls: the hot
 * path appends to memory and nothing else. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

#include "internal.h"
#include "trace.h"

#define TRACK_BUF LT__TRACK_BUF
#define MAX_RECORD (sizeof(lt_wire_event) + 8 * 8 + LT_WIRE_MAX_INLINE + 8)
/* An event and the definitions it refers to (at most two strings and a site per record it
 * interns) go out in one chunk, so that a dropped chunk never leaves a dangling reference:
 * the buffer flushes only before a group begins, and has room for the largest group. */
#define GROUP_SLACK (8 * MAX_RECORD)
#define SINK_WAIT_REPORT_NS 50000 /* a flush that stalled longer than this is recorded */
#define STRTAB_RESET 65536        /* interned strings kept per track before starting over */

/* ---- the clock: CPU ticks scaled to CLOCK_MONOTONIC nanoseconds ----
 * clock_gettime costs ~27 ns on these VMs and rdtsc ~11: a record must cost little. Each
 * track re-anchors to CLOCK_MONOTONIC at every flush, so the scaling error never accumulates
 * past one buffer, and timestamps never go backwards. */

static struct {
  pthread_once_t once;
  bool use_ticks;
  uint64_t mult; /* ns per tick, 32.32 fixed point */
} g_clock = {.once = PTHREAD_ONCE_INIT};

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline uint64_t ticks(void) { return lt__ticks(); }

static void calibrate(void) {
#if defined(__x86_64__)
  unsigned a, b, c, d;
  /* Only an invariant TSC (constant rate, runs in every C-state) measures time. */
  if (!__get_cpuid(0x80000007, &a, &b, &c, &d) || !(d & (1u << 8))) return;
  int64_t t0 = mono_ns();
  uint64_t k0 = ticks();
  while (mono_ns() - t0 < 2000000) {
  }
  int64_t t1 = mono_ns();
  uint64_t k1 = ticks();
  if (k1 <= k0) return;
  g_clock.mult = (uint64_t)(((unsigned __int128)(t1 - t0) << 32) / (k1 - k0));
  g_clock.use_ticks = true;
#elif defined(__aarch64__)
  uint64_t freq;
  __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
  if (!freq) return;
  g_clock.mult = (uint64_t)(((unsigned __int128)1000000000 << 32) / freq);
  g_clock.use_ticks = true;
#endif
}

static void anchor(lt__track *tr) {
  tr->anchor_ns = mono_ns();
  tr->anchor_ticks = ticks();
}

/* Real time on the track's scale: CLOCK_MONOTONIC ns, from the TSC when it is invariant. */
static inline int64_t real_ns(const lt__track *tr) {
  if (g_clock.use_ticks)
    return tr->anchor_ns +
           (int64_t)(((unsigned __int128)(ticks() - tr->anchor_ticks) * g_clock.mult) >> 32);
  return mono_ns();
}

int64_t lt__track_now_slow(lt__track *tr) {
  if (tr->virt) {
    tr->ts = tr->loop->vtime; /* definitions (strings, sites) are stamped with it too */
    return tr->ts;
  }
  int64_t ns = real_ns(tr);
  if (ns < tr->ts) ns = tr->ts;
  tr->ts = ns;
  return ns;
}

int lt__track_flush_due(lt__track *tr, int timeout_ms) {
  if (tr->count == 0) return -1;
  int64_t left = tr->anchor_ns + LT__TRACE_FLUSH_NS - (tr->virt ? real_ns(tr) : tr->ts);
  if (left <= 0) {
    lt__track_flush(tr);
    return -1;
  }
  int ms = (int)((left + 999999) / 1000000);
  return timeout_ms < 0 || timeout_ms > ms ? ms : -1;
}

/* ---- interning ---- */

typedef struct lt__site_slot {
  const lt_srcloc *key;
  uint32_t id;
} lt__site_slot;

typedef struct str_slot {
  uint64_t hash;
  char *s;
  uint32_t len, id;
} str_slot;

struct lt__strtab {
  str_slot *slots;
  uint32_t cap, len;
};

static uint64_t fnv1a(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
  return h | 1; /* 0 marks an empty slot */
}

static void strtab_clear(lt__strtab *t) {
  for (uint32_t i = 0; i < t->cap; i++) free(t->slots[i].s);
  memset(t->slots, 0, t->cap * sizeof *t->slots);
  t->len = 0;
}

static void intern_reset(lt__track *tr) {
  tr->last_site = NULL;
  strtab_clear(tr->strings);
  memset(tr->sites, 0, tr->site_cap * sizeof *tr->sites);
  tr->site_len = 0;
}

static bool strtab_grow(lt__strtab *t) {
  uint32_t cap = t->cap * 2;
  str_slot *n = calloc(cap, sizeof *n);
  if (!n) return false;
  for (uint32_t i = 0; i < t->cap; i++) {
    if (!t->slots[i].hash) continue;
    uint32_t j = (uint32_t)t->slots[i].hash & (cap - 1);
    while (n[j].hash) j = (j + 1) & (cap - 1);
    n[j] = t->slots[i];
  }
  free(t->slots);
  t->slots = n;
  t->cap = cap;
  return true;
}

/* The table is full: start over, and say so, so that readers may forget what came before. */
static void intern_restart(lt__track *tr) {
  intern_reset(tr);
  uint64_t *a = lt__track_emit(tr, LT_EV_INTERN_RESET, 0, 0, tr->ts, 1, NULL, 0);
  a[0] = tr->next_id + 1;
}

uint32_t lt__track_string(lt__track *tr, const char *s, size_t len) {
  if (len > LT_WIRE_MAX_INLINE) len = LT_WIRE_MAX_INLINE;
  lt__strtab *t = tr->strings;
  if (t->len >= STRTAB_RESET) intern_restart(tr);
  if ((t->len + 1) * 2 > t->cap && !strtab_grow(t)) intern_restart(tr);
  uint64_t h = fnv1a(s, len);
  uint32_t i = (uint32_t)h & (t->cap - 1);
  for (; t->slots[i].hash; i = (i + 1) & (t->cap - 1))
    if (t->slots[i].hash == h && t->slots[i].len == len && memcmp(t->slots[i].s, s, len) == 0)
      return t->slots[i].id;
  char *copy = malloc(len + 1);
  if (!copy) return 0;
  memcpy(copy, s, len);
  copy[len] = 0;
  uint32_t id = ++tr->next_id;
  t->slots[i] = (str_slot){h, copy, (uint32_t)len, id};
  t->len++;
  uint64_t *a = lt__track_emit(tr, LT_EV_STRING, 0, 0, tr->ts, 1, s, len);
  a[0] = id | (uint64_t)len << 32;
  return id;
}

uint32_t lt__track_site(lt__track *tr, const lt_srcloc *site) {
  if (!site) return 0;
  if (site == tr->last_site) return tr->last_site_id;
  if ((tr->site_len + 1) * 2 > tr->site_cap) {
    uint32_t cap = tr->site_cap * 2;
    lt__site_slot *n = calloc(cap, sizeof *n);
    if (!n) return 0;
    for (uint32_t i = 0; i < tr->site_cap; i++) {
      if (!tr->sites[i].key) continue;
      uint32_t j = (uint32_t)((uintptr_t)tr->sites[i].key >> 3) & (cap - 1);
      while (n[j].key) j = (j + 1) & (cap - 1);
      n[j] = tr->sites[i];
    }
    free(tr->sites);
    tr->sites = n;
    tr->site_cap = cap;
  }
  uint32_t i = (uint32_t)((uintptr_t)site >> 3) & (tr->site_cap - 1);
  for (; tr->sites[i].key; i = (i + 1) & (tr->site_cap - 1))
    if (tr->sites[i].key == site) {
      tr->last_site = site;
      tr->last_site_id = tr->sites[i].id;
      return tr->last_site_id;
    }
  uint32_t file = lt__track_string(tr, site->file, strlen(site->file));
  uint32_t func = lt__track_string(tr, site->func, strlen(site->func));
  /* the string records may have flushed and reset the tables: look for the slot again */
  i = (uint32_t)((uintptr_t)site >> 3) & (tr->site_cap - 1);
  while (tr->sites[i].key) i = (i + 1) & (tr->site_cap - 1);
  uint32_t id = ++tr->next_id;
  tr->sites[i] = (lt__site_slot){site, id};
  tr->site_len++;
  uint64_t *a = lt__track_emit(tr, LT_EV_SITE, 0, 0, tr->ts, 4, NULL, 0);
  a[0] = id;
  a[1] = file;
  a[2] = func;
  a[3] = (uint64_t)site->line;
  tr->last_site = site;
  tr->last_site_id = id;
  return id;
}

/* ---- records and chunks ---- */

uint64_t *lt__track_emit(lt__track *tr, uint8_t kind, uint8_t flags, uint32_t task, int64_t ts,
                         unsigned nargs, const void *extra, size_t extra_len) {
  size_t size = sizeof(lt_wire_event) + 8 * nargs + ((extra_len + 7) & ~(size_t)7);
  lt_wire_event *e = (lt_wire_event *)(tr->buf + tr->len);
  e->size = (uint16_t)size;
  e->kind = kind;
  e->flags = flags;
  e->task = task;
  e->ts = ts;
  uint64_t *args = (uint64_t *)(e + 1);
  if (extra_len) {
    uint8_t *x = (uint8_t *)(args + nargs);
    memcpy(x, extra, extra_len);
    memset(x + extra_len, 0, ((extra_len + 7) & ~(size_t)7) - extra_len);
  }
  tr->len += size;
  tr->count++;
  tr->seq++;
  return args;
}

#define group lt__track_group

static void emit_track_record(lt__track *tr) {
  uint64_t *a = lt__track_emit(tr, LT_EV_TRACK, 0, 0, lt__track_now(tr), 3, NULL, 0);
  a[0] = tr->kind;
  a[1] = (uint64_t)syscall(SYS_gettid);
  a[2] = tr->owner;
}

static void flush(lt__track *tr, bool last);
void lt__track_flush(lt__track *tr) { flush(tr, false); }
void lt__track_flush_last(lt__track *tr) { flush(tr, true); }

static void flush(lt__track *tr, bool last) {
  if (tr->count == 0) return;
  lt_wire_chunk *c = (lt_wire_chunk *)tr->buf;
  c->magic = LT_WIRE_CHUNK_MAGIC;
  c->bytes = (uint32_t)(tr->len - sizeof *c);
  c->track = tr->id;
  c->count = tr->count;
  c->first_seq = tr->first_seq;
  int64_t waited = 0;
  int rc = lt__sink_write(tr->buf, tr->len, &waited, last);
  bool dropped = rc == -EAGAIN;
  if (dropped)
    tr->dropped += tr->count; /* a LOST record dropped with its chunk is counted again */
  else
    tr->dropped = 0;
  tr->len = sizeof *c;
  tr->count = 0;
  tr->first_seq = tr->seq;
  anchor(tr);
  if (dropped) {
    /* What the lost chunk defined is unknown to the reader: define it all again. */
    intern_reset(tr);
    /* The gap since the last delivered record: the reader checks LOST's seq against it. */
    uint64_t *a = lt__track_emit(tr, LT_EV_LOST, 0, 0, lt__track_now(tr), 1, NULL, 0);
    a[0] = tr->dropped;
    emit_track_record(tr);
  } else if (waited > SINK_WAIT_REPORT_NS) {
    /* Stamped when the wait ended, so a track's records stay in time order (its previous
     * records may be stamped after the wait began); under the virtual clock the wait is still
     * real time, and only a0 says how long. */
    uint64_t *a = lt__track_emit(tr, LT_EV_SINK_WAIT, 0, 0, lt__track_now(tr), 1, NULL, 0);
    a[0] = (uint64_t)waited;
  }
}

lt__track *lt__track_new(lt_wire_track kind, lt_loop *loop, uint32_t owner) {
  pthread_once(&g_clock.once, calibrate);
  lt__track *tr = calloc(1, sizeof *tr);
  if (!tr) return NULL;
  tr->buf = malloc(TRACK_BUF + GROUP_SLACK);
  tr->strings = calloc(1, sizeof *tr->strings);
  tr->site_cap = 256;
  tr->sites = calloc(tr->site_cap, sizeof *tr->sites);
  if (tr->strings) {
    tr->strings->cap = 256;
    tr->strings->slots = calloc(256, sizeof *tr->strings->slots);
  }
  if (!tr->buf || !tr->strings || !tr->strings->slots || !tr->sites) {
    lt__track_free(tr);
    return NULL;
  }
  tr->cap = TRACK_BUF + GROUP_SLACK;
  tr->len = sizeof(lt_wire_chunk);
  tr->id = lt__sink_new_track_id();
  tr->kind = (uint8_t)kind;
  tr->loop = loop;
  tr->virt = loop && loop->clock == LT_CLOCK_VIRTUAL;
  tr->tick_mult = g_clock.use_ticks && !tr->virt ? g_clock.mult : 0;
  tr->owner = owner;
  anchor(tr);
  emit_track_record(tr);
  return tr;
}

void lt__track_free(lt__track *tr) {
  if (!tr) return;
  if (tr->strings) {
    if (tr->strings->slots) strtab_clear(tr->strings);
    free(tr->strings->slots);
    free(tr->strings);
  }
  free(tr->sites);
  free(tr->buf);
  free(tr);
}

/* ---- event helpers ---- */

void lt__trace_task_create(lt_loop *loop, lt_task *t) {
  lt__track *tr = group(loop->track);
  const char *name = lt_task_name(t);
  uint32_t name_id = lt__track_string(tr, name, strlen(name));
  uint32_t site_id = lt__track_site(tr, t->site);
  uint64_t *a = lt__track_put(tr, LT_EV_TASK_CREATE, 0, (uint32_t)t->id, 3);
  a[0] = t->parent_id;
  a[1] = name_id;
  a[2] = site_id;
}

void lt__trace_task_ready(lt_loop *loop, lt_task *t, lt_wire_cause cause, uint64_t object) {
  uint64_t *a = lt__track_put(group(loop->track), LT_EV_TASK_READY,
                              (uint8_t)(cause | loop->waker_kind << 4), (uint32_t)t->id, 2);
  a[0] = loop->waker_id;
  a[1] = object;
}

void lt__trace_attach(lt_loop *loop) {
  if (!lt__sink_active() || loop->track) return;
  loop->track = lt__track_new(LT_TRACK_LOOP, loop, 0);
  if (!loop->track) return;
  lt__track_emit(group(loop->track), LT_EV_LOOP_START,
                 loop->clock == LT_CLOCK_VIRTUAL ? LT_WIRE_CLOCK_VIRTUAL : LT_WIRE_CLOCK_REAL, 0,
                 lt__track_now(loop->track), 0, NULL, 0);
}

void lt__trace_detach(lt_loop *loop) {
  lt__track *tr = loop->track;
  if (!tr) return;
  lt__track_emit(group(tr), LT_EV_LOOP_STOP, 0, 0, lt__track_now(tr), 0, NULL, 0);
  lt__track_flush_last(tr);
  loop->track = NULL;
  lt__track_free(tr);
}

/* ---- marks ---- */

int lt_mark(const char *fmt, ...) {
  lt_loop *loop = lt__tls_loop;
  if (!loop || !loop->track) return 0;
  char text[LT_WIRE_MAX_INLINE + 1];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (n < 0) return -EINVAL;
  size_t len = (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
  lt__track *tr = group(loop->track);
  uint32_t id = lt__track_string(tr, text, len);
  uint32_t task = loop->current ? (uint32_t)loop->current->id : 0;
  uint64_t *a = lt__track_emit(tr, LT_EV_MARK, 0, task, lt__track_now(tr), 1, NULL, 0);
  a[0] = id;
  return 0;
}

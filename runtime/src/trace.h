/* trace.h: the tracer's private interface. Each loop (and each executor worker thread) owns a
 * track: a buffer it appends records to with no lock, no allocation and no syscall; a full
 * buffer, a time bound (LT__TRACE_FLUSH_NS, checked when the loop polls) and a loop that ends
 * flush it to the process's sink as one chunk. With tracing off, every event site costs one
 * predictable branch on loop->track.
 *
 * Timestamps: a record is stamped with tr->ts, the track's last reading of the clock, which is
 * taken where a step ends (a task's suspend or end), when the loop begins to poll and when it
 * wakes from a poll, after a callback, and for marks. Reading the TSC costs ~8 ns here, more
 * than the rest of a record, so the records a step makes while it runs (spawns, readiness,
 * timer arms, resolves) share the reading taken as it began: the edges of every step are
 * exact, and what happens inside one is placed at its start (lt__trace_resume: 1 ns after the
 * previous step's end). A worker thread's track reads the clock for each record. */
#ifndef LT_TRACE_INTERNAL_H
#define LT_TRACE_INTERNAL_H

#include <stdint.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "internal.h"
#include "lt/wire.h"

typedef struct lt__strtab lt__strtab;

typedef struct lt__track {
  uint32_t id;
  uint8_t kind;          /* lt_wire_track */
  lt_loop *loop;         /* the loop it records, or NULL for a worker thread */
  uint64_t seq;          /* sequence number of the next record */
  uint64_t first_seq;    /* of the first record in buf */
  uint32_t count;        /* records in buf */
  uint64_t dropped;      /* records dropped since the last chunk that got through */
  uint8_t *buf;          /* lt_wire_chunk header space, then records */
  size_t len, cap;
  /* the clock: TSC ticks turned into CLOCK_MONOTONIC ns, re-anchored at every flush */
  int64_t anchor_ns;     /* also when the track last flushed (real time) */
  uint64_t anchor_ticks;
  int64_t ts;            /* what records are stamped with: the last reading (never goes back) */
  uint64_t tick_mult;    /* ns per tick (32.32) when the TSC is the clock, else 0 */
  bool virt;             /* a loop under the virtual clock: ts is its virtual time */
  const lt_srcloc *last_site; /* the last site interned, and its id: loops suspend at a few */
  uint32_t last_site_id;
  /* interning: sites by address, strings by content */
  lt__strtab *strings;
  struct lt__site_slot *sites;
  uint32_t site_cap, site_len;
  uint32_t next_id;
  uint32_t owner;        /* a worker's loop track (0 for a loop's own track) */
} lt__track;

#define LT_TRACING(loop) __builtin_expect((loop)->track != NULL, 0)

#define LT__TRACK_BUF (64 * 1024)         /* flush threshold */
#define LT__TRACE_FLUSH_NS (50 * 1000000) /* records wait at most this long for a flush */

/* Sink (trace_sink.c): one per process. */
int lt__sink_open_from_env(void);
bool lt__sink_active(void);
bool lt__sink_virtual_default(void);
uint32_t lt__sink_new_track_id(void);
/* Writes buf[0..len) (a chunk header + records). Returns 0, or -EAGAIN when the chunk was
 * dropped (drop mode, sink full), or -EPIPE once the sink is gone. *waited_ns gets how long a
 * blocking write stalled. `last` waits even in drop mode: a track's final chunk carries the
 * LOST record of whatever was dropped before it, so it must not be dropped itself. */
int lt__sink_write(const void *buf, size_t len, int64_t *waited_ns, bool last);

/* Tracks (trace.c) */
/* A loop's track (loop given; its clock stamps the records), or a worker thread's (loop NULL,
 * real clock) serving the loop whose track is owner. */
lt__track *lt__track_new(lt_wire_track kind, lt_loop *loop, uint32_t owner);
void lt__track_free(lt__track *tr);
void lt__track_flush(lt__track *tr);
/* The track's final flush: never dropped (see lt__sink_write). */
void lt__track_flush_last(lt__track *tr);
/* The CPU's tick counter: no fence (a record's place among the loop's own stores is what
 * matters, and those are ordered by the program; a fence made a traced switch ~4 ns dearer). */
static inline uint64_t lt__ticks(void) {
#if defined(__x86_64__)
  return __rdtsc();
#elif defined(__aarch64__)
  uint64_t v;
  __asm__ volatile("mrs %0, cntvct_el0" : "=r"(v));
  return v;
#else
  return 0;
#endif
}
int64_t lt__track_now_slow(lt__track *tr);
/* Reads the clock (the loop's virtual clock under it) into tr->ts and returns it: inline
 * when the TSC is the clock (a step's end reads it: a call there cost a tenth of a traced
 * switch), else lt__track_now_slow. */
static inline int64_t lt__track_now(lt__track *tr) {
  if (__builtin_expect(tr->tick_mult == 0, 0)) return lt__track_now_slow(tr);
  unsigned __int128 scaled = (unsigned __int128)(lt__ticks() - tr->anchor_ticks) * tr->tick_mult;
  int64_t ns = tr->anchor_ns + (int64_t)(scaled >> 32);
  if (ns < tr->ts) ns = tr->ts;
  tr->ts = ns;
  return ns;
}
/* Appends a record with nargs u64 args (returned for filling) and `extra` inline bytes. */
uint64_t *lt__track_emit(lt__track *tr, uint8_t kind, uint8_t flags, uint32_t task, int64_t ts,
                         unsigned nargs, const void *extra, size_t extra_len);

/* The hot path: a record of nargs args and no inline bytes, stamped tr->ts. The caller made
 * room (lt__track_group). */
static inline uint64_t *lt__track_put(lt__track *tr, uint8_t kind, uint8_t flags, uint32_t task,
                                      unsigned nargs) {
  lt_wire_event *e = (lt_wire_event *)(tr->buf + tr->len);
  uint32_t size = (uint32_t)sizeof *e + 8 * nargs;
  /* size | kind | flags | task: one store (lt_wire_event's first 8 bytes, little-endian) */
  uint64_t head = size | (uint64_t)kind << 16 | (uint64_t)flags << 24 | (uint64_t)task << 32;
  __builtin_memcpy(e, &head, sizeof head);
  e->ts = tr->ts;
  tr->len += size;
  tr->count++;
  tr->seq++;
  return (uint64_t *)(e + 1);
}

/* Starts an event group: flushes first if the buffer is past its threshold. An event and the
 * definitions it refers to go out in one chunk (see trace.c). */
static inline lt__track *lt__track_group(lt__track *tr) {
  if (__builtin_expect(tr->len > LT__TRACK_BUF, 0)) lt__track_flush(tr);
  return tr;
}

/* The loop is about to poll for at most *timeout_ms (-1: no limit; 0: no wait): flushes when
 * the records waiting have waited long enough, and otherwise, if the poll could outlast
 * that, returns the ms after which the poll must stop to flush (else -1). */
int lt__track_flush_due(lt__track *tr, int timeout_ms);
uint32_t lt__track_site(lt__track *tr, const lt_srcloc *site);
uint32_t lt__track_string(lt__track *tr, const char *s, size_t len);

/* Event helpers the runtime's sources call under LT_TRACING(loop). */
void lt__trace_loop_start(lt_loop *loop);
void lt__trace_loop_stop(lt_loop *loop);
static inline void lt__trace_simple(lt_loop *loop, uint8_t kind, uint8_t flags, uint32_t task,
                                    uint64_t a0, uint64_t a1) {
  uint64_t *a = lt__track_put(lt__track_group(loop->track), kind, flags, task, 2);
  a[0] = a0;
  a[1] = a1;
}
/* The same, stamped with a fresh reading of the clock (a step's end, a poll's edges). */
static inline void lt__trace_stamped(lt_loop *loop, uint8_t kind, uint8_t flags, uint32_t task,
                                     uint64_t a0, uint64_t a1) {
  lt__track_now(loop->track);
  lt__trace_simple(loop, kind, flags, task, a0, a1);
}
/* Takes a fresh reading for what follows (after a callback, which may have run long). */
static inline void lt__trace_stamp(lt_loop *loop) { lt__track_now(loop->track); }

/* A step begins. It shares the reading the previous step's end (or the poll) took, one ns
 * later on the real clock: the step it follows is over before it starts, and the hand-over
 * between them (a few ns, not measured) is not mistaken for nothing. Exact under the virtual
 * clock. */
static inline void lt__trace_resume(lt_loop *loop, uint32_t task) {
  lt__track *tr = lt__track_group(loop->track);
  tr->ts += !tr->virt;
  uint64_t *a = lt__track_put(tr, LT_EV_TASK_RESUME, 0, task, 2);
  a[0] = 0;
  a[1] = 0;
}
void lt__trace_task_create(lt_loop *loop, lt_task *t);
void lt__trace_task_ready(lt_loop *loop, lt_task *t, lt_wire_cause cause, uint64_t object);
static inline void lt__trace_task_suspend(lt_loop *loop, lt_task *t, lt_wire_reason reason,
                                          uint64_t object, const lt_srcloc *site,
                                          uint64_t detail) {
  lt__track *tr = lt__track_group(loop->track);
  lt__track_now(tr); /* the step ends here */
  uint32_t site_id = site == tr->last_site ? tr->last_site_id : lt__track_site(tr, site);
  uint64_t *a = lt__track_put(tr, LT_EV_TASK_SUSPEND, (uint8_t)reason, (uint32_t)t->id, 3);
  a[0] = object;
  a[1] = site_id;
  a[2] = detail;
}
/* Starts tracing loop if the process traces (LOOPTRACE or lt_trace_start). */
void lt__trace_attach(lt_loop *loop);
void lt__trace_detach(lt_loop *loop);

#endif

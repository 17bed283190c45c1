/* trace.h: the tracer's private interface. Each loop (and each executor worker thread) owns a
 * track: a buffer it appends records to with no lock, no allocation and no syscall; a full
 * buffer, a loop about to sleep and a loop that ends flush it to the process's sink as one
 * chunk. With tracing off, every event site costs one predictable branch on loop->track. */
#ifndef LT_TRACE_INTERNAL_H
#define LT_TRACE_INTERNAL_H

#include <stdint.h>

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
  int64_t anchor_ns;
  uint64_t anchor_ticks;
  int64_t last_ts;
  /* interning: sites by address, strings by content */
  lt__strtab *strings;
  struct lt__site_slot *sites;
  uint32_t site_cap, site_len;
  uint32_t next_id;
  uint32_t owner;        /* a worker's loop track (0 for a loop's own track) */
} lt__track;

#define LT_TRACING(loop) __builtin_expect((loop)->track != NULL, 0)

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
int64_t lt__track_now(lt__track *tr);
/* Appends a record with nargs u64 args (returned for filling) and `extra` inline bytes. */
uint64_t *lt__track_emit(lt__track *tr, uint8_t kind, uint8_t flags, uint32_t task, int64_t ts,
                         unsigned nargs, const void *extra, size_t extra_len);
uint32_t lt__track_site(lt__track *tr, const lt_srcloc *site);
uint32_t lt__track_string(lt__track *tr, const char *s, size_t len);

/* Event helpers the runtime's sources call under LT_TRACING(loop). */
void lt__trace_loop_start(lt_loop *loop);
void lt__trace_loop_stop(lt_loop *loop);
void lt__trace_simple(lt_loop *loop, uint8_t kind, uint8_t flags, uint32_t task, uint64_t a0,
                      uint64_t a1);
void lt__trace_task_create(lt_loop *loop, lt_task *t);
void lt__trace_task_ready(lt_loop *loop, lt_task *t, lt_wire_cause cause, uint64_t object);
void lt__trace_task_suspend(lt_loop *loop, lt_task *t, lt_wire_reason reason, uint64_t object,
                            const lt_srcloc *site, uint64_t detail);
/* Starts tracing loop if the process traces (LOOPTRACE or lt_trace_start). */
void lt__trace_attach(lt_loop *loop);
void lt__trace_detach(lt_loop *loop);

#endif

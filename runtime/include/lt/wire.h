/* lt/wire.h: the trace wire format, defined once for the runtime (which writes it) and the
 * collector (which reads it). docs/wire-format.md explains it in prose. All integers are
 * little-endian; every record is a multiple of 8 bytes.
 *
 *   stream  = magic "LOOPTRC1" | u32 version | u32 hello_bytes | hello | chunk* | end chunk
 *   hello   = u32 pid | u8 clock | u8[3] 0 | i64 wall_start_ns | i64 mono_start_ns | u32 argc |
 *             str program | str label | str argv[argc]        (str = u32 length | bytes)
 *             [ u32 flags | u32 0 | u64 shuffle_seed ]        (optional: older writers end
 *                                                              after argv; readers ignore more)
 *             [ i64 from_ns | i64 to_ns | u64 lost | u64 dump ] (flags & LT_HELLO_FLIGHT: a
 *                            flight recorder's dump: the ring's first and last record, the
 *                            records that fell out of it (the LOST before each track's ring
 *                            part), and the dump's number in its process) 
 *   chunk   = lt_wire_chunk header | `bytes` bytes holding `count` records
 *   record  = lt_wire_event header (16 bytes) | u64 args[] | inline bytes (strings), padded
 *
 * Sequence numbers are per track (a loop, or an executor worker thread): the records of a
 * chunk are numbered first_seq, first_seq + 1, ...; dropped records leave a gap whose size the
 * next LOST record states. A stream that ends without its END chunk was cut short. */
#ifndef LT_WIRE_H
#define LT_WIRE_H

#include <stdint.h>

#define LT_WIRE_MAGIC "LOOPTRC1"
#define LT_WIRE_MAGIC_LEN 8
#define LT_WIRE_VERSION 1u
#define LT_WIRE_CHUNK_MAGIC 0x4b43544cu /* "LTCK" */
#define LT_WIRE_MAX_HELLO (1u << 20)    /* a hello larger than this is corrupt */
#define LT_WIRE_MAX_CHUNK (1u << 24)    /* likewise a chunk */
#define LT_WIRE_MAX_INLINE 4096u        /* longest inline string (marks are cut there) */
/* hello flags: the ready queue was shuffled (the seed follows); the stream is a flight
 * recorder's dump (its window follows the seed) */
#define LT_HELLO_SHUFFLED 1u
#define LT_HELLO_FLIGHT 2u

typedef struct lt_wire_chunk {
  uint32_t magic;     /* LT_WIRE_CHUNK_MAGIC */
  uint32_t bytes;     /* payload bytes after this header */
  uint32_t track;     /* producer; 0 = the stream itself (END) */
  uint32_t count;     /* records in the payload */
  uint64_t first_seq; /* sequence number of the first record */
} lt_wire_chunk;

typedef struct lt_wire_event {
  uint16_t size;  /* whole record in bytes, header included, multiple of 8 */
  uint8_t kind;   /* lt_wire_kind */
  uint8_t flags;  /* kind-specific small value (a reason, a cause, a state) */
  uint32_t task;  /* the task it concerns (0: the loop itself / none) */
  int64_t ts;     /* ns: CLOCK_MONOTONIC, or the virtual clock of the loop under it */
} lt_wire_event;

/* The vocabulary, libuv's way (UV_HANDLE_TYPE_MAP): each list below makes an enum and its
 * names from one place, so adding a kind, a reason or a waker is one line here. Everything
 * that names a record (the collector's API, export and dump, the web UI through the API, the
 * Python producer's constants, checked by a test) goes through these lists.
 *
 * Kinds: XX(NAME, value, "name", args), args being how many u64 words the kind documents
 * (a0, a1, ... after the header; readers treat words that are not there as 0). */
#define LT_WIRE_KIND_MAP(XX)                                                                      \
  /* stream records */                                                                            \
  XX(STRING, 1, "string", 1)  /* a0 = string id | (u64)length << 32; inline bytes (per track) */  \
  XX(SITE, 2, "site", 4)      /* a0 = site id, a1 = file string, a2 = function, a3 = line */      \
  XX(LOST, 3, "lost", 1)      /* a0 = records dropped right before this one (drop mode) */        \
  XX(TRACK, 4, "track", 3)    /* a0 = lt_wire_track, a1 = thread id, a2 = owner loop track */     \
  XX(END, 5, "end", 0)        /* clean end of the stream (only in the END chunk, track 0) */      \
  XX(SINK_WAIT, 6, "sink-wait", 1) /* a0 = ns the producer waited for the sink (ts: its end) */   \
  XX(INTERN_RESET, 7, "intern-reset", 1) /* a0 = next id: no later record names an earlier */     \
  /* loop */                                                                                      \
  XX(LOOP_START, 10, "loop-start", 0) /* flags = clock (lt_wire_clock) */                         \
  XX(LOOP_ITER, 11, "iter", 2)        /* a0 = iteration number, a1 = callbacks ready */           \
  XX(POLL_BEGIN, 12, "poll", 1)       /* a0 = timeout ns (-1: none) */                            \
  XX(POLL_END, 13, "poll-end", 1)     /* a0 = I/O events returned */                              \
  XX(LOOP_STOP, 14, "loop-stop", 0)                                                               \
  /* tasks: `task` is the task */                                                                 \
  /* a0 = parent task, a1 = name string, a2 = spawn site, a3 = what it runs: a function        \
   * string (the Python producer's coroutine __qualname__; 0 or absent: unknown) */             \
  XX(TASK_CREATE, 20, "create", 4)                                                                \
  XX(TASK_READY, 21, "ready", 2)     /* flags: lt_wire_ready_flags; a0 = waker id, a1 = obj */    \
  XX(TASK_RESUME, 22, "resume", 0)                                                                \
  XX(TASK_SUSPEND, 23, "suspend", 3) /* flags = reason; a0 = awaited, a1 = site, a2 = detail */   \
  XX(TASK_DONE, 24, "done", 1)       /* flags = outcome (lt_wire_outcome); a0 = status (i64) */   \
  XX(TASK_CANCEL, 25, "cancel", 1)   /* cancel requested; a0 = requesting task (0: none) */       \
  XX(TASK_RENAME, 26, "rename", 1)   /* the task's new name: a0 = name string */                   \
  /* timers: `task` is the task that armed it (0: none) */                                        \
  XX(TIMER_ARM, 30, "timer-arm", 2)       /* a0 = timer id, a1 = deadline ns */                   \
  XX(TIMER_FIRE, 31, "timer-fire", 2)     /* a0 = timer id, a1 = lateness ns (now - deadline) */  \
  XX(TIMER_CANCEL, 32, "timer-cancel", 1) /* a0 = timer id */                                     \
  /* futures */                                                                                   \
  XX(FUTURE_CREATE, 40, "future", 1)    /* a0 = future id */                                      \
  /* flags = outcome; a0 = future (or task) id, a1 = status */                                    \
  XX(FUTURE_RESOLVE, 41, "resolve", 2)                                                            \
  /* a done callback ran; a0 = future id (task if flags 1) */                                     \
  XX(FUTURE_CALLBACK, 42, "callback", 1)                                                          \
  /* executor (jobs on worker threads) */                                                         \
  XX(EXEC_SUBMIT, 50, "exec-submit", 1) /* a0 = job id */                                         \
  XX(EXEC_START, 51, "exec-start", 2)   /* on the worker's track: a0 = job id, a1 = loop track */ \
  XX(EXEC_END, 52, "exec-end", 2)       /* on the worker's track: a0 = job id, a1 = status */     \
  /* user */                                                                                      \
  XX(MARK, 60, "mark", 1)               /* a0 = string id of the text */

typedef enum lt_wire_kind {
#define LT__WIRE_KIND(name, value, text, args) LT_EV_##name = value,
  LT_WIRE_KIND_MAP(LT__WIRE_KIND)
#undef LT__WIRE_KIND
} lt_wire_kind;

/* Track kinds: XX(NAME, value, "name"). */
#define LT_WIRE_TRACK_MAP(XX) XX(LOOP, 1, "loop") XX(WORKER, 2, "worker")
typedef enum lt_wire_track {
#define LT__WIRE_TRACK(name, value, text) LT_TRACK_##name = value,
  LT_WIRE_TRACK_MAP(LT__WIRE_TRACK)
#undef LT__WIRE_TRACK
} lt_wire_track;

/* Clocks (hello and LOOP_START flags): XX(NAME, value, "name"). */
#define LT_WIRE_CLOCK_MAP(XX) XX(REAL, 1, "real") XX(VIRTUAL, 2, "virtual")
typedef enum lt_wire_clock {
#define LT__WIRE_CLOCK(name, value, text) LT_WIRE_CLOCK_##name = value,
  LT_WIRE_CLOCK_MAP(LT__WIRE_CLOCK)
#undef LT__WIRE_CLOCK
} lt_wire_clock;

/* TASK_SUSPEND flags: why the task waits, numbered from 0 in this order: XX(NAME, "name").
 * a0 names what it waits on: a task id (TASK), a future id (FUTURE, GATHER, LOCK, ...), a
 * timer id (SLEEP); a2 is the deadline (SLEEP), the fd (IO, STREAM), the executor job
 * (EXECUTOR) or the pid (PROCESS). */
#define LT_WIRE_REASON_MAP(XX)                                                                    \
  XX(YIELD, "yield") XX(SLEEP, "sleep") XX(FUTURE, "future") XX(TASK, "task")                     \
  XX(GATHER, "gather") XX(IO, "io") XX(LOCK, "lock") XX(EVENT, "event")                           \
  XX(SEMAPHORE, "semaphore") XX(QUEUE, "queue") XX(EXECUTOR, "executor")                           \
  XX(CONDITION, "condition") XX(BARRIER, "barrier") XX(STREAM, "stream") XX(PROCESS, "process")
typedef enum lt_wire_reason {
#define LT__WIRE_REASON(name, text) LT_REASON_##name,
  LT_WIRE_REASON_MAP(LT__WIRE_REASON)
#undef LT__WIRE_REASON
  LT_REASON_COUNT
} lt_wire_reason;

/* TASK_READY flags, low nibble: why the task became ready. XX(NAME, value, "name"). */
#define LT_WIRE_CAUSE_MAP(XX)                                                                     \
  XX(SPAWN, 1, "spawn")   /* its first step was scheduled */                                      \
  XX(YIELD, 2, "yield")   /* it yielded (sleep 0): implied by SUSPEND reason yield, not sent */   \
  XX(WAKEUP, 3, "wakeup") /* what it awaited finished (a1 = that object) */
typedef enum lt_wire_cause {
#define LT__WIRE_CAUSE(name, value, text) LT_CAUSE_##name = value,
  LT_WIRE_CAUSE_MAP(LT__WIRE_CAUSE)
#undef LT__WIRE_CAUSE
} lt_wire_cause;

/* TASK_READY flags, high nibble: what ran when the task became ready (the waker), with what
 * a0 then names. XX(NAME, value, "name"). */
#define LT_WIRE_WAKER_MAP(XX)                                                                     \
  XX(NONE, 0, "none")                                                                             \
  XX(TASK, 1, "task")     /* a0 = task id */                                                      \
  XX(TIMER, 2, "timer")   /* a0 = timer id */                                                     \
  XX(IO, 3, "io")         /* a0 = fd */                                                           \
  XX(THREAD, 4, "thread") /* another thread (executor job, call_soon_threadsafe): a0 = job */     \
  XX(LOOP, 5, "loop")     /* the loop itself (lt_run shutting down, a plain callback) */
typedef enum lt_wire_waker {
#define LT__WIRE_WAKER(name, value, text) LT_WAKER_##name = value,
  LT_WIRE_WAKER_MAP(LT__WIRE_WAKER)
#undef LT__WIRE_WAKER
} lt_wire_waker;

/* TASK_DONE and FUTURE_RESOLVE flags. XX(NAME, value, "name"). */
#define LT_WIRE_OUTCOME_MAP(XX) XX(RESULT, 1, "result") XX(ERROR, 2, "error")                     \
  XX(CANCELLED, 3, "cancelled")
typedef enum lt_wire_outcome {
#define LT__WIRE_OUTCOME(name, value, text) LT_OUTCOME_##name = value,
  LT_WIRE_OUTCOME_MAP(LT__WIRE_OUTCOME)
#undef LT__WIRE_OUTCOME
} lt_wire_outcome;

/* ---- packed flags ---- */

static inline uint8_t lt_wire_ready_flags(lt_wire_cause cause, lt_wire_waker waker) {
  return (uint8_t)((unsigned)cause | (unsigned)waker << 4);
}
static inline unsigned lt_wire_ready_cause(uint8_t flags) { return flags & 15u; }
static inline unsigned lt_wire_ready_waker(uint8_t flags) { return flags >> 4; }

/* ---- names (NULL for a value the lists do not have) ---- */

static inline const char *lt_wire_kind_name(unsigned kind) {
  switch (kind) {
#define LT__WIRE_KIND(name, value, text, args) case value: return text;
    LT_WIRE_KIND_MAP(LT__WIRE_KIND)
#undef LT__WIRE_KIND
    default: return (const char *)0;
  }
}
/* The args a kind documents, or -1 for an unknown kind. */
static inline int lt_wire_kind_args(unsigned kind) {
  switch (kind) {
#define LT__WIRE_KIND(name, value, text, args) case value: return args;
    LT_WIRE_KIND_MAP(LT__WIRE_KIND)
#undef LT__WIRE_KIND
    default: return -1;
  }
}
static inline const char *lt_wire_track_name(unsigned v) {
  switch (v) {
#define LT__WIRE_TRACK(name, value, text) case value: return text;
    LT_WIRE_TRACK_MAP(LT__WIRE_TRACK)
#undef LT__WIRE_TRACK
    default: return (const char *)0;
  }
}
static inline const char *lt_wire_clock_name(unsigned v) {
  switch (v) {
#define LT__WIRE_CLOCK(name, value, text) case value: return text;
    LT_WIRE_CLOCK_MAP(LT__WIRE_CLOCK)
#undef LT__WIRE_CLOCK
    default: return (const char *)0;
  }
}
static inline const char *lt_wire_reason_name(unsigned v) {
  static const char *const names[] = {
#define LT__WIRE_REASON(name, text) text,
      LT_WIRE_REASON_MAP(LT__WIRE_REASON)
#undef LT__WIRE_REASON
  };
  return v < LT_REASON_COUNT ? names[v] : (const char *)0;
}
static inline const char *lt_wire_cause_name(unsigned v) {
  switch (v) {
#define LT__WIRE_CAUSE(name, value, text) case value: return text;
    LT_WIRE_CAUSE_MAP(LT__WIRE_CAUSE)
#undef LT__WIRE_CAUSE
    default: return (const char *)0;
  }
}
static inline const char *lt_wire_waker_name(unsigned v) {
  switch (v) {
#define LT__WIRE_WAKER(name, value, text) case value: return text;
    LT_WIRE_WAKER_MAP(LT__WIRE_WAKER)
#undef LT__WIRE_WAKER
    default: return (const char *)0;
  }
}
static inline const char *lt_wire_outcome_name(unsigned v) {
  switch (v) {
#define LT__WIRE_OUTCOME(name, value, text) case value: return text;
    LT_WIRE_OUTCOME_MAP(LT__WIRE_OUTCOME)
#undef LT__WIRE_OUTCOME
    default: return (const char *)0;
  }
}

#endif

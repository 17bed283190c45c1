/* lt/wire.h: the trace wire format, defined once for the runtime (which writes it) and the
 * collector (which reads it). docs/wire-format.md explains it in prose. All integers are
 * little-endian; every record is a multiple of 8 bytes.
 *
 *   stream  = magic "LOOPTRC1" | u32 version | u32 hello_bytes | hello | chunk* | end chunk
 *   hello   = u32 pid | u8 clock | u8[3] 0 | i64 wall_start_ns | i64 mono_start_ns | u32 argc |
 *             str program | str label | str argv[argc]        (str = u32 length | bytes)
 *             [ u32 flags | u32 0 | u64 shuffle_seed ]        (optional: older writers end
 *                                                              after argv; readers ignore more)
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
#define LT_HELLO_SHUFFLED 1u            /* hello flags: the ready queue was shuffled (seed follows) */

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

/* Kinds, with their args (a0, a1, ... are the u64 words after the header). */
typedef enum lt_wire_kind {
  /* stream records */
  LT_EV_STRING = 1,   /* a0 = string id | (u64)length << 32; inline bytes. Interned per track. */
  LT_EV_SITE = 2,     /* a0 = site id, a1 = file string, a2 = function string, a3 = line */
  LT_EV_LOST = 3,     /* a0 = records dropped right before this one (drop mode) */
  LT_EV_TRACK = 4,    /* a0 = track kind (lt_wire_track), a1 = thread id, a2 = owner loop track */
  LT_EV_END = 5,      /* clean end of the stream (only in the END chunk, track 0) */
  LT_EV_SINK_WAIT = 6,/* a0 = ns the producer waited for the sink (ts = when it ended) */
  LT_EV_INTERN_RESET = 7, /* a0 = the next id: no later record refers to an earlier string/site */
  /* loop */
  LT_EV_LOOP_START = 10, /* flags = clock (lt_wire_clock) */
  LT_EV_LOOP_ITER = 11,  /* a0 = iteration number, a1 = callbacks ready */
  LT_EV_POLL_BEGIN = 12, /* a0 = timeout ns (-1: none) */
  LT_EV_POLL_END = 13,   /* a0 = I/O events returned */
  LT_EV_LOOP_STOP = 14,
  /* tasks: `task` is the task */
  LT_EV_TASK_CREATE = 20,  /* a0 = parent task, a1 = name string, a2 = spawn site,
                            [a3 = what it runs: a function string (the Python producer's)] */
  LT_EV_TASK_READY = 21,   /* flags = cause | waker kind << 4; a0 = waker id, a1 = object */
  LT_EV_TASK_RESUME = 22,
  LT_EV_TASK_SUSPEND = 23, /* flags = reason; a0 = awaited object, a1 = site, a2 = detail */
  LT_EV_TASK_DONE = 24,    /* flags = outcome (lt_wire_outcome); a0 = status (i64) */
  LT_EV_TASK_CANCEL = 25,  /* cancel requested; a0 = requesting task (0: none) */
  /* timers: `task` is the task that armed it (0: none) */
  LT_EV_TIMER_ARM = 30,    /* a0 = timer id, a1 = deadline ns */
  LT_EV_TIMER_FIRE = 31,   /* a0 = timer id, a1 = lateness ns (now - deadline) */
  LT_EV_TIMER_CANCEL = 32, /* a0 = timer id */
  /* futures */
  LT_EV_FUTURE_CREATE = 40,   /* a0 = future id */
  LT_EV_FUTURE_RESOLVE = 41,  /* flags = outcome; a0 = future id (or task id), a1 = status */
  LT_EV_FUTURE_CALLBACK = 42, /* a done callback ran; a0 = future id, or task id if flags = 1 */
  /* executor (jobs on worker threads) */
  LT_EV_EXEC_SUBMIT = 50, /* a0 = job id */
  LT_EV_EXEC_START = 51,  /* on the worker's track: a0 = job id, a1 = loop track */
  LT_EV_EXEC_END = 52,    /* on the worker's track: a0 = job id, a1 = status */
  /* user */
  LT_EV_MARK = 60,        /* a0 = string id of the text */
} lt_wire_kind;

typedef enum lt_wire_track { LT_TRACK_LOOP = 1, LT_TRACK_WORKER = 2 } lt_wire_track;
typedef enum lt_wire_clock { LT_WIRE_CLOCK_REAL = 1, LT_WIRE_CLOCK_VIRTUAL = 2 } lt_wire_clock;

/* TASK_SUSPEND flags: why the task waits. a0 names what it waits on: a task id (TASK), a
 * future id (FUTURE, GATHER, LOCK, ...), a timer id (SLEEP); a2 is the deadline (SLEEP), the
 * fd (IO) or the executor job (EXECUTOR). */
typedef enum lt_wire_reason {
  LT_REASON_YIELD = 0,
  LT_REASON_SLEEP,
  LT_REASON_FUTURE,
  LT_REASON_TASK,
  LT_REASON_GATHER,
  LT_REASON_IO,
  LT_REASON_LOCK,
  LT_REASON_EVENT,
  LT_REASON_SEMAPHORE,
  LT_REASON_QUEUE,
  LT_REASON_EXECUTOR,
  LT_REASON_COUNT
} lt_wire_reason;

/* TASK_READY flags, low nibble: why the task became ready. */
typedef enum lt_wire_cause {
  LT_CAUSE_SPAWN = 1, /* its first step was scheduled */
  LT_CAUSE_YIELD = 2, /* it yielded (sleep 0): implied by SUSPEND reason yield, not sent */
  LT_CAUSE_WAKEUP = 3 /* what it awaited finished (a1 = that object) */
} lt_wire_cause;

/* TASK_READY flags, high nibble: what ran when the task became ready (the waker). */
typedef enum lt_wire_waker {
  LT_WAKER_NONE = 0,
  LT_WAKER_TASK = 1,     /* a0 = task id */
  LT_WAKER_TIMER = 2,    /* a0 = timer id */
  LT_WAKER_IO = 3,       /* a0 = fd */
  LT_WAKER_THREAD = 4,   /* another thread (executor job, call_soon_threadsafe): a0 = job id */
  LT_WAKER_LOOP = 5,     /* the loop itself (lt_run shutting down, a plain callback) */
} lt_wire_waker;

typedef enum lt_wire_outcome {
  LT_OUTCOME_RESULT = 1,
  LT_OUTCOME_ERROR = 2,
  LT_OUTCOME_CANCELLED = 3
} lt_wire_outcome;

#endif

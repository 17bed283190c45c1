/* lt/trace.h: turning tracing on and off, and marks. Tracing is off by default; it starts at
 * the first lt_run when LOOPTRACE names a sink, or when the program calls lt_trace_start:
 *   LOOPTRACE=file:/path/trace.ltr | unix:/path/to.sock | tcp:127.0.0.1:PORT
 *   LOOPTRACE_MODE=block (default: a slow sink makes the loop wait, and the wait is recorded)
 *                 | drop (never wait; the exact number of dropped events is recorded instead)
 *   LOOPTRACE_LABEL=text (a label for the session)
 * The flight recorder: LOOPTRACE=ring:SIZE (e.g. ring:16M) keeps the last SIZE bytes of
 * records in memory and writes nothing until a dump: lt_trace_dump(), the signal
 * LOOPTRACE_RING_SIGNAL (USR2 by default; USR1, a number, or none), or `looptrace dump-ring
 * PID`. A dump goes to LOOPTRACE_DUMP (file:|unix:|tcp:, %p the pid, %n the dump's number;
 * default file:${TMPDIR:-/tmp}/looptrace-ring-%p-%n.ltr) as a whole stream: the live state
 * of what fell out of the ring (tasks alive and their latest states, timers pending, the
 * strings in use), what was lost, then the ring. */
#ifndef LT_TRACE_H
#define LT_TRACE_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lt_trace_mode { LT_TRACE_BLOCK = 0, LT_TRACE_DROP = 1 } lt_trace_mode;

/* Opens the sink and writes the stream's hello; loops started afterwards are traced (and the
 * running loop of this thread from now on). -EALREADY if tracing is on, -EINVAL for a bad sink
 * spec, or the errno of opening it. */
int lt_trace_start(const char *sink, const char *label, lt_trace_mode mode);
/* Flushes this thread's events and ends the stream cleanly. Other loops still running stop
 * being traced. Called at exit when tracing is on. */
int lt_trace_stop(void);
bool lt_trace_enabled(void);
/* Flight recorder: writes the ring as a stream to `to` (a sink spec; NULL: LOOPTRACE_DUMP or
 * its default). Any thread may call it, while loops run; it never touches a loop's buffer.
 * Returns the dump's number (1, 2, ...), -ENOENT when the flight recorder is not on, or the
 * errno of writing it. */
int lt_trace_dump(const char *to);

/* Records text on the current task's lane (or the loop's, outside a task). Cut at 4096 bytes.
 * A no-op when tracing is off. */
__attribute__((format(printf, 1, 2))) int lt_mark(const char *fmt, ...);

#ifdef __cplusplus
}
#endif
#endif

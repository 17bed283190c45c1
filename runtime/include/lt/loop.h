/* lt/loop.h: running a loop (lt_run, the asyncio.run of this runtime), its clock, and plain
 * callbacks scheduled on it (call_soon, call_later, timers, wake-ups from other threads). */
#ifndef LT_LOOP_H
#define LT_LOOP_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The body of a task: returns 0 (optionally storing a value in *result) or a negative errno.
 * Returning -ECANCELED marks the task cancelled. */
typedef int (*lt_task_fn)(void *arg, void **result);

typedef enum lt_clock_mode {
  LT_CLOCK_DEFAULT = 0, /* LOOPTRACE_CLOCK=virtual|real from the environment, else real */
  LT_CLOCK_REAL,        /* CLOCK_MONOTONIC */
  LT_CLOCK_VIRTUAL,     /* starts at 0; jumps to the next timer whenever the loop would sleep */
} lt_clock_mode;

typedef struct lt_run_opts {
  lt_clock_mode clock;
  size_t stack_size;       /* default stack size for tasks; 0 = LT_DEFAULT_STACK_SIZE */
  int executor_threads;    /* worker threads for lt_to_thread; 0 = min(32, cpus + 4) */
  const char *main_name;   /* name of the main task; NULL = "main" */
} lt_run_opts;

#define LT_DEFAULT_STACK_SIZE ((size_t)256 * 1024)

/* Runs main as a task on a new loop on this thread until it finishes, then cancels every task
 * still pending and runs them to completion, shuts the executor down and frees the loop.
 * Returns main's status (0, its error, or -ECANCELED) and stores its value in *result.
 * opts may be NULL. Returns -EBUSY when a loop is already running on this thread. */
int lt_run(lt_task_fn main, void *arg, void **result, const lt_run_opts *opts);

/* The loop running on this thread, or NULL. */
lt_loop *lt_loop_current(void);

/* The loop's clock in nanoseconds: CLOCK_MONOTONIC, or the virtual clock (from 0). */
int64_t lt_now(void);
lt_clock_mode lt_clock(void);
/* Asks the kernel to run the calling thread (the loop's, when called from a task) in time
 * slices of slice_ns: EEVDF's custom slice, Linux 6.12 and later. A woken thread takes the CPU
 * from a busy neighbour at once only when its slice is the shorter, so a short one (100-500 µs)
 * keeps timers and reads on time on a loaded machine; the thread is preempted sooner too when
 * it runs long. Its share of the CPU does not change. 0 restores the kernel's default. With
 * LOOPTRACE_SLICE_US=N in the environment lt_run sets N µs for the loop's run.
 * Returns 0; -ERANGE unless 0 or 100 µs..100 ms; -EINVAL for a real-time thread; -EOPNOTSUPP
 * on a kernel without custom slices. */
int lt_set_slice(int64_t slice_ns);
/* How many iterations the loop has begun: each runs the callbacks that were ready when it began. */
uint64_t lt_loop_iterations(void);

/* Schedules cb(arg) to run in a later step of the loop, in FIFO order. */
typedef void (*lt_callback)(void *arg);
int lt_call_soon(lt_callback cb, void *arg);
/* Schedules cb(arg) to run delay_ns from now (timers of equal deadline run in arming order). */
int lt_call_later(int64_t delay_ns, lt_callback cb, void *arg);
/* From any thread: schedules cb(arg) on loop and wakes it. The loop must still be running. */
int lt_call_soon_threadsafe(lt_loop *loop, lt_callback cb, void *arg);

/* A timer whose storage the caller owns (libuv style): start, cancel, start again. */
typedef struct lt_timer {
  uint64_t id;        /* a new one per arming: the tracer matches arm, fire and cancel by it */
  int64_t deadline;
  uint64_t seq;       /* arming order, breaks deadline ties */
  uint32_t heap_index;
  lt_callback cb;
  void *arg;
  lt_loop *loop;
} lt_timer;

void lt_timer_init(lt_timer *t);
int lt_timer_start(lt_timer *t, int64_t delay_ns, lt_callback cb, void *arg);
int lt_timer_start_at(lt_timer *t, int64_t deadline, lt_callback cb, void *arg);
/* Returns 1 when the timer was armed and is now cancelled, 0 when it was not armed. */
int lt_timer_cancel(lt_timer *t);
bool lt_timer_active(const lt_timer *t);

#ifdef __cplusplus
}
#endif
#endif

/* lt/task.h: tasks (coroutines on their own stacks, scheduled by the loop), awaiting futures and
 * tasks, sleeping, and cancellation. Semantics follow CPython 3.11's asyncio.Task. */
#ifndef LT_TASK_H
#define LT_TASK_H

#include "base.h"
#include "future.h"
#include "loop.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lt_task_opts {
  const char *name;  /* copied; NULL = "Task-N" */
  size_t stack_size; /* 0 = the loop's default */
} lt_task_opts;

/* Creates a task that runs fn(arg, &result) and schedules its first step (it does not run yet).
 * Returns the task with one reference for the caller (lt_task_release), or NULL with errno:
 * EPERM outside a loop, ENOMEM. */
lt_task *lt_spawn_at(lt_task_fn fn, void *arg, const lt_task_opts *opts, const lt_srcloc *site);
#define lt_spawn(fn, arg) lt_spawn_at((fn), (arg), NULL, LT_HERE)
#define lt_spawn_named(fn, arg, task_name)                                            \
  lt_spawn_at((fn), (arg), &(lt_task_opts){.name = (task_name)}, LT_HERE)

/* A task is a future: await it, add done callbacks to it, read its outcome. */
lt_future *lt_task_future(lt_task *t);
void lt_task_retain(lt_task *t);
void lt_task_release(lt_task *t);

/* Requests cancellation: the task's current (or next) await returns -ECANCELED; a task that
 * has not started yet never runs. Returns 1 when requested, 0 when the task is already done. */
int lt_task_cancel(lt_task *t);
/* How many cancellation requests are pending (asyncio's Task.cancelling()). */
int lt_task_cancelling(const lt_task *t);
/* Withdraws one request; returns the remaining count (asyncio's Task.uncancel()). */
int lt_task_uncancel(lt_task *t);
bool lt_task_done(const lt_task *t);
bool lt_task_cancelled(const lt_task *t);
/* The outcome of a finished task: 0 with *value, its error, or -ECANCELED; -EAGAIN if running. */
int lt_task_result(const lt_task *t, void **value);

lt_task *lt_current_task(void);
const char *lt_task_name(const lt_task *t);
/* Task.set_name: copies name (any length); the trace's lane takes the new name. 0, -EINVAL
 * (NULL), -EPERM (another thread's task), -ENOMEM. */
int lt_task_set_name(lt_task *t, const char *name);
/* asyncio.all_tasks: the tasks of the current loop not done yet, in creation order (asyncio
 * gives a set). Stores up to cap of them in out (may be NULL with cap 0) and returns how many
 * there are (more than cap: call again with room), or -EPERM outside a loop. The pointers are
 * borrowed: a task stays valid until it is done, so retain one you keep across an await. */
long lt_all_tasks(lt_task **out, size_t cap);
uint64_t lt_task_id(const lt_task *t);
/* The id of the task that spawned t (0: none). */
uint64_t lt_task_parent_id(const lt_task *t);
const lt_srcloc *lt_task_spawn_site(const lt_task *t);

/* Waits until f is done and returns its outcome (0 with *value, its error, or -ECANCELED).
 * A future that is already done returns at once without suspending. value may be NULL.
 * Outside a task: -EPERM. When the waiting task is cancelled: -ECANCELED. */
int lt_await_at(lt_future *f, void **value, const lt_srcloc *site);

static inline lt_future *lt__future_self(lt_future *f) { return f; }
/* Accepts an lt_task * or an lt_future *. */
#define lt_as_future(x) _Generic((x), lt_task *: lt_task_future, lt_future *: lt__future_self)(x)
#define lt_await(x, value) lt_await_at(lt_as_future(x), (value), LT_HERE)

/* Suspends the current task for ns nanoseconds; ns <= 0 yields to the tasks already ready (the
 * task goes to the back of the ready queue). 0, or -ECANCELED when cancelled while asleep. */
int lt_sleep_at(int64_t ns, const lt_srcloc *site);
#define lt_sleep(ns) lt_sleep_at((ns), LT_HERE)
#define lt_yield() lt_sleep_at(0, LT_HERE)

#ifdef __cplusplus
}
#endif
#endif

/* lt/combine.h: waiting on several futures at once and bounding waits: gather, as_completed,
 * wait, wait_for, timeout scopes, shield, and task groups (structured concurrency). Semantics
 * follow CPython 3.11's asyncio. */
#ifndef LT_COMBINE_H
#define LT_COMBINE_H

#include "task.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- gather ---- */
enum {
  /* Wait for every child and report each outcome in errs[] instead of failing on the first. */
  LT_GATHER_RETURN_ERRORS = 1u << 0,
};

/* A future that completes when all n futures have (asyncio.gather over tasks/futures).
 * Without LT_GATHER_RETURN_ERRORS it fails with the first child error, in completion order
 * (the other children keep running). Cancelling it cancels every child. On success its value
 * is NULL: read each child's outcome from the children, or use lt_gather(). */
lt_future *lt_gather_start(lt_future *const *futs, size_t n, unsigned flags);
/* Awaits lt_gather_start(...). values[i] (and errs[i] with LT_GATHER_RETURN_ERRORS) receive each
 * child's outcome; either array may be NULL. Returns 0, the first error, or -ECANCELED. */
int lt_gather_at(lt_future *const *futs, size_t n, void **values, int *errs, unsigned flags,
                 const lt_srcloc *site);
#define lt_gather(futs, n, values, errs, flags) \
  lt_gather_at((futs), (n), (values), (errs), (flags), LT_HERE)

/* ---- as_completed ---- */
typedef struct lt_as_completed lt_as_completed;
/* Iterates over futs in the order they finish. timeout_ns < 0: no timeout. */
lt_as_completed *lt_as_completed_new(lt_future *const *futs, size_t n, int64_t timeout_ns);
/* Awaits the next future to finish and returns its outcome (0 with *value, or its error), with
 * the future itself in *which (may be NULL). -ETIMEDOUT once the timeout passed, -ENOENT when
 * every future has been returned, -ECANCELED when the caller is cancelled. A future given twice
 * counts once. A cancelled call takes nothing: the next call still gets the next future. */
int lt_as_completed_next_at(lt_as_completed *ac, void **value, lt_future **which,
                            const lt_srcloc *site);
#define lt_as_completed_next(ac, value, which) \
  lt_as_completed_next_at((ac), (value), (which), LT_HERE)
void lt_as_completed_free(lt_as_completed *ac);

/* ---- wait_for ---- */
/* Awaits f for at most timeout_ns (< 0: forever). On timeout f is cancelled, waited for, and
 * -ETIMEDOUT returned. Cancelling the caller cancels f too. 3.11 semantics. */
int lt_wait_for_at(lt_future *f, int64_t timeout_ns, void **value, const lt_srcloc *site);
#define lt_wait_for(x, timeout_ns, value) \
  lt_wait_for_at(lt_as_future(x), (timeout_ns), (value), LT_HERE)

/* ---- wait ---- */
typedef enum lt_wait_when {
  LT_ALL_COMPLETED = 0,  /* asyncio.ALL_COMPLETED */
  LT_FIRST_COMPLETED,    /* asyncio.FIRST_COMPLETED */
  LT_FIRST_EXCEPTION,    /* asyncio.FIRST_EXCEPTION: the first to fail (not be cancelled) */
} lt_wait_when;

/* asyncio.wait: waits until `when` holds or timeout_ns has passed (< 0: no timeout), and never
 * cancels the futures nor fails because of them. A future given twice counts once. It always
 * suspends, even when every future is done already (its callbacks run first, as asyncio's do).
 * done / pending (each with room for n, either may be NULL) receive the distinct futures done /
 * not done, in the order given, and *ndone / *npending (may be NULL) how many. Returns 0,
 * -ECANCELED when the caller was cancelled (the futures go on), -EINVAL for n == 0, a NULL
 * future or a bad `when`, -EPERM outside a task. */
int lt_wait_at(lt_future *const *futs, size_t n, lt_wait_when when, int64_t timeout_ns,
               lt_future **done, size_t *ndone, lt_future **pending, size_t *npending,
               const lt_srcloc *site);
#define lt_wait(futs, n, when, timeout_ns, done, ndone, pending, npending)              \
  lt_wait_at((futs), (n), (when), (timeout_ns), (done), (ndone), (pending), (npending), \
             LT_HERE)

/* ---- timeout scopes ---- */
/* asyncio.timeout / timeout_at (3.11): a scope around part of a task's body. When its deadline
 * passes the task is cancelled (the await it is in returns -ECANCELED); lt_timeout_end turns
 * that cancellation into -ETIMEDOUT, unless someone else cancelled the task too. */
typedef struct lt_timeout lt_timeout;
#define LT_NEVER INT64_MAX /* a deadline that never comes (asyncio's None) */

/* Enters a scope owned by the current task with the deadline now + delay_ns (delay_ns < 0:
 * none) or `when` on the loop's clock (LT_NEVER: none). A deadline already past cancels the
 * task in the next loop step (call_soon). NULL + errno: EPERM outside a task, ENOMEM. A task
 * that returns with a scope open gets a misuse report and the scope is closed for it. */
lt_timeout *lt_timeout_new(int64_t delay_ns);
lt_timeout *lt_timeout_at_new(int64_t when);
/* Moves the deadline (LT_NEVER: none) of a scope not ended yet: 0, or -EINVAL (and a message)
 * once it has expired or ended. */
int lt_timeout_reschedule(lt_timeout *tm, int64_t when);
/* The deadline (LT_NEVER: none). */
int64_t lt_timeout_when(const lt_timeout *tm);
/* Whether the deadline passed while the scope was open. */
bool lt_timeout_expired(const lt_timeout *tm);
/* Leaves the scope (`async with`'s exit), in its task. body_status is how the body ended.
 * Returns -ETIMEDOUT when the scope expired, the body ended with -ECANCELED and no other
 * cancellation of the task is pending; otherwise body_status. -EINVAL when already ended. */
int lt_timeout_end(lt_timeout *tm, int body_status);
void lt_timeout_free(lt_timeout *tm);

/* ---- shield ---- */
/* asyncio.shield: a new future that follows f's outcome, except that cancelling it (as the
 * cancellation of a task awaiting it does) leaves f running. f already done: f itself. Either
 * way the caller gets a reference to release. NULL + errno: EPERM, EINVAL, ENOMEM. */
lt_future *lt_shield(lt_future *f);
#define lt_shield_of(x) lt_shield(lt_as_future(x))

/* ---- task groups ---- */
/* asyncio.TaskGroup: tasks spawned into the group are awaited by lt_taskgroup_end(). The first
 * child failure cancels the other children and the task that owns the group; the group
 * collects every child error. A task must end every group it began before it returns. */
typedef struct lt_taskgroup lt_taskgroup;

/* Begins a group owned by the current task (-EPERM outside a task; NULL + errno). If the task
 * returns without lt_taskgroup_end, the misuse is reported, the children are cancelled and
 * waited for, and the task ends with -EBUSY. */
lt_taskgroup *lt_taskgroup_new(void);
lt_task *lt_taskgroup_spawn_at(lt_taskgroup *tg, lt_task_fn fn, void *arg,
                               const lt_task_opts *opts, const lt_srcloc *site);
/* Like lt_spawn (the caller gets one reference to release), or NULL + errno: EINVAL once the
 * group has finished, ESHUTDOWN while it is aborting (after a failure or cancellation). */
#define lt_taskgroup_spawn(tg, fn, arg) lt_taskgroup_spawn_at((tg), (fn), (arg), NULL, LT_HERE)
#define lt_taskgroup_spawn_named(tg, fn, arg, task_name) \
  lt_taskgroup_spawn_at((tg), (fn), (arg), &(lt_task_opts){.name = (task_name)}, LT_HERE)
/* Waits for every child (the `async with` exit). body_status is how the body ended: 0, an error
 * (which aborts the group), or -ECANCELED. Returns 0, the first child error (all of them via
 * lt_taskgroup_error), -ECANCELED when the owner was cancelled from outside, or body_status. */
int lt_taskgroup_end_at(lt_taskgroup *tg, int body_status, const lt_srcloc *site);
#define lt_taskgroup_end(tg, body_status) lt_taskgroup_end_at((tg), (body_status), LT_HERE)
/* The errors collected, in the order they happened: count, and the i-th error and its task
 * (a body error passed to lt_taskgroup_end comes last, with task NULL; 0 when i is out of
 * range). The tasks stay valid until lt_taskgroup_free. */
size_t lt_taskgroup_error_count(const lt_taskgroup *tg);
int lt_taskgroup_error(const lt_taskgroup *tg, size_t i, lt_task **task);
void lt_taskgroup_free(lt_taskgroup *tg);

#ifdef __cplusplus
}
#endif
#endif

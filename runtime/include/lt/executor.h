/* lt/executor.h: running a blocking function on the loop's worker thread pool and awaiting its
 * result (asyncio's run_in_executor / to_thread). Workers wake the loop through an eventfd. */
#ifndef LT_EXECUTOR_H
#define LT_EXECUTOR_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs on a worker thread: must not touch the loop (use lt_call_soon_threadsafe for that). */
typedef int (*lt_blocking_fn)(void *arg, void **result);

/* Submits fn(arg) to the pool and returns a future for its outcome (NULL + errno). */
lt_future *lt_executor_submit(lt_blocking_fn fn, void *arg);
/* Submits and awaits: fn's status and *result. If the caller is cancelled the job still runs to
 * its end on its thread (threads cannot be interrupted) and -ECANCELED is returned. */
int lt_to_thread_at(lt_blocking_fn fn, void *arg, void **result, const lt_srcloc *site);
#define lt_to_thread(fn, arg, result) lt_to_thread_at((fn), (arg), (result), LT_HERE)

#ifdef __cplusplus
}
#endif
#endif

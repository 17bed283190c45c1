/* lt/signal.h: Unix signal handlers that run on the loop as ordinary callbacks (asyncio's
 * loop.add_signal_handler): the C-level handler only writes the signal's number into the
 * loop's self-pipe; the loop reads it and schedules the callback, so it may touch the loop
 * and its tasks freely. */
#ifndef LT_SIGNAL_H
#define LT_SIGNAL_H

#include "base.h"
#include "loop.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs cb(arg) on the current loop each time sig arrives (replacing the loop's earlier handler
 * for sig). One loop handles a given signal at a time. 0, or -EINVAL (a signal that cannot be
 * caught, or out of range), -EBUSY (another loop handles sig), -EPERM outside a loop, or the
 * errno of setting it up. Every handler is removed when the loop ends. */
int lt_add_signal_handler(int sig, lt_callback cb, void *arg);
/* Restores sig's default action: 1 when a handler was removed, 0 when there was none (a call
 * already scheduled still runs, as in asyncio). -EINVAL, -EPERM as above. */
int lt_remove_signal_handler(int sig);

#ifdef __cplusplus
}
#endif
#endif

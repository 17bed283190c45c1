/* twaiter.h: private to the combinators that park on a waiter future a timer may resolve
 * (wait_for, wait): asyncio's `waiter = loop.create_future()` with its `call_later(timeout,
 * _release_waiter, waiter)`. Loop-owned and reference counted: the creator holds one
 * reference, the armed timer one, and each done callback registered with it one. */
#ifndef LT_TWAITER_H
#define LT_TWAITER_H

#include "internal.h"

typedef struct lt__twaiter {
  lt_future fut;
  lt_timer timer;
} lt__twaiter;

/* A pending waiter of size bytes (>= sizeof(lt__twaiter): room for the caller's fields after
 * it) on loop, or NULL. */
lt__twaiter *lt__twaiter_new(lt_loop *loop, size_t size);
/* _release_waiter: resolves it unless it is done. */
void lt__twaiter_release(lt__twaiter *w);
/* call_later(timeout_ns, _release_waiter, w): 0 or -errno. */
int lt__twaiter_arm(lt__twaiter *w, int64_t timeout_ns);
/* The timeout handle's cancel(): withdraws even a fire already queued. */
void lt__twaiter_disarm(lt__twaiter *w);
static inline void lt__twaiter_drop(lt__twaiter *w) { lt__obj_release(&w->fut.obj); }

#endif

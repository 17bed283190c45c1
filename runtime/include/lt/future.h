/* lt/future.h: futures, the one-shot result cells everything else is built on (a task is a
 * future too). Resolving a future schedules its done callbacks, in registration order. */
#ifndef LT_FUTURE_H
#define LT_FUTURE_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lt_future_state {
  LT_FUTURE_PENDING = 0,
  LT_FUTURE_RESULT,
  LT_FUTURE_ERROR,
  LT_FUTURE_CANCELLED,
} lt_future_state;

typedef void (*lt_done_callback)(lt_future *f, void *arg);

/* A new pending future on the current loop (NULL with errno=EPERM outside a loop). */
lt_future *lt_future_new(void);
void lt_future_retain(lt_future *f);
void lt_future_release(lt_future *f);

/* Resolve: -EINVAL (and a message) when the future is already done. err must be negative. */
int lt_future_set_result(lt_future *f, void *value);
int lt_future_set_error(lt_future *f, int err);
/* Returns 1 when it was pending and is now cancelled, 0 when it was already done. */
int lt_future_cancel(lt_future *f);

lt_future_state lt_future_state_of(const lt_future *f);
bool lt_future_done(const lt_future *f);
bool lt_future_cancelled(const lt_future *f);
/* The outcome of a done future: 0 with *value, its error, or -ECANCELED; -EAGAIN if pending. */
int lt_future_result(const lt_future *f, void **value);

/* Adds cb; on a done future it is scheduled at once. Each registered callback runs once. */
int lt_future_add_done_callback(lt_future *f, lt_done_callback cb, void *arg);
/* Removes every registration of (cb, arg); returns how many were removed. */
int lt_future_remove_done_callback(lt_future *f, lt_done_callback cb, void *arg);

#ifdef __cplusplus
}
#endif
#endif

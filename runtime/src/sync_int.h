/* sync_int.h: private to the synchronisation primitives (sync.c, condition.c, barrier.c): the
 * head every one of them starts with, the Lock a Condition is built on, and the acquire that
 * lets a Condition or a Barrier name its own wait reason. */
#ifndef LT_SYNC_INT_H
#define LT_SYNC_INT_H

#include "waiters.h"

typedef struct sync_obj {
  lt__obj obj;
  lt_loop *loop;
} sync_obj;

struct lt_lock {
  sync_obj base;
  bool locked;
  lt__list waiters;
};

/* Allocates and registers an object of size bytes on the current loop, or NULL with errno. */
void *lt__sync_new(size_t size, const char *who);
/* Drops the user's reference (after checking the thread). */
void lt__sync_free(sync_obj *s, const char *who);
/* True (after reporting the misuse) when p is NULL. */
bool lt__null_arg(const void *p, const char *who);
/* Lock.acquire for t, its wait recorded with reason. */
int lt__lock_acquire(lt_lock *l, lt_task *t, lt__wait_reason reason, const lt_srcloc *site);

#endif

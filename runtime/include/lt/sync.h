/* lt/sync.h: synchronisation between tasks of one loop: Event, Lock, Condition, Semaphore,
 * BoundedSemaphore, Barrier and the queues (FIFO, LIFO, priority), with CPython 3.11's
 * fairness and cancellation semantics. Each belongs to the current loop. */
#ifndef LT_SYNC_H
#define LT_SYNC_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lt_event lt_event;
lt_event *lt_event_new(void);
void lt_event_free(lt_event *e);
void lt_event_set(lt_event *e);
void lt_event_clear(lt_event *e);
bool lt_event_is_set(const lt_event *e);
/* 0 once set (at once if already set), -ECANCELED when cancelled. */
int lt_event_wait_at(lt_event *e, const lt_srcloc *site);
#define lt_event_wait(e) lt_event_wait_at((e), LT_HERE)

typedef struct lt_lock lt_lock;
lt_lock *lt_lock_new(void);
void lt_lock_free(lt_lock *l);
int lt_lock_acquire_at(lt_lock *l, const lt_srcloc *site);
#define lt_lock_acquire(l) lt_lock_acquire_at((l), LT_HERE)
/* -EPERM (and a message) when the lock is not held. */
int lt_lock_release(lt_lock *l);
bool lt_lock_locked(const lt_lock *l);

/* asyncio.Condition over lock (NULL: a lock of its own, freed with it; a lock given must
 * outlive the condition). acquire / release / locked are the lock's. */
typedef struct lt_condition lt_condition;
lt_condition *lt_condition_new(lt_lock *lock);
void lt_condition_free(lt_condition *c);
lt_lock *lt_condition_lock(lt_condition *c);
int lt_condition_acquire_at(lt_condition *c, const lt_srcloc *site);
#define lt_condition_acquire(c) lt_condition_acquire_at((c), LT_HERE)
int lt_condition_release(lt_condition *c);
bool lt_condition_locked(const lt_condition *c);
/* Releases the lock, waits to be notified and takes the lock again, even when cancelled
 * (the lock is held whenever it returns): 0, or -ECANCELED. -EPERM when the lock is not held. */
int lt_condition_wait_at(lt_condition *c, const lt_srcloc *site);
#define lt_condition_wait(c) lt_condition_wait_at((c), LT_HERE)
/* Waits (as lt_condition_wait) until pred(arg) is true, checking it first: 0 or -ECANCELED. */
int lt_condition_wait_for_at(lt_condition *c, bool (*pred)(void *arg), void *arg,
                             const lt_srcloc *site);
#define lt_condition_wait_for(c, pred, arg) lt_condition_wait_for_at((c), (pred), (arg), LT_HERE)
/* Wakes up to n waiters (all of them), FIFO; they return once they get the lock back. The lock
 * must be held: -EPERM otherwise. */
int lt_condition_notify(lt_condition *c, size_t n);
int lt_condition_notify_all(lt_condition *c);

typedef struct lt_semaphore lt_semaphore;
lt_semaphore *lt_semaphore_new(unsigned value);
/* asyncio.BoundedSemaphore: releasing it above its initial value (> 0) is an error. */
lt_semaphore *lt_bounded_semaphore_new(unsigned value);
void lt_semaphore_free(lt_semaphore *s);
int lt_semaphore_acquire_at(lt_semaphore *s, const lt_srcloc *site);
#define lt_semaphore_acquire(s) lt_semaphore_acquire_at((s), LT_HERE)
/* 0, or -EINVAL (and a message) when a bounded semaphore would pass its initial value. */
int lt_semaphore_release(lt_semaphore *s);
bool lt_semaphore_locked(const lt_semaphore *s);
unsigned lt_semaphore_value(const lt_semaphore *s);

/* asyncio.Barrier for `parties` tasks (> 0). */
typedef struct lt_barrier lt_barrier;
lt_barrier *lt_barrier_new(unsigned parties);
void lt_barrier_free(lt_barrier *b);
/* Waits until `parties` tasks wait, then all return, each with its own index (0 .. parties-1,
 * in arrival order). -EPIPE (BrokenBarrierError) once aborted, or when reset while waiting;
 * -ECANCELED when cancelled. */
int lt_barrier_wait_at(lt_barrier *b, const lt_srcloc *site);
#define lt_barrier_wait(b) lt_barrier_wait_at((b), LT_HERE)
/* Back to empty: tasks waiting get -EPIPE. 0, or -ECANCELED (both take the barrier's lock). */
int lt_barrier_reset_at(lt_barrier *b, const lt_srcloc *site);
#define lt_barrier_reset(b) lt_barrier_reset_at((b), LT_HERE)
/* Broken for good: every wait, now or later, gets -EPIPE. 0 or -ECANCELED. */
int lt_barrier_abort_at(lt_barrier *b, const lt_srcloc *site);
#define lt_barrier_abort(b) lt_barrier_abort_at((b), LT_HERE)
unsigned lt_barrier_parties(const lt_barrier *b);
/* Tasks waiting for the barrier to fill (0 while it drains or resets). */
unsigned lt_barrier_n_waiting(const lt_barrier *b);
bool lt_barrier_broken(const lt_barrier *b);

/* A FIFO queue of pointers (asyncio.Queue). maxsize 0 = unbounded. */
typedef struct lt_queue lt_queue;
lt_queue *lt_queue_new(size_t maxsize);
/* asyncio.LifoQueue: the item put last comes out first. */
lt_queue *lt_lifo_queue_new(size_t maxsize);
/* asyncio.PriorityQueue: the least item comes out first, by cmp (< 0: a before b; NULL: the
 * pointers compared as integers, so that ITEM(priority)s work as they are). Equal items come
 * out in heapq's order, as in asyncio. Everything below works on all three kinds. */
typedef int (*lt_queue_cmp)(const void *a, const void *b);
lt_queue *lt_priority_queue_new(size_t maxsize, lt_queue_cmp cmp);
void lt_queue_free(lt_queue *q);
/* Waits while full. 0 or -ECANCELED. */
int lt_queue_put_at(lt_queue *q, void *item, const lt_srcloc *site);
#define lt_queue_put(q, item) lt_queue_put_at((q), (item), LT_HERE)
/* Waits while empty. 0 with *item, or -ECANCELED. */
int lt_queue_get_at(lt_queue *q, void **item, const lt_srcloc *site);
#define lt_queue_get(q, item) lt_queue_get_at((q), (item), LT_HERE)
/* Non-waiting forms: -EAGAIN when full / empty. */
int lt_queue_put_nowait(lt_queue *q, void *item);
int lt_queue_get_nowait(lt_queue *q, void **item);
size_t lt_queue_size(const lt_queue *q);
/* task_done / join, as asyncio.Queue: join waits until every item put was marked done. */
int lt_queue_task_done(lt_queue *q);
int lt_queue_join_at(lt_queue *q, const lt_srcloc *site);
#define lt_queue_join(q) lt_queue_join_at((q), LT_HERE)

#ifdef __cplusplus
}
#endif
#endif

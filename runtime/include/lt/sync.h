/* lt/sync.h: synchronisation between tasks of one loop: Event, Lock, Semaphore and Queue, with
 * CPython 3.11's fairness and cancellation semantics. Each belongs to the current loop. */
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

typedef struct lt_semaphore lt_semaphore;
lt_semaphore *lt_semaphore_new(unsigned value);
void lt_semaphore_free(lt_semaphore *s);
int lt_semaphore_acquire_at(lt_semaphore *s, const lt_srcloc *site);
#define lt_semaphore_acquire(s) lt_semaphore_acquire_at((s), LT_HERE)
void lt_semaphore_release(lt_semaphore *s);
bool lt_semaphore_locked(const lt_semaphore *s);
unsigned lt_semaphore_value(const lt_semaphore *s);

/* A FIFO queue of pointers. maxsize 0 = unbounded. */
typedef struct lt_queue lt_queue;
lt_queue *lt_queue_new(size_t maxsize);
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

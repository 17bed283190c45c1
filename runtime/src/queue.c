/* queue.c: lt_queue, asyncio.Queue, LifoQueue and PriorityQueue of CPython 3.11.7
 * (Lib/asyncio/queues.py): a FIFO ring, a stack or a binary heap (heapq's algorithm, so that
 * equal priorities come out in the same order) of pointers, bounded or not, whose put and get
 * wait while full / empty on FIFO deques of putter / getter futures, and task_done / join. A
 * loop-owned object; a task waiting on a queue holds a reference to it until its wait returns. */
#include <stdlib.h>

#include "waiters.h"

enum { FIFO, LIFO, PRIORITY };

struct lt_queue {
  lt__obj obj;
  lt_loop *loop;
  size_t maxsize; /* 0: unbounded */
  int kind;
  lt_queue_cmp cmp; /* PRIORITY: the order (a heap: buf[0] is the least) */
  void **buf;     /* FIFO: a ring of count items from head; else an array (head 0). Capacity
                   * cap (a power of two) */
  size_t cap, head, count;
  lt__list getters, putters;
  size_t unfinished;
  lt__flag finished; /* set whenever unfinished is 0 */
};

static void queue_destroy(lt__obj *o) {
  /* Waiters are not walked: a waiting task holds a reference, and on loop close the loop frees
   * them on their own. */
  lt_queue *q = lt__container_of(o, lt_queue, obj);
  free(q->buf);
  free(q);
}

static lt_queue *queue_new(size_t maxsize, int kind, lt_queue_cmp cmp, const char *who) {
  lt_loop *loop = lt__loop_check(who);
  if (!loop) {
    errno = EPERM;
    return NULL;
  }
  lt_queue *q = calloc(1, sizeof *q);
  if (!q) return NULL;
  lt__obj_register(loop, &q->obj, queue_destroy);
  q->loop = loop;
  q->maxsize = maxsize;
  q->kind = kind;
  q->cmp = cmp;
  lt__list_init(&q->getters);
  lt__list_init(&q->putters);
  lt__flag_init(&q->finished, true);
  return q;
}

lt_queue *lt_queue_new(size_t maxsize) { return queue_new(maxsize, FIFO, NULL, "lt_queue_new"); }

lt_queue *lt_lifo_queue_new(size_t maxsize) {
  return queue_new(maxsize, LIFO, NULL, "lt_lifo_queue_new");
}

/* Pointers compared as numbers: lt_priority_queue_new(n, NULL) orders ITEM(priority)s. */
static int cmp_numbers(const void *a, const void *b) {
  return (intptr_t)a < (intptr_t)b ? -1 : (intptr_t)a > (intptr_t)b;
}

lt_queue *lt_priority_queue_new(size_t maxsize, lt_queue_cmp cmp) {
  return queue_new(maxsize, PRIORITY, cmp ? cmp : cmp_numbers, "lt_priority_queue_new");
}

void lt_queue_free(lt_queue *q) {
  if (!q || lt__sync_check(q->loop, "lt_queue_free") < 0) return;
  lt__obj_release(&q->obj);
}

static bool bad_queue(const lt_queue *q, const char *who) {
  if (q) return lt__sync_check(q->loop, who) < 0;
  lt__misuse("%s on NULL", who);
  return true;
}

size_t lt_queue_size(const lt_queue *q) { return q ? q->count : 0; }

static bool queue_full(const lt_queue *q) { return q->maxsize > 0 && q->count >= q->maxsize; }
static bool queue_empty(const lt_queue *q) { return q->count == 0; }

/* ---- the ring ---- */

static int ring_grow(lt_queue *q) {
  size_t cap = q->cap ? q->cap * 2 : 8;
  if (cap < q->cap) return -ENOMEM;
  void **buf = malloc(cap * sizeof *buf);
  if (!buf) return -ENOMEM;
  for (size_t i = 0; i < q->count; i++) buf[i] = q->buf[(q->head + i) & (q->cap - 1)];
  free(q->buf);
  q->buf = buf;
  q->cap = cap;
  q->head = 0;
  return 0;
}

/* heapq._siftdown: the item at pos moves up while it is less than its parent. */
static void heap_siftdown(lt_queue *q, size_t start, size_t pos) {
  void *item = q->buf[pos];
  while (pos > start) {
    size_t parent = (pos - 1) >> 1;
    if (q->cmp(item, q->buf[parent]) >= 0) break;
    q->buf[pos] = q->buf[parent];
    pos = parent;
  }
  q->buf[pos] = item;
}

/* heapq._siftup: the item at pos goes down to a leaf along the lesser children, then back up. */
static void heap_siftup(lt_queue *q, size_t pos) {
  size_t end = q->count, start = pos, child = 2 * pos + 1;
  void *item = q->buf[pos];
  while (child < end) {
    size_t right = child + 1;
    if (right < end && !(q->cmp(q->buf[child], q->buf[right]) < 0)) child = right;
    q->buf[pos] = q->buf[child];
    pos = child;
    child = 2 * pos + 1;
  }
  q->buf[pos] = item;
  heap_siftdown(q, start, pos);
}

static int ring_push(lt_queue *q, void *item) {
  if (q->count == q->cap) {
    int rc = ring_grow(q);
    if (rc < 0) return rc;
  }
  q->buf[(q->head + q->count) & (q->cap - 1)] = item;
  q->count++;
  if (q->kind == PRIORITY) heap_siftdown(q, 0, q->count - 1); /* heappush */
  return 0;
}

static void *ring_pop(lt_queue *q) {
  if (q->kind == LIFO) return q->buf[--q->count];
  if (q->kind == PRIORITY) { /* heappop */
    void *last = q->buf[--q->count];
    if (q->count == 0) return last;
    void *top = q->buf[0];
    q->buf[0] = last;
    heap_siftup(q, 0);
    return top;
  }
  void *item = q->buf[q->head];
  q->head = (q->head + 1) & (q->cap - 1);
  q->count--;
  return item;
}

/* ---- non-waiting forms ---- */

static int put_now(lt_queue *q, void *item) {
  if (queue_full(q)) return -EAGAIN;
  int rc = ring_push(q, item);
  if (rc < 0) return rc;
  q->unfinished++;
  q->finished.set = false;
  lt__deque_pop_wake(&q->getters);
  return 0;
}

static int get_now(lt_queue *q, void **item) {
  if (queue_empty(q)) return -EAGAIN;
  void *v = ring_pop(q);
  if (item) *item = v;
  lt__deque_pop_wake(&q->putters);
  return 0;
}

int lt_queue_put_nowait(lt_queue *q, void *item) {
  if (bad_queue(q, "lt_queue_put_nowait")) return q ? -EPERM : -EINVAL;
  return put_now(q, item);
}

int lt_queue_get_nowait(lt_queue *q, void **item) {
  if (bad_queue(q, "lt_queue_get_nowait")) return q ? -EPERM : -EINVAL;
  return get_now(q, item);
}

/* ---- waiting ---- */

/* One turn of put's / get's `while full / empty` loop: queue on deque and wait to be woken.
 * still_blocked is full or empty: a waiter woken but failing (cancelled) passes its turn on
 * when the queue is no longer blocked for the next one, as Queue.put / Queue.get do. */
static int wait_turn(lt_queue *q, lt_task *t, lt__list *deque,
                     bool (*still_blocked)(const lt_queue *), const lt_srcloc *site) {
  lt__waiter *w = lt__waiter_push(q->loop, deque);
  if (!w) return -ENOMEM;
  int rc = lt__waiter_park(t, w, LT__WAIT_QUEUE, site);
  if (rc < 0) {
    lt__waiter_cancel(w);                  /* in case it is not done yet */
    if (lt__waiter_queued(w)) lt__list_remove(&w->link);
    if (!still_blocked(q) && !lt__waiter_cancelled(w)) lt__deque_pop_wake(deque);
  }
  lt__waiter_drop(w);
  return rc;
}

/* The task waiting on q, or NULL after reporting the misuse. */
static lt_task *queue_task(lt_queue *q, const char *who) {
  if (!q) {
    lt__misuse("%s on NULL", who);
    return NULL;
  }
  return lt__sync_task(q->loop, who);
}

int lt_queue_put_at(lt_queue *q, void *item, const lt_srcloc *site) {
  lt_task *t = queue_task(q, "lt_queue_put");
  if (!t) return q ? -EPERM : -EINVAL;
  int rc = 0;
  lt__obj_retain(&q->obj);
  while (rc == 0 && queue_full(q)) rc = wait_turn(q, t, &q->putters, queue_full, site);
  if (rc == 0) rc = put_now(q, item);
  lt__obj_release(&q->obj);
  return rc;
}

int lt_queue_get_at(lt_queue *q, void **item, const lt_srcloc *site) {
  lt_task *t = queue_task(q, "lt_queue_get");
  if (!t) return q ? -EPERM : -EINVAL;
  int rc = 0;
  lt__obj_retain(&q->obj);
  while (rc == 0 && queue_empty(q)) rc = wait_turn(q, t, &q->getters, queue_empty, site);
  if (rc == 0) rc = get_now(q, item);
  lt__obj_release(&q->obj);
  return rc;
}

/* ---- task_done / join ---- */

int lt_queue_task_done(lt_queue *q) {
  if (bad_queue(q, "lt_queue_task_done")) return q ? -EPERM : -EINVAL;
  if (q->unfinished == 0) {
    lt__misuse("lt_queue_task_done called more times than there were items put");
    return -EINVAL;
  }
  if (--q->unfinished == 0) lt__flag_set(&q->finished);
  return 0;
}

int lt_queue_join_at(lt_queue *q, const lt_srcloc *site) {
  lt_task *t = queue_task(q, "lt_queue_join");
  if (!t) return q ? -EPERM : -EINVAL;
  if (q->unfinished == 0) return 0;
  lt__obj_retain(&q->obj);
  int rc = lt__flag_wait(t, q->loop, &q->finished, LT__WAIT_QUEUE, site);
  lt__obj_release(&q->obj);
  return rc;
}

/* timer.c: timers: a 4-ary min-heap on (deadline, arming order) whose entries name slots,
 * lt_timer (caller-owned), lt_call_later (loop-owned), and moving expired timers onto the ready
 * queue.
 *
 * Why this layout: sifting through a heap of 100k timers that wrote each moved timer's
 * position into the timer itself took a cache miss per level (the timers are spread over the
 * heap the program allocated them from). Here an entry holds its key and a slot number, so a
 * sift reads and writes the heap array only; the slot (loop->tslot) maps to the timer and is
 * looked at once, when the entry surfaces. Cancelling empties the slot in O(1) (timeouts are
 * mostly cancelled before they fire): its entry leaves when the loop finds it on top
 * (lt__timers_top, before it reads the next deadline), or when dead entries outnumber live
 * ones and the heap is compacted (so a mass cancel costs O(1) each, not a pop each). 4-ary: half the depth of a binary heap, and a node's
 * children (96 bytes) span at most two cache lines. */
#include <stdlib.h>

#include "internal.h"
#include "trace.h"

#define TIMER_IDLE UINT32_MAX       /* not armed */
#define TIMER_DUE (UINT32_MAX - 1)  /* expired: its callback waits in the ready queue */
#define ARITY 4
#define COMPACT_MIN 64              /* dead entries tolerated whatever the heap's size */

static inline bool entry_before(const lt__heap_entry *a, const lt__heap_entry *b) {
  return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

/* The same without a branch: which child is least is a coin toss the predictor always loses
 * (three of them per level of a 4-ary heap), so the choice is a conditional move. */
static inline bool entry_before_nb(const lt__heap_entry *a, const lt__heap_entry *b) {
  unsigned __int128 ka = (unsigned __int128)((uint64_t)a->deadline ^ (1ull << 63)) << 64 | a->seq;
  unsigned __int128 kb = (unsigned __int128)((uint64_t)b->deadline ^ (1ull << 63)) << 64 | b->seq;
  return ka < kb;
}

static void sift_up(lt__heap_entry *h, uint32_t i) {
  lt__heap_entry e = h[i];
  while (i > 0) {
    uint32_t parent = (i - 1) / ARITY;
    if (!entry_before(&e, &h[parent])) break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = e;
}

/* The least of h[c..end) (end > c). */
static inline uint32_t least_child(const lt__heap_entry *h, uint32_t c, uint32_t end) {
  uint32_t m = c;
  for (uint32_t k = c + 1; k < end; k++) m = entry_before_nb(&h[k], &h[m]) ? k : m;
  return m;
}

static void sift_down(lt__heap_entry *h, uint32_t n, uint32_t i) {
  lt__heap_entry e = h[i];
  for (;;) {
    uint32_t c = ARITY * i + 1;
    if (c >= n) break;
    uint32_t m = least_child(h, c, c + ARITY < n ? c + ARITY : n);
    if (!entry_before(&h[m], &e)) break;
    h[i] = h[m];
    i = m;
  }
  h[i] = e;
}

/* Removes h[0] of n entries: the hole goes down to a leaf along the least children (no
 * comparison with the entry that fills it, which is the last one, and large: it belongs near
 * the bottom), and the last entry fills it from there upwards. */
static void heap_pop(lt__heap_entry *h, uint32_t n) {
  lt__heap_entry last = h[--n];
  uint32_t i = 0;
  for (;;) {
    uint32_t c = ARITY * i + 1;
    if (c >= n) break;
    uint32_t m = least_child(h, c, c + ARITY < n ? c + ARITY : n);
    h[i] = h[m];
    i = m;
  }
  h[i] = last;
  sift_up(h, i);
}

/* ---- slots: a timer's address, 0 once cancelled, or a free slot (next free << 1 | 1) ---- */

static int slot_alloc(lt_loop *loop, lt_timer *t, uint32_t *out) {
  if (!loop->tslot_free) {
    uint32_t cap = loop->tslot_cap ? loop->tslot_cap * 2 : 64;
    uintptr_t *n = realloc(loop->tslot, cap * sizeof *n);
    if (!n) return -ENOMEM;
    for (uint32_t i = cap; i-- > loop->tslot_cap;) {
      n[i] = (uintptr_t)loop->tslot_free << 1 | 1;
      loop->tslot_free = i + 1;
    }
    loop->tslot = n;
    loop->tslot_cap = cap;
  }
  uint32_t i = loop->tslot_free - 1;
  loop->tslot_free = (uint32_t)(loop->tslot[i] >> 1);
  loop->tslot[i] = (uintptr_t)t;
  *out = i;
  return 0;
}

static inline void slot_free(lt_loop *loop, uint32_t i) {
  loop->tslot[i] = (uintptr_t)loop->tslot_free << 1 | 1;
  loop->tslot_free = i + 1;
}

/* Removes heap[0], then any dead entries that surface, so that heap[0] stays live. */
static void pop_top(lt_loop *loop) {
  for (;;) {
    slot_free(loop, loop->heap[0].slot);
    heap_pop(loop->heap, loop->heap_len--);
    if (loop->heap_len == 0) return;
    if (loop->tslot[loop->heap[0].slot] != 0) return;
    loop->heap_dead--;
  }
}

/* Drops every dead entry and rebuilds the heap (Floyd): the order timers fire in is the
 * order of their keys, whatever the heap's shape. */
static void compact(lt_loop *loop) {
  lt__heap_entry *h = loop->heap;
  uint32_t k = 0;
  for (uint32_t i = 0; i < loop->heap_len; i++) {
    if (loop->tslot[h[i].slot] == 0)
      slot_free(loop, h[i].slot);
    else
      h[k++] = h[i];
  }
  loop->heap_len = k;
  loop->heap_dead = 0;
  if (k > 1)
    for (uint32_t i = (k - 2) / ARITY + 1; i-- > 0;) sift_down(h, k, i);
}

void lt_timer_init(lt_timer *t) {
  t->id = 0;
  t->deadline = 0;
  t->seq = 0;
  t->heap_index = TIMER_IDLE;
  t->cb = NULL;
  t->arg = NULL;
  t->loop = NULL;
}

bool lt_timer_active(const lt_timer *t) { return t->heap_index != TIMER_IDLE; }

static void timer_run(lt__ready *r);
static void fire_withdrawn(lt__ready *r) { (void)r; }

/* A due timer's fire already waits in the ready queue: withdraw it, so that once cancelled the
 * timer's memory is never read again and its owner may free it at once (a task's own sleep
 * timer goes with the task). Rare, so a scan of the queue is fine. */
static void unqueue_fire(lt_timer *t) {
  lt__ring *q = &t->loop->ready;
  for (size_t i = 0; i < q->count; i++) {
    lt__ready *r = &q->buf[(q->head + i) & q->mask];
    if (r->run == timer_run && r->a == t) r->run = fire_withdrawn;
  }
}

int lt_timer_cancel(lt_timer *t) {
  if (t->heap_index == TIMER_IDLE) return 0;
  if (t->loop != lt__tls_loop) {
    lt__misuse("lt_timer_cancel called from a thread that does not run the timer's loop");
    return -EPERM;
  }
  lt_loop *loop = t->loop;
  if (t->heap_index == TIMER_DUE) {
    unqueue_fire(t);
  } else {
    loop->tslot[t->heap_index] = 0;
    if (++loop->heap_dead >= COMPACT_MIN && loop->heap_dead > loop->heap_len / 2) compact(loop);
  }
  t->heap_index = TIMER_IDLE;
  if (LT_TRACING(loop)) lt__trace_simple(loop, LT_EV_TIMER_CANCEL, 0, 0, t->id, 0);
  return 1;
}

int lt_timer_start_at(lt_timer *t, int64_t deadline, lt_callback cb, void *arg) {
  lt_loop *loop = lt__loop_check("lt_timer_start");
  if (!loop) return -EPERM;
  if (t->heap_index != TIMER_IDLE) lt_timer_cancel(t);
  if (loop->heap_len == loop->heap_cap) {
    uint32_t cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
    lt__heap_entry *h = realloc(loop->heap, cap * sizeof *h);
    if (!h) return -ENOMEM;
    loop->heap = h;
    loop->heap_cap = cap;
  }
  uint32_t slot;
  if (slot_alloc(loop, t, &slot) < 0) return -ENOMEM;
  t->loop = loop;
  t->id = ++loop->next_obj_id;
  t->deadline = deadline;
  t->seq = loop->timer_seq++;
  t->cb = cb;
  t->arg = arg;
  t->heap_index = slot;
  loop->heap[loop->heap_len] = (lt__heap_entry){deadline, t->seq, slot};
  sift_up(loop->heap, loop->heap_len++);
  if (LT_TRACING(loop))
    lt__trace_simple(loop, LT_EV_TIMER_ARM, 0, loop->current ? (uint32_t)loop->current->id : 0,
                     t->id, (uint64_t)deadline);
  return 0;
}

int lt_timer_start(lt_timer *t, int64_t delay_ns, lt_callback cb, void *arg) {
  lt_loop *loop = lt__loop_check("lt_timer_start");
  if (!loop) return -EPERM;
  return lt_timer_start_at(t, lt__loop_time(loop) + (delay_ns > 0 ? delay_ns : 0), cb, arg);
}

static void timer_run(lt__ready *r) {
  lt_timer *t = r->a;
  t->heap_index = TIMER_IDLE;
  lt_loop *loop = t->loop;
  if (LT_TRACING(loop)) { /* late by: the time the records of this iteration have */
    int64_t late = loop->track->ts - t->deadline;
    lt__trace_simple(loop, LT_EV_TIMER_FIRE, 0, 0, t->id, (uint64_t)(late > 0 ? late : 0));
  }
  uint8_t kind = loop->waker_kind;
  uint64_t id = loop->waker_id;
  loop->waker_kind = LT_WAKER_TIMER;
  loop->waker_id = t->id;
  t->cb(t->arg);
  loop->waker_kind = kind;
  loop->waker_id = id;
  if (LT_TRACING(loop)) lt__trace_stamp(loop); /* it may have run long: see trace.h */
}

void lt__timers_top(lt_loop *loop) {
  if (loop->heap_len > 0 && loop->tslot[loop->heap[0].slot] == 0) {
    loop->heap_dead--;
    pop_top(loop); /* and the dead ones that surface after it */
  }
}

void lt__timers_expire(lt_loop *loop, int64_t now) {
  /* asyncio treats a timer as due within the clock's resolution (1 ns here): deadline <= now. */
  while (loop->heap_len > 0 && loop->heap[0].deadline <= now) {
    lt_timer *t = (lt_timer *)loop->tslot[loop->heap[0].slot]; /* heap[0] is live */
    pop_top(loop);
    t->heap_index = TIMER_DUE;
    lt__ready *r = lt__ready_slot(loop);
    r->run = timer_run;
    r->cb.word = 0;
    r->a = t;
    r->b = NULL;
  }
}

/* ---- lt_call_later: a loop-owned timer that frees itself once it ran ---- */

typedef struct call_later {
  lt__obj obj;
  lt_timer timer;
  lt_callback cb;
  void *arg;
  lt_loop *loop;
} call_later;

/* Records come in blocks of CL_BLOCK bytes, aligned so that a record finds its block by its
 * address: arming 100k timers took a malloc each and firing them a free each (a third of the
 * instructions of a timer armed and fired). A freed record goes on the loop's free list; a
 * block whose records are all free leaves once the list holds two blocks' worth besides, so
 * a loop keeps what its busiest moment needed, give or take two blocks. */
#define CL_BLOCK 8192
typedef struct cl_block {
  lt__list link; /* loop->call_later_blocks */
  uint32_t nfree;
} cl_block;
#define CL_PER_BLOCK ((CL_BLOCK - sizeof(cl_block)) / sizeof(call_later))

static cl_block *block_of(call_later *c) {
  return (cl_block *)((uintptr_t)c & ~(uintptr_t)(CL_BLOCK - 1));
}
static call_later *block_rec(cl_block *b, size_t i) {
  return (call_later *)((char *)(b + 1) + i * sizeof(call_later));
}

static call_later *cl_alloc(lt_loop *loop) {
  if (lt__list_empty(&loop->call_later_free)) {
    cl_block *b = aligned_alloc(CL_BLOCK, CL_BLOCK);
    if (!b) return NULL;
    lt__list_push_back(&loop->call_later_blocks, &b->link);
    b->nfree = CL_PER_BLOCK;
    /* taken from the list's tail: record 0 first, then on through the block */
    for (size_t i = CL_PER_BLOCK; i-- > 0;)
      lt__list_push_back(&loop->call_later_free, &block_rec(b, i)->obj.link);
    loop->call_later_free_count += CL_PER_BLOCK;
  }
  lt__list *l = loop->call_later_free.prev;
  lt__list_remove(l);
  loop->call_later_free_count--;
  call_later *c = lt__container_of(l, call_later, obj.link);
  block_of(c)->nfree--;
  return c;
}

static void call_later_destroy(lt__obj *o) {
  call_later *c = lt__container_of(o, call_later, obj);
  lt_loop *loop = c->loop;
  cl_block *b = block_of(c);
  lt__list_push_back(&loop->call_later_free, &o->link);
  loop->call_later_free_count++;
  if (++b->nfree < CL_PER_BLOCK || loop->call_later_free_count <= 3 * CL_PER_BLOCK ||
      atomic_load_explicit(&loop->closing, memory_order_relaxed))
    return; /* a closing loop frees its blocks at once (lt__timers_free) */
  for (size_t i = 0; i < CL_PER_BLOCK; i++) lt__list_remove(&block_rec(b, i)->obj.link);
  loop->call_later_free_count -= CL_PER_BLOCK;
  lt__list_remove(&b->link);
  free(b);
}

static void call_later_fire(void *arg) {
  call_later *c = arg;
  c->cb(c->arg);
  lt__obj_release(&c->obj);
}

int lt_call_later(int64_t delay_ns, lt_callback cb, void *arg) {
  lt_loop *loop = lt__loop_check("lt_call_later");
  if (!loop) return -EPERM;
  call_later *c = cl_alloc(loop);
  if (!c) return -ENOMEM;
  c->loop = loop;
  lt__obj_register(loop, &c->obj, call_later_destroy);
  lt_timer_init(&c->timer);
  c->cb = cb;
  c->arg = arg;
  int rc = lt_timer_start_at(&c->timer, lt__loop_time(loop) + (delay_ns > 0 ? delay_ns : 0),
                             call_later_fire, c);
  if (rc < 0) lt__obj_release(&c->obj);
  return rc;
}

void lt__timers_free(lt_loop *loop) {
  free(loop->heap);
  free(loop->tslot);
  loop->heap = NULL;
  loop->tslot = NULL;
  loop->heap_len = loop->heap_cap = loop->heap_dead = loop->tslot_cap = loop->tslot_free = 0;
  lt__list_init(&loop->call_later_free); /* its records are in the blocks */
  loop->call_later_free_count = 0;
  while (!lt__list_empty(&loop->call_later_blocks)) {
    lt__list *l = loop->call_later_blocks.next;
    lt__list_remove(l);
    free(lt__container_of(l, cl_block, link));
  }
}

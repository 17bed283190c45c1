/* timer.c: timers: a radix heap on (deadline, arming order) whose entries name slots,
 * lt_timer (caller-owned), lt_call_later (loop-owned), and moving expired timers onto the ready
 * queue.
 *
 * Why this structure: the loop takes timers in deadline order and never takes one before the
 * last it took (a new timer's deadline is the loop's time or later; one set in the past is due
 * at once), which is what a radix heap needs. Bucket i > 0 holds the entries whose key first
 * differs at bit i-1 from tlast, the key bucket 0 holds, in arming order: the loop takes them
 * from its head. When bucket 0 runs dry, the least non-empty bucket is spread over the lower
 * ones around its least key, which becomes tlast. A timer armed for before tlast (the next
 * deadline was far off, or it is set in the past) goes to a small binary heap of its own
 * whose timers all come before bucket 0's (the early heap: a plain heap's cost, for them).
 * An entry only ever moves down, so arming is an append and taking costs a few moves of 24
 * bytes through arrays read in order: a timer armed and fired among 100k took 1289
 * instructions with the 4-ary heap this replaced (half of them popping it), 583 here.
 * An entry holds its key and a slot number: the slot (loop->tslot) maps to the timer and is
 * looked at once, when the entry reaches the head. Cancelling empties the slot in O(1)
 * (timeouts are mostly cancelled before they fire): its entry leaves when it reaches the
 * head (lt__timers_top, before the loop reads the next deadline), or when dead entries
 * outnumber live ones and every bucket is compacted (so a mass cancel costs O(1) each). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "trace.h"

#define TIMER_IDLE UINT32_MAX       /* not armed */
#define TIMER_DUE (UINT32_MAX - 1)  /* expired: its callback waits in the ready queue */
#define COMPACT_MIN 64              /* dead entries tolerated whatever the heap's size */

static inline bool entry_before(const lt__heap_entry *a, const lt__heap_entry *b) {
  return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

/* Deadlines as unsigned keys in the same order. */
static inline uint64_t key_of(int64_t deadline) { return (uint64_t)deadline ^ (1ull << 63); }

static inline unsigned bucket_of(uint64_t key, uint64_t last) {
  return key == last ? 0 : 64 - (unsigned)__builtin_clzll(key ^ last);
}

/* Room for one more entry in bucket b (bucket 0 first slides its live part to the front). */
static int bucket_room(lt_loop *loop, lt__tbucket *b) {
  if (b->len < b->cap) return 0;
  if (b == &loop->tb[0] && loop->tb0_head > 0) {
    memmove(b->e, b->e + loop->tb0_head, (b->len - loop->tb0_head) * sizeof *b->e);
    b->len -= loop->tb0_head;
    loop->tb0_head = 0;
    if (b->len < b->cap) return 0;
  }
  uint32_t cap = b->cap ? b->cap * 2 : 16;
  lt__heap_entry *e = realloc(b->e, cap * sizeof *e);
  if (!e) return -ENOMEM;
  b->e = e;
  b->cap = cap;
  return 0;
}

/* The early heap (binary, on (deadline, seq)): timers armed for before tlast. */
static void early_up(lt__heap_entry *h, uint32_t i) {
  lt__heap_entry e = h[i];
  while (i > 0) {
    uint32_t parent = (i - 1) / 2;
    if (!entry_before(&e, &h[parent])) break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = e;
}

static void early_down(lt__heap_entry *h, uint32_t n, uint32_t i) {
  lt__heap_entry e = h[i];
  for (;;) {
    uint32_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && entry_before(&h[c + 1], &h[c])) c++;
    if (!entry_before(&h[c], &e)) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = e;
}

static void early_pop(lt_loop *loop) {
  lt__tbucket *h = &loop->tearly;
  h->e[0] = h->e[--h->len];
  if (h->len > 1) early_down(h->e, h->len, 0);
}

static int tb_push(lt_loop *loop, lt__heap_entry e) {
  uint64_t key = key_of(e.deadline);
  /* The loop's first timer: buckets arranged around the loop's time, not around 0 (which
   * would put every timer in the top bucket, to be moved down from there). */
  if (__builtin_expect(loop->tlast == 0, 0)) loop->tlast = key_of(lt__loop_time(loop));
  if (__builtin_expect(key < loop->tlast, 0)) {
    /* Before the key the buckets are arranged around (the next deadline was far, or this one
     * is in the past): the early heap, whose timers all come before bucket 0's. */
    lt__tbucket *h = &loop->tearly;
    if (bucket_room(loop, h) < 0) return -ENOMEM;
    h->e[h->len] = e;
    early_up(h->e, h->len++);
    loop->heap_len++;
    return 0;
  }
  /* Bucket 0 holds tlast's deadline only, and e comes after those there (armed last). */
  unsigned i = bucket_of(key, loop->tlast);
  lt__tbucket *b = &loop->tb[i];
  if (bucket_room(loop, b) < 0) return -ENOMEM;
  b->e[b->len++] = e;
  if (i) loop->tb_mask |= 1ull << (i - 1);
  loop->heap_len++;
  return 0;
}

/* Bucket 0 is empty: spreads the least non-empty bucket over the lower ones around its least
 * key, the new tlast (moving, never failing: the buckets below have room for what came down
 * from above before, or get it; a loop cannot lose a timer, so no memory aborts). */
static void refill(lt_loop *loop) {
  unsigned i = (unsigned)__builtin_ctzll(loop->tb_mask) + 1;
  lt__tbucket *b = &loop->tb[i];
  const lt__heap_entry *src = b->e;
  uint32_t n = b->len;
  uint64_t m = UINT64_MAX;
  for (uint32_t j = 0; j < n; j++) {
    uint64_t k = key_of(src[j].deadline);
    m = k < m ? k : m;
  }
  loop->tlast = m;
  for (uint32_t j = 0; j < n; j++) {
    lt__tbucket *to = &loop->tb[bucket_of(key_of(src[j].deadline), m)];
    if (__builtin_expect(to->len == to->cap, 0) && bucket_room(loop, to) < 0) abort();
    to->e[to->len++] = src[j];
  }
  b->len = 0;
  /* A bucket keeps its room while the heap could fill it again (memory that left and came
   * back cost a page fault per 4 KiB: a fifth of a timer's time in a burst of 100k). */
  if (b->cap > 4096 && b->cap > 2 * loop->heap_len) {
    free(b->e);
    b->e = NULL;
    b->cap = 0;
  }
  uint64_t mask = loop->tb_mask & ~(1ull << (i - 1));
  for (unsigned k = 1; k < i; k++)
    if (loop->tb[k].len) mask |= 1ull << (k - 1);
  loop->tb_mask = mask;
  /* Bucket 0 now holds one deadline, in arming order: timers of one key always share a
   * bucket (which bucket depends on the key and tlast alone), appended in arming order or
   * moved down together in their order. */
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

void lt__timers_top(lt_loop *loop) {
  for (;;) {
    lt__tbucket *h = &loop->tearly;
    while (h->len > 0) {
      uint32_t slot = h->e[0].slot;
      if (loop->tslot[slot] != 0) return; /* live */
      slot_free(loop, slot);
      early_pop(loop);
      loop->heap_len--;
      loop->heap_dead--;
    }
    lt__tbucket *b0 = &loop->tb[0];
    while (loop->tb0_head < b0->len) {
      uint32_t slot = b0->e[loop->tb0_head].slot;
      if (loop->tslot[slot] != 0) return; /* live */
      slot_free(loop, slot);
      loop->tb0_head++;
      loop->heap_len--;
      loop->heap_dead--;
    }
    b0->len = loop->tb0_head = 0;
    if (loop->heap_len == 0) return;
    refill(loop);
  }
}

/* Removes the top (live) entry, and leaves the next live one, if any, on top. */
static void pop_top(lt_loop *loop) {
  if (loop->tearly.len > 0) {
    slot_free(loop, loop->tearly.e[0].slot);
    early_pop(loop);
  } else {
    slot_free(loop, loop->tb[0].e[loop->tb0_head].slot);
    loop->tb0_head++;
  }
  loop->heap_len--;
  lt__timers_top(loop);
}

/* Drops every dead entry: each bucket keeps its order, so the order timers fire in stays
 * the order of their keys. */
static void compact(lt_loop *loop) {
  for (unsigned i = 0; i <= 64; i++) {
    lt__tbucket *b = &loop->tb[i];
    uint32_t from = i == 0 ? loop->tb0_head : 0, k = 0;
    for (uint32_t j = from; j < b->len; j++) {
      if (loop->tslot[b->e[j].slot] == 0)
        slot_free(loop, b->e[j].slot);
      else
        b->e[k++] = b->e[j];
    }
    b->len = k;
    if (i == 0) loop->tb0_head = 0;
    else if (!k) loop->tb_mask &= ~(1ull << (i - 1));
  }
  lt__tbucket *h = &loop->tearly;
  uint32_t k = 0;
  for (uint32_t j = 0; j < h->len; j++) {
    if (loop->tslot[h->e[j].slot] == 0)
      slot_free(loop, h->e[j].slot);
    else
      h->e[k++] = h->e[j];
  }
  h->len = k;
  if (k > 1) /* Floyd: the order they fire in is their keys', whatever the heap's shape */
    for (uint32_t j = (k - 2) / 2 + 1; j-- > 0;) early_down(h->e, k, j);
  loop->heap_len -= loop->heap_dead;
  loop->heap_dead = 0;
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
  uint32_t slot;
  if (slot_alloc(loop, t, &slot) < 0) return -ENOMEM;
  if (tb_push(loop, (lt__heap_entry){deadline, loop->timer_seq, slot}) < 0) {
    slot_free(loop, slot);
    return -ENOMEM;
  }
  t->loop = loop;
  t->id = ++loop->next_obj_id;
  t->deadline = deadline;
  t->seq = loop->timer_seq++;
  t->cb = cb;
  t->arg = arg;
  t->heap_index = slot;
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


void lt__timers_expire(lt_loop *loop, int64_t now) {
  /* asyncio treats a timer as due within the clock's resolution (1 ns here): deadline <= now. */
  while (loop->heap_len > 0 && lt__timers_next(loop) <= now) {
    lt_timer *t = (lt_timer *)loop->tslot[lt__timers_top_entry(loop)->slot]; /* live */
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
  struct cl_block *block; /* the block it lives in */
} call_later;

/* Records come in blocks of CL_BLOCK bytes, each naming its block: arming 100k timers took a
 * malloc each and firing them a free each (a third of the instructions of a timer armed and
 * fired). A freed record goes on the loop's free list; a block whose records are all free
 * leaves once the list holds three blocks' worth besides, so a loop keeps what its busiest
 * moment needed, give or take three blocks. (Not aligned_alloc: it took twice the memory.) */
#define CL_BLOCK 8192
typedef struct cl_block {
  lt__list link; /* loop->call_later_blocks */
  lt_loop *loop;
  uint32_t nfree;
} cl_block;
#define CL_PER_BLOCK ((CL_BLOCK - sizeof(cl_block)) / sizeof(call_later))

static call_later *block_rec(cl_block *b, size_t i) {
  return (call_later *)((char *)(b + 1) + i * sizeof(call_later));
}

static call_later *cl_alloc(lt_loop *loop) {
  if (lt__list_empty(&loop->call_later_free)) {
    cl_block *b = malloc(CL_BLOCK);
    if (!b) return NULL;
    lt__list_push_back(&loop->call_later_blocks, &b->link);
    b->loop = loop;
    b->nfree = CL_PER_BLOCK;
    /* taken from the list's tail: record 0 first, then on through the block */
    for (size_t i = CL_PER_BLOCK; i-- > 0;) {
      block_rec(b, i)->block = b;
      lt__list_push_back(&loop->call_later_free, &block_rec(b, i)->obj.link);
    }
    loop->call_later_free_count += CL_PER_BLOCK;
  }
  lt__list *l = loop->call_later_free.prev;
  lt__list_remove(l);
  loop->call_later_free_count--;
  call_later *c = lt__container_of(l, call_later, obj.link);
  c->block->nfree--;
  return c;
}

static void call_later_destroy(lt__obj *o) {
  call_later *c = lt__container_of(o, call_later, obj);
  cl_block *b = c->block;
  lt_loop *loop = b->loop;
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
  /* Not on the loop's object list: its block goes with the loop anyway (lt__timers_free),
   * and unlinking it from that list as it fired touched two records armed next to it. */
  c->obj.refs = 1;
  c->obj.destroy = call_later_destroy;
  lt__list_init(&c->obj.link);
  lt_timer_init(&c->timer);
  c->cb = cb;
  c->arg = arg;
  int rc = lt_timer_start_at(&c->timer, lt__loop_time(loop) + (delay_ns > 0 ? delay_ns : 0),
                             call_later_fire, c);
  if (rc < 0) lt__obj_release(&c->obj);
  return rc;
}

void lt__timers_free(lt_loop *loop) {
  for (unsigned i = 0; i <= 64; i++) {
    free(loop->tb[i].e);
    loop->tb[i] = (lt__tbucket){0};
  }
  free(loop->tearly.e);
  loop->tearly = (lt__tbucket){0};
  free(loop->tslot);
  loop->tslot = NULL;
  loop->heap_len = loop->heap_dead = loop->tslot_cap = loop->tslot_free = 0;
  loop->tb0_head = 0;
  loop->tb_mask = 0;
  lt__list_init(&loop->call_later_free); /* its records are in the blocks */
  loop->call_later_free_count = 0;
  while (!lt__list_empty(&loop->call_later_blocks)) {
    lt__list *l = loop->call_later_blocks.next;
    lt__list_remove(l);
    free(lt__container_of(l, cl_block, link));
  }
}

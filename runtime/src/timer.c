/* timer.c: timers: a binary min-heap on (deadline, arming order), lt_timer (caller-owned),
 * lt_call_later (loop-owned), and moving expired timers onto the ready queue. */
#include <stdlib.h>

#include "internal.h"
#include "trace.h"

#define TIMER_IDLE UINT32_MAX       /* not armed */
#define TIMER_DUE (UINT32_MAX - 1)  /* expired: its callback waits in the ready queue */

static bool entry_before(const lt__heap_entry *a, const lt__heap_entry *b) {
  return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void heap_set(lt_loop *loop, uint32_t i, lt__heap_entry e) {
  loop->heap[i] = e;
  e.timer->heap_index = i;
}

static void sift_up(lt_loop *loop, uint32_t i) {
  lt__heap_entry e = loop->heap[i];
  while (i > 0) {
    uint32_t parent = (i - 1) / 2;
    if (!entry_before(&e, &loop->heap[parent])) break;
    heap_set(loop, i, loop->heap[parent]);
    i = parent;
  }
  heap_set(loop, i, e);
}

static void sift_down(lt_loop *loop, uint32_t i) {
  lt__heap_entry e = loop->heap[i];
  uint32_t n = loop->heap_len;
  for (;;) {
    uint32_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && entry_before(&loop->heap[c + 1], &loop->heap[c])) c++;
    if (!entry_before(&loop->heap[c], &e)) break;
    heap_set(loop, i, loop->heap[c]);
    i = c;
  }
  heap_set(loop, i, e);
}

static void heap_remove(lt_loop *loop, lt_timer *t) {
  uint32_t i = t->heap_index;
  lt__heap_entry last = loop->heap[--loop->heap_len];
  t->heap_index = TIMER_IDLE;
  if (last.timer == t) return;
  heap_set(loop, i, last);
  if (i > 0 && entry_before(&last, &loop->heap[(i - 1) / 2]))
    sift_up(loop, i);
  else
    sift_down(loop, i);
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
  if (t->heap_index == TIMER_DUE)
    unqueue_fire(t);
  else
    heap_remove(t->loop, t);
  t->heap_index = TIMER_IDLE;
  if (LT_TRACING(t->loop)) lt__trace_simple(t->loop, LT_EV_TIMER_CANCEL, 0, 0, t->id, 0);
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
  t->loop = loop;
  t->id = ++loop->next_obj_id;
  t->deadline = deadline;
  t->seq = loop->timer_seq++;
  t->cb = cb;
  t->arg = arg;
  loop->heap[loop->heap_len] = (lt__heap_entry){deadline, t->seq, t};
  t->heap_index = loop->heap_len++;
  sift_up(loop, t->heap_index);
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
  if (LT_TRACING(loop))
    lt__trace_simple(loop, LT_EV_TIMER_FIRE, 0, 0, t->id,
                     (uint64_t)(lt__loop_time(loop) - t->deadline));
  uint8_t kind = loop->waker_kind;
  uint64_t id = loop->waker_id;
  loop->waker_kind = LT_WAKER_TIMER;
  loop->waker_id = t->id;
  t->cb(t->arg);
  loop->waker_kind = kind;
  loop->waker_id = id;
}

void lt__timers_expire(lt_loop *loop, int64_t now) {
  /* asyncio treats a timer as due within the clock's resolution (1 ns here): deadline <= now. */
  while (loop->heap_len > 0 && loop->heap[0].deadline <= now) {
    lt_timer *t = loop->heap[0].timer;
    heap_remove(loop, t);
    t->heap_index = TIMER_DUE;
    lt__ready r = {.run = timer_run, .a = t};
    lt__ready_push(loop, &r);
  }
}

void lt__timers_free(lt_loop *loop) {
  free(loop->heap);
  loop->heap = NULL;
  loop->heap_len = loop->heap_cap = 0;
}

/* ---- lt_call_later: a loop-owned timer that frees itself once it ran ---- */

typedef struct call_later {
  lt__obj obj;
  lt_timer timer;
  lt_callback cb;
  void *arg;
} call_later;

static void call_later_destroy(lt__obj *o) { free(lt__container_of(o, call_later, obj)); }

static void call_later_fire(void *arg) {
  call_later *c = arg;
  c->cb(c->arg);
  lt__obj_release(&c->obj);
}

int lt_call_later(int64_t delay_ns, lt_callback cb, void *arg) {
  lt_loop *loop = lt__loop_check("lt_call_later");
  if (!loop) return -EPERM;
  call_later *c = malloc(sizeof *c);
  if (!c) return -ENOMEM;
  lt__obj_register(loop, &c->obj, call_later_destroy);
  lt_timer_init(&c->timer);
  c->cb = cb;
  c->arg = arg;
  int rc = lt_timer_start(&c->timer, delay_ns, call_later_fire, c);
  if (rc < 0) lt__obj_release(&c->obj);
  return rc;
}

/* internal.h: the runtime's private contract: the loop, future and task structures, the ready
 * queue, loop-owned object lifetimes and the hooks modules use to join the loop. Every runtime
 * source includes it; nothing outside runtime/src does. */
#ifndef LT_INTERNAL_H
#define LT_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "ctx.h"
#include "looptrace.h"
#include "lt/wire.h"
#include "stack.h"

struct lt__track;

/* ---- intrusive doubly linked list ---- */
typedef struct lt__list {
  struct lt__list *prev, *next;
} lt__list;

static inline void lt__list_init(lt__list *l) { l->prev = l->next = l; }
static inline bool lt__list_empty(const lt__list *l) { return l->next == l; }
static inline void lt__list_push_back(lt__list *head, lt__list *n) {
  n->prev = head->prev;
  n->next = head;
  head->prev->next = n;
  head->prev = n;
}
static inline void lt__list_remove(lt__list *n) {
  n->prev->next = n->next;
  n->next->prev = n->prev;
  n->prev = n->next = n;
}
#define lt__container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

/* ---- loop-owned objects ----
 * Everything a loop hands out (futures, tasks, sync objects) starts with an lt__obj: it sits on
 * the loop's object list so that lt_run can free whatever is left, and it is reference counted
 * so that a scheduled callback keeps its future alive. Only the loop's thread touches these. */
typedef struct lt__obj {
  lt__list link;
  uint32_t refs;
  void (*destroy)(struct lt__obj *o); /* frees the object */
} lt__obj;

void lt__obj_register(lt_loop *loop, lt__obj *o, void (*destroy)(lt__obj *));
static inline void lt__obj_retain(lt__obj *o) { o->refs++; }
void lt__obj_release(lt__obj *o);

/* ---- the ready queue: a FIFO ring of callbacks ---- */
typedef struct lt__ready lt__ready;
typedef void (*lt__ready_fn)(lt__ready *r);
struct lt__ready {
  lt__ready_fn run;
  union {
    lt_done_callback done;
    lt_callback plain;
    uintptr_t word;
  } cb;
  void *a;
  void *b;
};

typedef struct lt__ring {
  lt__ready *buf;
  size_t mask; /* capacity - 1, a power of two */
  size_t head;
  size_t count;
} lt__ring;

/* ---- futures ---- */
typedef struct lt__donecb {
  lt_done_callback cb;
  void *arg;
} lt__donecb;

struct lt_future {
  lt__obj obj;
  lt__obj *owner; /* whose reference count keeps this alive: &obj, or the embedding task's */
  lt_loop *loop;
  uint8_t state;  /* lt_future_state */
  uint8_t is_task;
  uint8_t plain;  /* made by lt_future_new or gather: traced as a future of its own */
  uint8_t resolver_kind; /* lt_wire_waker: what was running when it was resolved */
  uint64_t resolver_id;
  uint64_t id;    /* unique in its loop among futures and timers (tasks count their own) */
  int err;
  /* Cancelling a task or a gather means cancelling what it waits on: they override cancel. */
  int (*cancel)(lt_future *f);
  void *value;
  uint32_t ncb, capcb;
  lt__donecb *cbs; /* cb_inline, or a heap array once more than one is registered */
  lt__donecb cb_inline[1];
};

void lt__future_init(lt_future *f, lt_loop *loop, lt__obj *owner);
/* The same with an id taken earlier (ids are handed out in asyncio's order of creation). */
void lt__future_init_as(lt_future *f, lt_loop *loop, lt__obj *owner, uint64_t id);
void lt__future_fini(lt_future *f);
/* Resolves f and schedules its callbacks: state is RESULT, ERROR or CANCELLED. */
void lt__future_complete(lt_future *f, lt_future_state state, int err, void *value);

/* ---- scopes a task must close before it returns (task groups) ----
 * A task keeps the scopes it opened on its `groups` list. If its body returns with one still
 * open, the task calls abandon(), which must close the scope (cancel and wait for its children,
 * report the misuse) and unlink it, and returns the status the task ends with. */
typedef struct lt__scope {
  lt__list link;
  int (*abandon)(struct lt__scope *s, lt_task *owner, int status);
} lt__scope;

/* ---- tasks ---- */
typedef enum lt__task_state {
  LT__TASK_CREATED = 0, /* scheduled, never run */
  LT__TASK_RUNNING,     /* on the CPU now */
  LT__TASK_SUSPENDED,   /* waiting: on a future, or in the ready queue after a yield */
  LT__TASK_DONE,
} lt__task_state;

struct lt_task {
  lt_future fut; /* first: a task is a future */
  lt__ctx ctx;
  lt__stack stack;
  lt_task_fn fn;
  void *arg;
  lt_future *waiting;      /* asyncio's _fut_waiter: the future this task is parked on */
  uint8_t state;           /* lt__task_state */
  uint8_t must_cancel;     /* deliver -ECANCELED at the next step */
  uint8_t throw_cancel;    /* this step delivers -ECANCELED to the interrupted await */
  uint8_t in_cancel;       /* lt_task_cancel is passing a request on to what it awaits */
  int cancels_requested;   /* asyncio's _num_cancels_requested */
  uint64_t id;
  uint64_t parent_id;
  char *name;              /* NULL: "Task-<id>", formatted into name_buf when first asked */
  const lt_srcloc *site;
  lt__list link;           /* loop->tasks, in creation order, until the task is freed */
  lt__list groups;         /* lt__scope: task groups this task began and has not ended */
  size_t stack_request;    /* 0: the loop's default */
  /* The future lt_sleep parks on (asyncio.sleep makes one per call) and its timer, set up by
   * the first sleep (sleep_ready): a task that never sleeps never pays for them. The future's
   * id is taken at spawn all the same, so that ids stay asyncio's order of creation. */
  lt_future sleep_fut;
  lt_timer sleep_timer;
  bool sleep_ready;
  void *asan_fake_stack;
  /* io.c: the fd whose read came back short in this step (the loop's iteration then, and
   * loop->io_wseq), so known empty: lt__io_known_empty. -1: none. */
  int io_empty_fd;
  uint64_t io_empty_iter, io_empty_wseq;
  char name_buf[32];       /* a short name (or "Task-N") without an allocation */
};

static inline lt_task *lt__task_of(lt_future *f) { return (lt_task *)f; }

/* ---- the loop ---- */
typedef struct lt__io_watch lt__io_watch;
/* What epoll's data.ptr points at: the module that registered fd gets its events. */
struct lt__io_watch {
  void (*on_event)(lt_loop *loop, lt__io_watch *w, uint32_t epoll_events);
};

typedef struct lt__close_hook {
  struct lt__close_hook *next;
  void (*fn)(lt_loop *loop, void *arg);
  void *arg;
} lt__close_hook;

/* A timer in the heap: its key, and its slot in loop->tslot (timer.c). */
typedef struct lt__heap_entry {
  int64_t deadline;
  uint64_t seq;
  uint32_t slot;
} lt__heap_entry;

/* One bucket of the timers' radix heap (timer.c). */
typedef struct lt__tbucket {
  lt__heap_entry *e;
  uint32_t len, cap;
} lt__tbucket;

struct lt_loop {
  lt__ctx sched_ctx;       /* the thread's own stack, where the loop runs between steps */
  lt_task *current;        /* the task on the CPU, or NULL */
  lt__ring ready;
  /* Entries of the running iteration's batch not yet run. The loop runs them one by one; a
   * task that suspends hands the CPU straight to the next one when it is a task step too. */
  size_t batch_left;
  uint64_t handovers;      /* steps begun by direct transfer (tests read it) */
  bool cancel_cycle;       /* a cancellation came back round a cycle of awaits */
  lt_task *zombie;          /* a finished task whose stack the loop frees once off it */
  lt__ctx dead_ctx;         /* where a finished task's last switch saves what nobody reads */
  bool from_sched;         /* AddressSanitizer: the last switch left the loop's own stack */
  /* timers (timer.c): a radix heap on (deadline, seq) whose entries name a slot, not the
   * timer; a cancelled timer only empties its slot (its entry leaves when it reaches the
   * head, or in a compaction). Once lt__timers_top has run, the top (the early heap's,
   * else tb[0].e[tb0_head]) is a live timer, the next to fire, if heap_len > 0. */
  lt__tbucket tb[65];      /* tb[i]: keys first differing from tlast at bit i-1; tb[0]: due */
  uint32_t tb0_head;       /* tb[0]'s entries before it have fired */
  uint64_t tb_mask;        /* bit i-1: tb[i] is not empty (i >= 1) */
  uint64_t tlast;          /* the key of tb[0]'s timers (deadline ^ 2^63) */
  lt__tbucket tearly;      /* a binary heap of timers armed for before tlast: before tb[0] */
  uint32_t heap_len;       /* entries, live and dead */
  uint32_t heap_dead;      /* entries whose timer was cancelled */
  uintptr_t *tslot;        /* a timer's address, 0 once cancelled, or a free slot (odd) */
  uint32_t tslot_cap;
  uint32_t tslot_free;     /* first free slot + 1 (0: none) */
  lt__list call_later_free; /* free lt_call_later records (timer.c: in blocks) */
  lt__list call_later_blocks;
  uint32_t call_later_free_count;
  uint64_t timer_seq;
  lt_clock_mode clock;
  int64_t vtime;           /* the virtual clock */
  int epfd;
  int wakefd;              /* eventfd: other threads wake the loop through it */
  lt__io_watch wake_watch;
  pthread_mutex_t ts_mu;   /* guards ts_* (call_soon_threadsafe) */
  lt__ready *ts_buf;
  size_t ts_len, ts_cap;
  atomic_int ts_pending;
  atomic_int closing;      /* set once lt_run shuts down: threadsafe calls are refused */
  bool stopping;
  struct lt__track *track; /* the tracer's buffer for this loop; NULL: not traced */
  uint8_t waker_kind;      /* lt_wire_waker: what runs now, recorded as the waker of what */
  uint64_t waker_id;       /* becomes ready (and as the resolver of futures) */
  uint64_t next_obj_id;    /* ids of futures and timers */
  uint64_t iterations;     /* completed or running iterations of run_once */
  lt__list objects;        /* every live loop-owned object */
  lt__list tasks;          /* every live task, in creation order */
  lt__stack_pool pool;
  lt__list task_free;      /* freed tasks kept for reuse: a steady spawn/await allocates nothing */
  uint32_t task_free_count;
  size_t default_stack;
  uint64_t next_task_id;
  pthread_t thread;
  lt__close_hook *close_hooks;
  void *io;                /* io.c's per-loop state (fd table) */
  uint32_t io_watched;     /* fds some task waits on, wakefd aside (io.c keeps it) */
  uint64_t io_wseq;        /* lt_write calls so far (io.c: what may have filled another fd) */
  uint32_t io_unchecked;   /* fds whose wait skipped re-arming them (io.c: lt__io_check) */
  uint32_t io_check_polls; /* polls since lt__io_check last ran */
  void *executor;          /* executor.c's per-loop pool */
  int executor_threads;    /* lt_run_opts.executor_threads: 0 = executor.c's default */
  /* AddressSanitizer: the bounds of the loop's own stack, for switching back to it. */
  const void *sched_stack_bottom;
  size_t sched_stack_size;
  bool shuffle;            /* shuffle mode (shuffle.c): each batch runs in a seeded order */
  uint64_t shuffle_state;  /* its generator */
};

/* The loop this thread runs, or NULL. Initial-exec: a plain %fs-relative load even in the
 * shared library (no __tls_get_addr call on every runtime call). */
extern __thread lt_loop *lt__tls_loop __attribute__((tls_model("initial-exec")));

/* lt__loop_check's report. */
lt_loop *lt__loop_check_failed(const char *who);
/* The current loop, or NULL after reporting misuse by `who` (outside a loop / wrong thread). */
static inline lt_loop *lt__loop_check(const char *who) {
  lt_loop *loop = lt__tls_loop;
  return __builtin_expect(loop != NULL, 1) ? loop : lt__loop_check_failed(who);
}
/* lt__task_check's report: outside a loop, or outside a task. */
lt_task *lt__task_check_failed(const char *who);
/* The current task, or NULL after reporting that `who` needs one. */
static inline lt_task *lt__task_check(const char *who) {
  lt_loop *loop = lt__tls_loop;
  if (__builtin_expect(loop != NULL && loop->current != NULL, 1)) return loop->current;
  return lt__task_check_failed(who);
}
/* Prints "looptrace: misuse: ..." to stderr. Misuse never crashes: it returns an error. */
__attribute__((format(printf, 1, 2))) void lt__misuse(const char *fmt, ...);

/* Doubles the ready queue's ring (aborts on OOM: a loop cannot lose a scheduled callback). */
void lt__ready_grow(lt__ring *q);
/* A new entry at the ready queue's tail, for the caller to fill in (never fails). Filled in
 * field by field: a struct built on the stack and copied costs a store-forwarding stall. */
static inline lt__ready *lt__ready_slot(lt_loop *loop) {
  lt__ring *q = &loop->ready;
  if (__builtin_expect(q->count > q->mask, 0)) lt__ready_grow(q);
  return &q->buf[(q->head + q->count++) & q->mask];
}
static inline void lt__ready_push(lt_loop *loop, const lt__ready *r) {
  lt__ready *slot = lt__ready_slot(loop);
  slot->run = r->run;
  slot->cb = r->cb;
  slot->a = r->a;
  slot->b = r->b;
}
static inline void lt__schedule(lt_loop *loop, lt__ready_fn run, void *a, void *b) {
  lt__ready *slot = lt__ready_slot(loop);
  slot->run = run;
  slot->cb.word = 0;
  slot->a = a;
  slot->b = b;
}
int64_t lt__loop_time(lt_loop *loop);
/* Called by a task suspending at the end of a batch: begins the next iteration right there
 * when it needs nothing but counting (nothing to poll, no due timer: see loop.c) and returns
 * true; false when the loop must begin it on its own stack. */
bool lt__loop_next_batch(lt_loop *loop);
/* Its common case, inline: no timer armed (a due timer needs the clock read). traced must be
 * whether loop is traced: a constant where the caller knows it, so that the untraced path
 * makes no call. */
void lt__loop_trace_iter(lt_loop *loop);
static inline __attribute__((always_inline)) bool lt__loop_next_batch_inline(lt_loop *loop,
                                                                             bool traced) {
  size_t ntodo = loop->ready.count;
  if (ntodo == 0 || loop->stopping || loop->io_watched > 0 || loop->shuffle ||
      loop->heap_len > 0 || atomic_load_explicit(&loop->ts_pending, memory_order_relaxed))
    return false;
  loop->iterations++;
  loop->batch_left = ntodo;
  if (traced) lt__loop_trace_iter(loop);
  return true;
}
/* Runs fn(loop, arg) when lt_run shuts the loop down, after every task finished. */
int lt__loop_on_close(lt_loop *loop, void (*fn)(lt_loop *, void *), void *arg);

/* Shuffle mode (shuffle.c): LOOPTRACE_SHUFFLE=SEED permutes each iteration's batch. */
/* True when the environment asks for it, with its seed (read once per process). */
bool lt__shuffle_env(uint64_t *seed);
/* Seeds loop's generator when the environment asks for shuffling (sets loop->shuffle). */
void lt__shuffle_init(lt_loop *loop);
/* slice.c: LOOPTRACE_SLICE_US applied to the calling thread; the slice set, or 0. */
int64_t lt__slice_from_env(void);
/* Permutes the first n (>= 2) entries of loop's ready queue. */
void lt__shuffle_batch(lt_loop *loop, size_t n);

/* Timers (timer.c) */
/* Drops cancelled timers off the top of the heap: then the top, if any, is a live timer. */
void lt__timers_top(lt_loop *loop);
/* The next timer's deadline: heap_len > 0, and lt__timers_top has run since the heap changed. */
static inline const lt__heap_entry *lt__timers_top_entry(const lt_loop *loop) {
  return loop->tearly.len ? &loop->tearly.e[0] : &loop->tb[0].e[loop->tb0_head];
}
static inline int64_t lt__timers_next(const lt_loop *loop) {
  return lt__timers_top_entry(loop)->deadline;
}
void lt__timers_expire(lt_loop *loop, int64_t now);
void lt__timers_free(lt_loop *loop);

/* Why a task waits: recorded with every suspend (the timeline colours waits by it). */
typedef enum lt__wait_reason {
  LT__WAIT_YIELD = LT_REASON_YIELD,         /* lt_sleep(0): back of the ready queue */
  LT__WAIT_SLEEP = LT_REASON_SLEEP,         /* a timer */
  LT__WAIT_FUTURE = LT_REASON_FUTURE,       /* a plain future */
  LT__WAIT_TASK = LT_REASON_TASK,           /* another task */
  LT__WAIT_GATHER = LT_REASON_GATHER,       /* gather / as_completed / wait_for / task group */
  LT__WAIT_IO = LT_REASON_IO,               /* a file descriptor's readiness */
  LT__WAIT_LOCK = LT_REASON_LOCK,
  LT__WAIT_EVENT = LT_REASON_EVENT,
  LT__WAIT_SEMAPHORE = LT_REASON_SEMAPHORE,
  LT__WAIT_QUEUE = LT_REASON_QUEUE,
  LT__WAIT_EXECUTOR = LT_REASON_EXECUTOR,   /* a job on a worker thread */
  LT__WAIT_CONDITION = LT_REASON_CONDITION,
  LT__WAIT_BARRIER = LT_REASON_BARRIER,
  LT__WAIT_STREAM = LT_REASON_STREAM,       /* a buffered stream's read or drain (a2 = fd) */
  LT__WAIT_PROCESS = LT_REASON_PROCESS,     /* a child process's exit (a2 = pid) */
} lt__wait_reason;

/* Frees the tasks kept for reuse (loop.c, when the loop ends). */
void lt__task_free_all(lt_loop *loop);
/* Suspends the running task until its next step; returns when resumed. In the task's context. */
void lt__task_suspend(lt_task *t);
/* Parks the running task on f (not done) and suspends; returns f's outcome or -ECANCELED.
 * Every wait inside the runtime goes through here, so every suspend is traced with its reason,
 * the awaited future and the caller's source line. */
int lt__task_park(lt_task *t, lt_future *f, lt__wait_reason reason, void **value,
                  const lt_srcloc *site);
/* The same, with a detail for the trace (the fd of an I/O wait, the job of an executor wait). */
int lt__task_park_detail(lt_task *t, lt_future *f, lt__wait_reason reason, uint64_t detail,
                         void **value, const lt_srcloc *site);
/* Checks that the running task may wait on f (`who` names the caller in misuse messages):
 * 0 with *t, or -EPERM (no task, another loop), -EINVAL (NULL), -EDEADLK (itself). */
int lt__await_target(const char *who, lt_future *f, lt_task **t);
/* The done callback a parked task registers: the tracer tells a task's wake-up by it. */
void lt__task_wakeup(lt_future *f, void *task);
/* The ready entry that runs a scheduled lt__task_wakeup (a = the future, b = the task):
 * future.c schedules it, task.c runs it, so that a suspending task can tell a task's wake-up
 * from any other callback and hand the CPU straight to it. */
void lt__task_wakeup_entry(lt__ready *r);
/* lt_wait_fd for the runtime's own callers: t waits; events already checked. */
int lt__wait_fd(lt_task *t, int fd, int events, const lt_srcloc *site);
/* The same, for a caller that has just seen the call it wants would block on fd (EAGAIN, or
 * lt__io_known_empty): the wait may then skip re-arming the fd (io.c says when). */
int lt__wait_fd_blocked(lt_task *t, int fd, int events, const lt_srcloc *site);
/* Waits until fd is readable and reads there, in the readiness handle (asyncio's sock_recv),
 * after a read of t's said EAGAIN or was skipped (lt__io_known_empty): the count, or -errno. */
ssize_t lt__read_fd(lt_task *t, int fd, void *buf, size_t n, const lt_srcloc *site);
/* A read of fd by t came back short: a stream socket's receive buffer is empty now. */
void lt__io_read_short(lt_task *t, int fd);
/* Whether a read of fd by t now would surely say EAGAIN: its last read, in this same step
 * (which fd's event began), came back short, and no write by the loop's tasks since went to
 * another fd (perhaps its peer). A read is then not tried: the task waits for the edge, as
 * libuv reads until a read comes back short. */
static inline bool lt__io_known_empty(const lt_task *t, int fd) {
  const lt_loop *loop = t->fut.loop;
  return t->io_empty_fd == fd && t->io_empty_iter == loop->iterations &&
         t->io_empty_wseq == loop->io_wseq;
}
/* t wrote to fd (lt_write): what another fd may now have to read. Writing to the fd t knows
 * empty puts nothing in its own receive buffer: it stays known empty. */
static inline void lt__io_wrote(lt_task *t, int fd) {
  uint64_t before = t->fut.loop->io_wseq++;
  if (t->io_empty_fd == fd && t->io_empty_wseq == before) t->io_empty_wseq = before + 1;
}
/* Re-arms every fd whose wait skipped its MOD (loop->io_unchecked): the loop calls it before
 * it sleeps (after a short poll found nothing), before a jump of the virtual clock, and every
 * LT__IO_CHECK_POLLS polls, so a wait on a number closed and reused in the step that waited
 * still sees its events. */
void lt__io_check(lt_loop *loop);
#define LT__IO_CHECK_MS 1
#define LT__IO_CHECK_POLLS 64
/* fd names a new file (lt_accept, lt_connect): forget what io.c knew of the number. */
void lt__io_forget(lt_loop *loop, int fd);
/* The same, the wait recorded with another reason (a stream's, a process's pipe). */
int lt__wait_fd_as(lt_task *t, int fd, int events, lt__wait_reason reason,
                   const lt_srcloc *site);
/* Makes f a traced future of its own (lt_future_new and gather call it). */
void lt__future_traced(lt_future *f);
/* Schedules t's next step (asyncio: call_soon(task.__step)); cause is for the trace. */
void lt__task_schedule_step(lt_task *t, lt_wire_cause cause);

#endif

/* loop.c: the event loop: lt_run (asyncio.run), one iteration (BaseEventLoop._run_once), the
 * ready queue, the clocks, epoll and wake-ups from other threads, and loop-owned lifetimes. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "trace.h"

__thread lt_loop *lt__tls_loop __attribute__((tls_model("initial-exec")));

void lt__misuse(const char *fmt, ...) {
  va_list ap;
  char buf[512];
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  fprintf(stderr, "looptrace: misuse: %s\n", buf);
}

lt_loop *lt__loop_check_failed(const char *who) {
  lt_loop *loop = lt__tls_loop;
  if (!loop)
    lt__misuse("%s called with no loop running on this thread (a loop is used only by the "
               "thread that runs it: use lt_call_soon_threadsafe from other threads)", who);
  return loop;
}

lt_task *lt__task_check_failed(const char *who) {
  lt_loop *loop = lt__loop_check_failed(who);
  if (!loop) return NULL;
  if (!loop->current)
    lt__misuse("%s called outside a task (from a plain callback or the loop itself); only a "
               "task can wait", who);
  return loop->current;
}

lt_loop *lt_loop_current(void) { return lt__tls_loop; }

/* ---- loop-owned objects ---- */

void lt__obj_register(lt_loop *loop, lt__obj *o, void (*destroy)(lt__obj *)) {
  o->refs = 1;
  o->destroy = destroy;
  lt__list_push_back(&loop->objects, &o->link);
}

void lt__obj_release(lt__obj *o) {
  if (--o->refs == 0) {
    lt__list_remove(&o->link);
    o->destroy(o);
  }
}

/* ---- the ready queue ---- */

void lt__ready_grow(lt__ring *q) {
  size_t cap = (q->mask + 1) * 2;
  lt__ready *buf = malloc(cap * sizeof *buf);
  if (!buf) {
    fprintf(stderr, "looptrace: out of memory growing the ready queue\n");
    abort();
  }
  for (size_t i = 0; i < q->count; i++) buf[i] = q->buf[(q->head + i) & q->mask];
  free(q->buf);
  q->buf = buf;
  q->mask = cap - 1;
  q->head = 0;
}

/* Runs a plain callback as `kind` (what it resolves records that kind as its waker). */
static void run_plain_as(lt__ready *r, uint8_t kind) {
  lt_loop *loop = lt__tls_loop;
  uint8_t saved_kind = loop->waker_kind;
  uint64_t saved_id = loop->waker_id;
  loop->waker_kind = kind;
  loop->waker_id = 0;
  r->cb.plain(r->a);
  loop->waker_kind = saved_kind;
  loop->waker_id = saved_id;
  if (LT_TRACING(loop)) lt__trace_stamp(loop); /* it may have run long: see trace.h */
}

static void plain_callback_run(lt__ready *r) { run_plain_as(r, LT_WAKER_LOOP); }
/* A callback another thread sent: what it resolves was woken by that thread. */
static void threadsafe_callback_run(lt__ready *r) { run_plain_as(r, LT_WAKER_THREAD); }

int lt_call_soon(lt_callback cb, void *arg) {
  lt_loop *loop = lt__loop_check("lt_call_soon");
  if (!loop) return -EPERM;
  lt__ready r = {.run = plain_callback_run, .cb.plain = cb, .a = arg};
  lt__ready_push(loop, &r);
  return 0;
}

int lt_call_soon_threadsafe(lt_loop *loop, lt_callback cb, void *arg) {
  if (!loop || atomic_load(&loop->closing)) return -ESHUTDOWN;
  pthread_mutex_lock(&loop->ts_mu);
  if (loop->ts_len == loop->ts_cap) {
    size_t cap = loop->ts_cap ? loop->ts_cap * 2 : 16;
    lt__ready *buf = realloc(loop->ts_buf, cap * sizeof *buf);
    if (!buf) {
      pthread_mutex_unlock(&loop->ts_mu);
      return -ENOMEM;
    }
    loop->ts_buf = buf;
    loop->ts_cap = cap;
  }
  loop->ts_buf[loop->ts_len++] =
      (lt__ready){.run = threadsafe_callback_run, .cb.plain = cb, .a = arg};
  bool first = atomic_fetch_add(&loop->ts_pending, 1) == 0;
  pthread_mutex_unlock(&loop->ts_mu);
  if (first) {
    uint64_t one = 1;
    ssize_t n = write(loop->wakefd, &one, sizeof one);
    (void)n; /* EAGAIN means the counter is already non-zero: the loop wakes anyway */
  }
  return 0;
}

/* Moves callbacks queued by other threads onto the ready queue, in the order they came. */
static void drain_threadsafe(lt_loop *loop) {
  pthread_mutex_lock(&loop->ts_mu);
  for (size_t i = 0; i < loop->ts_len; i++) lt__ready_push(loop, &loop->ts_buf[i]);
  loop->ts_len = 0;
  atomic_store(&loop->ts_pending, 0);
  pthread_mutex_unlock(&loop->ts_mu);
}

static void wake_event(lt_loop *loop, lt__io_watch *w, uint32_t events) {
  uint64_t v;
  ssize_t n = read(loop->wakefd, &v, sizeof v);
  (void)n;
  (void)w;
  (void)events;
  drain_threadsafe(loop);
}

/* ---- clocks ---- */

static int64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t lt__loop_time(lt_loop *loop) {
  return loop->clock == LT_CLOCK_VIRTUAL ? loop->vtime : monotonic_ns();
}

int64_t lt_now(void) {
  lt_loop *loop = lt__loop_check("lt_now");
  return loop ? lt__loop_time(loop) : monotonic_ns();
}

uint64_t lt_loop_iterations(void) {
  lt_loop *loop = lt__tls_loop;
  return loop ? loop->iterations : 0;
}

lt_clock_mode lt_clock(void) {
  lt_loop *loop = lt__tls_loop;
  return loop ? loop->clock : LT_CLOCK_REAL;
}

int lt__loop_on_close(lt_loop *loop, void (*fn)(lt_loop *, void *), void *arg) {
  lt__close_hook *h = malloc(sizeof *h);
  if (!h) return -ENOMEM;
  h->fn = fn;
  h->arg = arg;
  h->next = loop->close_hooks;
  loop->close_hooks = h;
  return 0;
}

/* ---- one iteration: BaseEventLoop._run_once ---- */

#define POLL_EVENTS 256 /* events taken per poll (a busy server has hundreds ready at once) */

/* A poll of ns nanoseconds exactly (epoll_pwait2, Linux 5.11), or of whole ms rounded up
 * where the kernel (or qemu-user) has no epoll_pwait2; 0 does not wait, -1 has no limit. */
static int poll_ns(lt_loop *loop, struct epoll_event *events, int64_t ns) {
  static atomic_bool no_pwait2;
  if (ns <= 0) return epoll_wait(loop->epfd, events, POLL_EVENTS, ns < 0 ? -1 : 0);
  if (!atomic_load_explicit(&no_pwait2, memory_order_relaxed)) {
    struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
    int n = epoll_pwait2(loop->epfd, events, POLL_EVENTS, &ts, NULL);
    if (n >= 0 || errno != ENOSYS) return n;
    atomic_store_explicit(&no_pwait2, true, memory_order_relaxed);
  }
  return epoll_wait(loop->epfd, events, POLL_EVENTS, (int)((ns + 999999) / 1000000));
}

/* A poll that stops after flush_ms to flush the trace and then waits out the rest of
 * wait_ns (-1: no limit): one poll, as far as the loop and its trace can tell. The rest is
 * waited to the nanosecond: rounded up to whole ms, the flush and the first wait's slack were
 * paid again, and a traced loop's timers fired up to 1 ms later than an untraced one's. */
static int poll_flushing(lt_loop *loop, struct epoll_event *events, int64_t wait_ns,
                         int flush_ms) {
  int64_t t0 = monotonic_ns();
  int n = epoll_wait(loop->epfd, events, POLL_EVENTS, flush_ms);
  if (n != 0) return n;
  lt__track_flush(loop->track);
  if (wait_ns < 0) return poll_ns(loop, events, -1);
  int64_t left = wait_ns - (monotonic_ns() - t0);
  return left > 0 ? poll_ns(loop, events, left) : 0;
}

static void run_once(lt_loop *loop) {
  /* How long the poll may wait: exactly (wait_ns, -1 for no limit), and in whole ms rounded up
   * (timeout_ms) for the trace's flush bound and the I/O check, which count in ms. */
  int64_t wait_ns = -1;
  int timeout_ms = -1;
  bool jump = false;
  lt__timers_top(loop); /* from here on the top is a live timer (nothing cancels one till the
                           batch runs) */
  if (loop->ready.count > 0 || loop->stopping) {
    timeout_ms = 0;
    wait_ns = 0;
  } else if (loop->heap_len > 0) {
    int64_t wait = lt__timers_next(loop) - lt__loop_time(loop);
    if (wait <= 0) {
      timeout_ms = 0;
      wait_ns = 0;
    } else if (loop->clock == LT_CLOCK_VIRTUAL) {
      timeout_ms = 0; /* look at I/O once, then jump the clock instead of sleeping */
      wait_ns = 0;
      jump = true;
    } else {
      /* Never wake before the deadline, nor later than the kernel must: asyncio's selector
       * rounds up to whole ms (a 300 us sleep took 1 ms); epoll_pwait2 waits to the ns. */
      wait_ns = wait > (int64_t)86400000 * 1000000 ? (int64_t)86400000 * 1000000 : wait;
      timeout_ms = (int)((wait_ns + 999999) / 1000000);
    }
  }

  bool traced = LT_TRACING(loop);
  bool idle = timeout_ms != 0 || jump;
  int flush_ms = -1;
  if (traced) {
    if (idle) {
      int64_t wait = jump ? lt__timers_next(loop) - loop->vtime : wait_ns;
      lt__trace_stamped(loop, LT_EV_POLL_BEGIN, 0, 0, (uint64_t)wait, 0);
    }
    /* Records wait for a flush at most LT__TRACE_FLUSH_NS: flush now if they have, or stop a
     * longer sleep in time for it. A busy loop makes no system call for its trace but one
     * write per full buffer or per time bound; a quiet one still shows up promptly. */
    flush_ms = lt__track_flush_due(loop->track, timeout_ms);
  }
  struct epoll_event events[POLL_EVENTS];
  int n = 0;
  /* Waits that skipped re-arming their fd (io.c) are checked before the loop sleeps: the
   * virtual clock's jump is a sleep, and so is a poll that finds nothing for a millisecond. */
  if (loop->io_unchecked > 0) {
    if (jump || ++loop->io_check_polls >= LT__IO_CHECK_POLLS) {
      lt__io_check(loop);
    } else if (timeout_ms != 0) {
      const int grace = LT__IO_CHECK_MS;
      int64_t t0 = monotonic_ns(), grace_ns = (int64_t)grace * 1000000;
      n = poll_ns(loop, events, wait_ns >= 0 && wait_ns < grace_ns ? wait_ns : grace_ns);
      if (n > 0 && traced) lt__trace_stamp(loop); /* the poll's end, as below */
      if (n <= 0) {
        n = 0;
        lt__io_check(loop);
        /* What is left of the poll is what it has not waited yet. */
        if (wait_ns > 0) {
          int64_t waited = monotonic_ns() - t0;
          wait_ns = wait_ns > waited ? wait_ns - waited : 0;
          timeout_ms = (int)((wait_ns + 999999) / 1000000);
        }
        if (flush_ms > grace) {
          flush_ms -= grace;
        } else if (flush_ms >= 0) {
          lt__track_flush(loop->track);
          flush_ms = -1;
        }
      }
    }
  }
  /* A poll that may not wait and watches no fd can only report the wake-up eventfd, whose
   * work ts_pending already tells: skip the system call (the hot path of a busy loop). */
  if (n == 0 && (timeout_ms != 0 || loop->io_watched > 0)) {
    n = flush_ms >= 0 ? poll_flushing(loop, events, wait_ns, flush_ms)
                      : poll_ns(loop, events, wait_ns);
    if (traced) lt__trace_stamp(loop);
  }
  for (int i = 0; i < n; i++) {
    lt__io_watch *w = events[i].data.ptr;
    w->on_event(loop, w, events[i].events);
  }
  if (atomic_load_explicit(&loop->ts_pending, memory_order_relaxed)) drain_threadsafe(loop);
  if (jump && n <= 0 && loop->ready.count == 0 && loop->heap_len > 0 &&
      lt__timers_next(loop) > loop->vtime)
    loop->vtime = lt__timers_next(loop);
  if (traced && idle) lt__trace_stamped(loop, LT_EV_POLL_END, 0, 0, (uint64_t)(n > 0 ? n : 0), 0);

  if (loop->heap_len > 0) {
    int64_t now = lt__loop_time(loop);
    if (traced && lt__timers_next(loop) <= now) lt__trace_stamp(loop); /* fires: how late */
    lt__timers_expire(loop, now);
  }

  /* Run exactly the callbacks that are ready now; what they schedule waits for the next turn.
   * In shuffle mode the same batch runs, in a seeded order instead of FIFO. */
  loop->iterations++;
  size_t ntodo = loop->ready.count;
  if (traced) lt__trace_simple(loop, LT_EV_LOOP_ITER, 0, 0, loop->iterations, ntodo);
  if (loop->shuffle && ntodo > 1) lt__shuffle_batch(loop, ntodo);
  /* batch_left is shared with task.c: a task that suspends may run the next entries itself
   * (switching straight to the next task), and may even begin the next iteration when it needs
   * no poll (lt__loop_next_batch), so the count, not a local index, says what is left. */
  lt__ring *q = &loop->ready;
  loop->batch_left = ntodo;
  while (loop->batch_left > 0) {
    loop->batch_left--;
    lt__ready r = q->buf[q->head];
    q->head = (q->head + 1) & q->mask;
    q->count--;
    r.run(&r);
  }
}

void lt__loop_trace_iter(lt_loop *loop) {
  lt__trace_simple(loop, LT_EV_LOOP_ITER, 0, 0, loop->iterations, loop->batch_left);
}

bool lt__loop_next_batch(lt_loop *loop) {
  /* What run_once would do before this batch, when it would do nothing but count it: there is
   * something ready (so its poll may not wait), no fd to poll, no other thread's callback, no
   * due timer, no stop, no shuffling. Anything else is the loop's, on its own stack. */
  size_t ntodo = loop->ready.count;
  if (ntodo == 0 || loop->stopping || loop->io_watched > 0 || loop->shuffle ||
      atomic_load_explicit(&loop->ts_pending, memory_order_relaxed))
    return false;
  lt__timers_top(loop);
  if (loop->heap_len > 0 && lt__timers_next(loop) <= lt__loop_time(loop)) return false;
  loop->iterations++;
  if (LT_TRACING(loop)) lt__trace_simple(loop, LT_EV_LOOP_ITER, 0, 0, loop->iterations, ntodo);
  loop->batch_left = ntodo;
  return true;
}

/* ---- lt_run: asyncio.run ---- */

static lt_clock_mode clock_from_env(void) {
  const char *c = getenv("LOOPTRACE_CLOCK");
  if (c && strcmp(c, "virtual") == 0) return LT_CLOCK_VIRTUAL;
  return LT_CLOCK_REAL;
}

static int loop_init(lt_loop *loop, const lt_run_opts *opts) {
  memset(loop, 0, sizeof *loop);
  loop->clock = opts && opts->clock ? opts->clock : clock_from_env();
  loop->default_stack = opts && opts->stack_size ? opts->stack_size : LT_DEFAULT_STACK_SIZE;
  loop->executor_threads = opts ? opts->executor_threads : 0;
  loop->ready.mask = 255;
  loop->ready.buf = malloc(256 * sizeof *loop->ready.buf);
  loop->epfd = epoll_create1(EPOLL_CLOEXEC);
  loop->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (!loop->ready.buf || loop->epfd < 0 || loop->wakefd < 0) goto fail;
  loop->wake_watch.on_event = wake_event;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &loop->wake_watch};
  if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->wakefd, &ev) != 0) goto fail;
  pthread_mutex_init(&loop->ts_mu, NULL);
  lt__list_init(&loop->objects);
  lt__list_init(&loop->tasks);
  lt__list_init(&loop->task_free);
  lt__list_init(&loop->call_later_free);
  lt__list_init(&loop->call_later_blocks);
  lt__stack_pool_init(&loop->pool, loop->default_stack, 1024);
  loop->thread = pthread_self();
  loop->next_task_id = 1;
  lt__shuffle_init(loop);
  return 0;
fail:
  free(loop->ready.buf);
  if (loop->epfd >= 0) close(loop->epfd);
  if (loop->wakefd >= 0) close(loop->wakefd);
  return -errno ? -errno : -ENOMEM;
}

static void loop_free(lt_loop *loop) {
  atomic_store(&loop->closing, 1);
  while (loop->close_hooks) {
    lt__close_hook *h = loop->close_hooks;
    loop->close_hooks = h->next;
    h->fn(loop, h->arg);
    free(h);
  }
  /* Whatever the program did not release is freed with its loop. */
  while (!lt__list_empty(&loop->objects)) {
    lt__obj *o = lt__container_of(loop->objects.next, lt__obj, link);
    lt__list_remove(&o->link);
    o->destroy(o);
  }
  lt__task_free_all(loop);
  lt__timers_free(loop);
  lt__stack_pool_destroy(&loop->pool);
  free(loop->ready.buf);
  free(loop->ts_buf);
  pthread_mutex_destroy(&loop->ts_mu);
  close(loop->epfd);
  close(loop->wakefd);
}

static void stop_loop_cb(lt_future *f, void *arg) {
  (void)f;
  ((lt_loop *)arg)->stopping = true;
}

/* run_until_complete: runs iterations until fut is done; the iteration in which its done
 * callback runs is completed, exactly as run_forever + stop() do. */
static void run_until_complete(lt_loop *loop, lt_future *fut) {
  lt_future_add_done_callback(fut, stop_loop_cb, loop);
  while (!loop->stopping) run_once(loop);
  loop->stopping = false;
}

/* asyncio.runners._cancel_all_tasks: cancel what is left, then wait for all of it. */
static void cancel_all_tasks(lt_loop *loop) {
  size_t n = 0;
  for (lt__list *l = loop->tasks.next; l != &loop->tasks; l = l->next)
    if (!lt_task_done(lt__container_of(l, lt_task, link))) n++;
  if (n == 0) return;
  lt_future **pending = malloc(n * sizeof *pending);
  if (!pending) return;
  size_t i = 0;
  for (lt__list *l = loop->tasks.next; l != &loop->tasks; l = l->next) {
    lt_task *t = lt__container_of(l, lt_task, link);
    if (!lt_task_done(t)) {
      lt_task_retain(t);
      pending[i++] = &t->fut;
    }
  }
  for (i = 0; i < n; i++) lt_task_cancel(lt__task_of(pending[i]));
  lt_future *all = lt_gather_start(pending, n, LT_GATHER_RETURN_ERRORS);
  if (all) {
    run_until_complete(loop, all);
    lt_future_release(all);
  }
  for (i = 0; i < n; i++) lt_task_release(lt__task_of(pending[i]));
  free(pending);
}

static int noop_task(void *arg, void **result) { return 0; }

static void open_sink_from_env(void) { lt__sink_open_from_env(); }

/* asyncio.run ends with run_until_complete(shutdown_asyncgens()) and
 * run_until_complete(shutdown_default_executor()): two more short runs of the loop, in which
 * callbacks still queued get their turn. We have no async generators and shut the executor
 * down in a close hook, but keep the two runs so that ordering stays asyncio's. */
static void run_shutdown_step(lt_loop *loop, const char *name) {
  lt_task *t = lt_spawn_at(noop_task, NULL, &(lt_task_opts){.name = name}, NULL);
  if (!t) return;
  run_until_complete(loop, &t->fut);
  lt_task_release(t);
}

int lt_run(lt_task_fn main, void *arg, void **result, const lt_run_opts *opts) {
  if (lt__tls_loop) {
    lt__misuse("lt_run called while a loop is already running on this thread");
    return -EBUSY;
  }
  lt_loop *loop = malloc(sizeof *loop);
  if (!loop) return -ENOMEM;
  int rc = loop_init(loop, opts);
  if (rc < 0) {
    free(loop);
    return rc;
  }
  lt__tls_loop = loop;
  int64_t slice = lt__slice_from_env(); /* the loop's thread, for as long as it runs */
  static pthread_once_t env_once = PTHREAD_ONCE_INIT;
  pthread_once(&env_once, open_sink_from_env);
  lt__trace_attach(loop);
  const char *name = opts && opts->main_name ? opts->main_name : "main";
  lt_task *task = lt_spawn_at(main, arg, &(lt_task_opts){.name = name}, NULL);
  if (!task) {
    rc = -errno;
  } else {
    run_until_complete(loop, &task->fut);
    cancel_all_tasks(loop);
    run_shutdown_step(loop, "shutdown_asyncgens");
    run_shutdown_step(loop, "shutdown_default_executor");
    void *value = NULL;
    rc = lt_task_result(task, &value);
    if (result) *result = value;
  }
  lt__trace_detach(loop);
  loop_free(loop);
  lt__tls_loop = NULL;
  free(loop);
  if (slice) lt_set_slice(0);
  return rc;
}

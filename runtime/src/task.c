/* task.c: tasks: spawn, the step that resumes a task on its own stack (asyncio's Task.__step
 * and __wakeup), await, sleep, cancellation, and a task's end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "trace.h"

#include "sanitizer.h"

static void trace_done(lt_task *t, int status);

/* ---- steps, and handing the CPU from task to task ----
 *
 * A step is one resumption of a task, from the ready entry that resumes it (its scheduled step,
 * or its wake-up callback) until it suspends or ends. step_begin does what asyncio's __step
 * does first (cancellation, the waker, the trace); step_end what follows the step (the waker
 * back, the wake-up's reference dropped). Both run wherever the switch happens: on the loop's
 * stack when the loop runs the entry, or on the suspending task's own stack when it hands the
 * CPU straight to the next entry of the same batch (direct transfer: one switch task -> task
 * instead of two through the loop). The loop's batch rule, FIFO (or shuffled) order, and what
 * each step records are the same either way; only the stack the bookkeeping runs on differs. */

static inline void asan_arrived(lt_loop *loop, void *fake) {
#ifdef LT_ASAN
  const void *bottom;
  size_t size;
  __sanitizer_finish_switch_fiber(fake, &bottom, &size);
  if (loop->from_sched) { /* learn the loop's own stack, to switch back to it later */
    loop->sched_stack_bottom = bottom;
    loop->sched_stack_size = size;
  }
#else
  (void)loop;
  (void)fake;
#endif
}

/* From the loop's stack into t. */
static inline void switch_from_loop(lt_loop *loop, lt_task *t) {
#ifdef LT_ASAN
  void *fake = NULL;
  loop->from_sched = true;
  __sanitizer_start_switch_fiber(&fake, t->stack.lo, t->stack.size);
  lt__ctx_switch(&loop->sched_ctx, &t->ctx);
  __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#else
  lt__ctx_switch(&loop->sched_ctx, &t->ctx);
#endif
}

/* From a suspending task to the loop's stack (fake: NULL once the task has ended). */
static inline void switch_to_loop(lt_loop *loop, lt_task *t, void **fake) {
#ifdef LT_ASAN
  __sanitizer_start_switch_fiber(fake, loop->sched_stack_bottom, loop->sched_stack_size);
#else
  (void)fake;
#endif
  lt__ctx_switch(&t->ctx, &loop->sched_ctx);
}

/* From a suspending task straight into the next one. */
static inline void switch_to_task(lt_loop *loop, lt_task *from, lt_task *to) {
#ifdef LT_ASAN
  loop->from_sched = false;
  __sanitizer_start_switch_fiber(&from->asan_fake_stack, to->stack.lo, to->stack.size);
#else
  (void)loop;
#endif
  lt__ctx_switch(&from->ctx, &to->ctx);
}

static void task_entry(void *arg);

/* What every step begins with, once t is ready to run. Between ready entries the loop's waker
 * is always none (every callback that names one puts it back, and a step begins only between
 * entries), so a step sets it to itself and step_end sets it back to none. */
static inline void step_enter(lt_loop *loop, lt_task *t, bool cancel) {
  t->throw_cancel = cancel;
  t->state = LT__TASK_RUNNING;
  loop->current = t;
  loop->waker_kind = LT_WAKER_TASK;
  loop->waker_id = t->id;
  if (LT_TRACING(loop)) lt__trace_resume(loop, (uint32_t)t->id);
}

/* step_begin for a task that has not run yet, or has ended. */
static bool step_begin_slow(lt_loop *loop, lt_task *t) {
  if (t->state == LT__TASK_DONE) return false;
  bool cancel = t->must_cancel;
  t->must_cancel = 0;
  t->waiting = NULL;
  if (cancel) {
    /* Cancelled before its first step: the body never runs. */
    t->state = LT__TASK_DONE;
    trace_done(t, -ECANCELED);
    lt__future_complete(&t->fut, LT_FUTURE_CANCELLED, -ECANCELED, NULL);
    lt__obj_release(&t->fut.obj);
    return false;
  }
  int rc = lt__stack_get(&loop->pool, t->stack_request, &t->stack);
  if (rc < 0) {
    char why[400];
    lt__stack_explain(why, sizeof why, &loop->pool, t->stack_request, rc);
    lt__misuse("task %s: %s", lt_task_name(t), why);
    t->state = LT__TASK_DONE;
    trace_done(t, rc);
    lt__future_complete(&t->fut, LT_FUTURE_ERROR, rc, NULL);
    lt__obj_release(&t->fut.obj);
    return false;
  }
  lt__ctx_make(&t->ctx, t->stack.lo, t->stack.size, task_entry, t);
  step_enter(loop, t, false);
  return true;
}

/* Starts t's step: false when there is nothing to switch into (t already ended, or ended just
 * now: cancelled before it started, or no stack for it). */
static inline bool step_begin(lt_loop *loop, lt_task *t) {
  if (__builtin_expect(t->state != LT__TASK_SUSPENDED, 0)) return step_begin_slow(loop, t);
  bool cancel = t->must_cancel;
  t->must_cancel = 0;
  t->waiting = NULL;
  step_enter(loop, t, cancel);
  return true;
}

/* Ends the running step (the task has suspended or ended). */
static inline void step_end(lt_loop *loop) {
  loop->waker_kind = LT_WAKER_NONE;
  loop->waker_id = 0;
  loop->current = NULL;
}

/* A finished task's stack goes back to the pool once nobody runs on it: the loop does it. */
static void reap(lt_loop *loop) {
  lt_task *t = loop->zombie;
  loop->zombie = NULL;
  lt__stack_put(&loop->pool, &t->stack);
  t->stack.lo = NULL;
  lt__obj_release(&t->fut.obj); /* the reference the loop held while the task ran */
}

/* Runs a task's entry from the loop. */
static void run_step(lt_loop *loop, lt_task *t) {
  if (!step_begin(loop, t)) return;
  switch_from_loop(loop, t);
  /* Back on the loop's stack: the last task of a run of direct transfers suspended or ended. */
  if (loop->zombie) reap(loop);
}

static void task_step_run(lt__ready *r) { run_step(lt__tls_loop, r->a); }

/* A wake-up entry holds no reference of its own: the parked task holds one on the future it
 * waits for (lt__task_park) until it has read its outcome, after this entry has run. */
void lt__task_wakeup_entry(lt__ready *r) { run_step(lt__tls_loop, r->b); }

/* The task an entry resumes, or NULL when it is a plain callback. */
static inline lt_task *entry_task(const lt__ready *r) {
  if (r->run == task_step_run) return r->a;
  if (r->run == lt__task_wakeup_entry) return r->b;
  return NULL;
}

static inline void pop_entry(lt_loop *loop) {
  lt__ring *q = &loop->ready;
  loop->batch_left--;
  q->head = (q->head + 1) & q->mask;
  q->count--;
}

/* The task the suspending one hands the CPU to: the next entry of this iteration's batch when
 * it is a task's step or wake-up, begun already; NULL when the loop must run what comes next
 * (a plain callback, or an iteration that polls, fires timers or stops). */
static lt_task *take_next(lt_loop *loop) {
  while (loop->batch_left > 0 || lt__loop_next_batch(loop)) {
    lt_task *t = entry_task(&loop->ready.buf[loop->ready.head]);
    if (!t) return NULL;
    pop_entry(loop);
    if (step_begin(loop, t)) {
      loop->handovers++;
      return t;
    }
  }
  return NULL;
}

/* lt__task_suspend, in full: any next entry, the end of a batch, tracing, AddressSanitizer. */
static __attribute__((noinline)) void suspend_slow(lt_loop *loop, lt_task *t) {
  step_end(loop);
  lt_task *next = take_next(loop);
  if (next)
    switch_to_task(loop, t, next);
  else
    switch_to_loop(loop, t, &t->asan_fake_stack);
  asan_arrived(loop, t->asan_fake_stack);
}

/* The common case of a suspend: the next entry of the batch (or of the next batch, when it
 * needs nothing but counting) resumes a task that is simply waiting. Inline, and without a
 * call until the switch when untraced (traced is a constant), so that nothing is saved twice.
 * False: suspend_slow does it. */
static inline __attribute__((always_inline)) bool hand_over(lt_loop *loop, lt_task *t,
                                                            bool traced) {
  lt_task *next;
  if (!(loop->batch_left > 0 || lt__loop_next_batch_inline(loop, traced)) ||
      (next = entry_task(&loop->ready.buf[loop->ready.head])) == NULL ||
      next->state != LT__TASK_SUSPENDED)
    return false;
  pop_entry(loop);
  step_end(loop);
  loop->handovers++;
  bool cancel = next->must_cancel;
  next->must_cancel = 0;
  next->waiting = NULL;
  next->throw_cancel = cancel;
  next->state = LT__TASK_RUNNING;
  loop->current = next;
  loop->waker_kind = LT_WAKER_TASK;
  loop->waker_id = next->id;
  if (traced) lt__trace_resume(loop, (uint32_t)next->id);
  lt__ctx_switch(&t->ctx, &next->ctx);
  return true;
}

#ifndef LT_ASAN
static __attribute__((noinline)) void suspend_traced(lt_loop *loop, lt_task *t) {
  if (!hand_over(loop, t, true)) suspend_slow(loop, t);
}
#endif

static inline void suspend(lt_loop *loop, lt_task *t) {
  t->state = LT__TASK_SUSPENDED;
#ifndef LT_ASAN
  if (__builtin_expect(LT_TRACING(loop), 0)) {
    suspend_traced(loop, t);
    return;
  }
  if (hand_over(loop, t, false)) return;
#endif
  suspend_slow(loop, t);
}

void lt__task_suspend(lt_task *t) { suspend(t->fut.loop, t); }

/* ---- a task's end ---- */

static void trace_done(lt_task *t, int status) {
  lt_loop *loop = t->fut.loop;
  if (!LT_TRACING(loop)) return;
  uint8_t outcome = status == 0              ? LT_OUTCOME_RESULT
                    : status == -ECANCELED ? LT_OUTCOME_CANCELLED
                                           : LT_OUTCOME_ERROR;
  lt__trace_stamped(loop, LT_EV_TASK_DONE, outcome, (uint32_t)t->id, (uint64_t)(int64_t)status,
                    0);
}

static void task_finish(lt_task *t, int status, void *value) {
  if (status == 0 && t->must_cancel) {
    /* Cancelled right before its body returned: asyncio reports it cancelled. */
    t->must_cancel = 0;
    status = -ECANCELED;
  }
  if (status > 0) {
    lt__misuse("task %s returned %d: a task returns 0 or a negative errno", lt_task_name(t),
               status);
    status = -EINVAL;
  }
  t->state = LT__TASK_DONE;
  trace_done(t, status);
  if (status == 0)
    lt__future_complete(&t->fut, LT_FUTURE_RESULT, 0, value);
  else if (status == -ECANCELED)
    lt__future_complete(&t->fut, LT_FUTURE_CANCELLED, -ECANCELED, NULL);
  else
    lt__future_complete(&t->fut, LT_FUTURE_ERROR, status, NULL);
}

/* The first frame on a task's stack. */
static void task_entry(void *arg) {
  lt_task *t = arg;
  lt_loop *loop = t->fut.loop;
  asan_arrived(loop, NULL);
  void *value = NULL;
  int status = t->fn(t->arg, &value);
  while (!lt__list_empty(&t->groups)) {
    lt__scope *s = lt__container_of(t->groups.next, lt__scope, link);
    status = s->abandon(s, t, status);
  }
  task_finish(t, status, value);
  step_end(loop);
#ifndef LT_ASAN
  /* An ended task hands the CPU over too, when its stack may go back to the pool while it
   * still runs on it: the pool has room without growing (nothing is unmapped or reallocated)
   * and nothing takes a stack from it before the switch (a new task the next entry starts
   * took its stack already). The task itself may be freed here: the switch saves nothing of
   * it (dead_ctx). */
  lt__stack_pool *pool = &loop->pool;
  if (t->stack.size == pool->size && pool->count < pool->cap && pool->count < pool->limit) {
    lt_task *next = take_next(loop);
    if (next) {
      lt__stack_put(pool, &t->stack);
      t->stack.lo = NULL;
      lt__obj_release(&t->fut.obj); /* the reference the loop held while the task ran */
      lt__ctx_switch(&loop->dead_ctx, &next->ctx);
      abort();
    }
  }
#endif
  /* Otherwise the loop frees its stack once nothing runs on it. */
  loop->zombie = t;
  switch_to_loop(loop, t, NULL);
  abort(); /* a finished task is never resumed */
}

/* ---- the step ---- */

void lt__task_schedule_step(lt_task *t, lt_wire_cause cause) {
  lt_loop *loop = t->fut.loop;
  /* A yield's SUSPEND says the task is ready again at once: no READY record for it. */
  if (LT_TRACING(loop) && cause != LT_CAUSE_YIELD) lt__trace_task_ready(loop, t, cause, 0);
  lt__schedule(loop, task_step_run, t, NULL);
}

/* asyncio's __wakeup: the awaited future is done; resume the task right here. Scheduled as
 * lt__task_wakeup_entry (future.c), never called. */
void lt__task_wakeup(lt_future *f, void *arg) {
  (void)f;
  (void)arg;
  abort();
}

/* ---- spawn and lifetime ---- */

static int task_cancel_future(lt_future *f) { return lt_task_cancel(lt__task_of(f)); }

#define TASK_FREE_MAX 256 /* tasks kept for reuse per loop */

static void task_destroy(lt__obj *o) {
  lt_task *t = lt__container_of(o, lt_task, fut.obj);
  lt_loop *loop = t->fut.loop;
  if (t->stack.lo) lt__stack_put(&loop->pool, &t->stack);
  lt__list_remove(&t->link);
  lt__future_fini(&t->fut);
  if (t->sleep_ready) lt__future_fini(&t->sleep_fut);
  if (t->name != t->name_buf) free(t->name);
  if (loop->task_free_count < TASK_FREE_MAX && !atomic_load_explicit(&loop->closing,
                                                                     memory_order_relaxed)) {
    lt__list_push_back(&loop->task_free, &t->link);
    loop->task_free_count++;
    return;
  }
  free(t);
}

void lt__task_free_all(lt_loop *loop) {
  while (!lt__list_empty(&loop->task_free)) {
    lt__list *l = loop->task_free.next;
    lt__list_remove(l);
    free(lt__container_of(l, lt_task, link));
  }
  loop->task_free_count = 0;
}

static lt_task *task_alloc(lt_loop *loop) {
  if (lt__list_empty(&loop->task_free)) return malloc(sizeof(lt_task));
  lt__list *l = loop->task_free.prev; /* the most recently freed: warm in the cache */
  lt__list_remove(l);
  loop->task_free_count--;
  return lt__container_of(l, lt_task, link);
}

/* Copies a task's name: into the task itself when short (no allocation), else the heap. */
static int set_name(lt_task *t, const char *name) {
  size_t n = strlen(name);
  if (n < sizeof t->name_buf) {
    memcpy(t->name_buf, name, n + 1);
    t->name = t->name_buf;
    return 0;
  }
  t->name = strdup(name);
  return t->name ? 0 : -ENOMEM;
}

lt_task *lt_spawn_at(lt_task_fn fn, void *arg, const lt_task_opts *opts, const lt_srcloc *site) {
  lt_loop *loop = lt__loop_check("lt_spawn");
  if (!loop) {
    errno = EPERM;
    return NULL;
  }
  lt_task *t = task_alloc(loop);
  if (!t) return NULL;
  t->name = NULL;
  if (opts && opts->name && set_name(t, opts->name) < 0) {
    free(t);
    errno = ENOMEM;
    return NULL;
  }
  lt__obj_register(loop, &t->fut.obj, task_destroy);
  t->fut.obj.refs = 2; /* the caller's, and the loop's until the task is done */
  lt__future_init(&t->fut, loop, &t->fut.obj);
  t->fut.is_task = 1;
  t->fut.cancel = task_cancel_future;
  t->sleep_fut.id = ++loop->next_obj_id; /* the rest when it first sleeps */
  t->sleep_ready = false;
  t->io_empty_fd = -1;
  t->stack.lo = NULL;
  t->stack.size = 0;
  t->stack_request = opts && opts->stack_size ? opts->stack_size : 0;
  t->fn = fn;
  t->arg = arg;
  t->waiting = NULL;
  t->state = LT__TASK_CREATED;
  t->must_cancel = 0;
  t->throw_cancel = 0;
  t->in_cancel = 0;
  t->cancels_requested = 0;
  t->id = loop->next_task_id++;
  t->parent_id = loop->current ? loop->current->id : 0;
  t->site = site;
  t->asan_fake_stack = NULL;
  lt__list_init(&t->groups);
  lt__list_push_back(&loop->tasks, &t->link);
  if (LT_TRACING(loop)) lt__trace_task_create(loop, t);
  lt__task_schedule_step(t, LT_CAUSE_SPAWN); /* create_task only schedules the first step */
  return t;
}

lt_future *lt_task_future(lt_task *t) { return &t->fut; }
void lt_task_retain(lt_task *t) { lt__obj_retain(&t->fut.obj); }
void lt_task_release(lt_task *t) {
  if (t) lt__obj_release(&t->fut.obj);
}

/* ---- await and sleep ---- */

int lt__task_park(lt_task *t, lt_future *f, lt__wait_reason reason, void **value,
                  const lt_srcloc *site) {
  return lt__task_park_detail(t, f, reason, 0, value, site);
}

int lt__task_park_detail(lt_task *t, lt_future *f, lt__wait_reason reason, uint64_t detail,
                         void **value, const lt_srcloc *site) {
  int rc;
  if (f->ncb < f->capcb && f->state == LT_FUTURE_PENDING) {
    f->cbs[f->ncb++] = (lt__donecb){lt__task_wakeup, t}; /* add_done_callback's common case */
  } else if ((rc = lt_future_add_done_callback(f, lt__task_wakeup, t)) < 0) {
    return rc;
  }
  lt_loop *loop = t->fut.loop;
  if (LT_TRACING(loop)) {
    uint64_t object = f->is_task ? lt__task_of(f)->id : f->id;
    if (reason == LT__WAIT_SLEEP) {
      object = t->sleep_timer.id;
      detail = (uint64_t)t->sleep_timer.deadline;
    }
    lt__trace_task_suspend(loop, t, (lt_wire_reason)reason, object, site, detail);
  }
  lt__obj_retain(f->owner); /* f stays readable until this await returns */
  t->waiting = f;
  if (t->must_cancel && lt_future_cancel(f) == 1) t->must_cancel = 0;
  lt__task_suspend(t);
  if (t->throw_cancel) {
    t->throw_cancel = 0;
    rc = -ECANCELED;
  } else {
    rc = lt_future_result(f, value);
  }
  lt__obj_release(f->owner);
  return rc;
}

int lt__await_target(const char *who, lt_future *f, lt_task **out) {
  lt_task *t = lt__task_check(who);
  if (!t) return -EPERM;
  if (!f) {
    lt__misuse("%s on NULL", who);
    return -EINVAL;
  }
  if (f->loop != t->fut.loop) {
    lt__misuse("%s on a future of another loop", who);
    return -EPERM;
  }
  if (f == &t->fut) {
    lt__misuse("%s: task %s waits for itself", who, lt_task_name(t));
    return -EDEADLK;
  }
  *out = t;
  return 0;
}

int lt_await_at(lt_future *f, void **value, const lt_srcloc *site) {
  lt_task *t;
  int rc = lt__await_target("lt_await", f, &t);
  if (rc < 0) return rc;
  if (f->state != LT_FUTURE_PENDING) return lt_future_result(f, value);
  return lt__task_park(t, f, f->is_task ? LT__WAIT_TASK : LT__WAIT_FUTURE, value, site);
}

/* asyncio.futures._set_result_unless_cancelled, as the timer of asyncio.sleep does. */
static void sleep_fire(void *arg) {
  lt_task *t = arg;
  if (t->sleep_fut.state == LT_FUTURE_PENDING)
    lt__future_complete(&t->sleep_fut, LT_FUTURE_RESULT, 0, NULL);
}

/* lt_sleep for a positive time: a timer, and a future it resolves (out of line, so that a
 * yield's path saves no registers it does not use). */
static __attribute__((noinline)) int sleep_timer(lt_task *t, int64_t ns, const lt_srcloc *site) {
  if (!t->sleep_ready) {
    lt__future_init_as(&t->sleep_fut, t->fut.loop, &t->fut.obj, t->sleep_fut.id);
    lt_timer_init(&t->sleep_timer);
    t->sleep_ready = true;
  }
  lt__future_fini(&t->sleep_fut);
  t->sleep_fut.state = LT_FUTURE_PENDING;
  int rc = lt_timer_start(&t->sleep_timer, ns, sleep_fire, t);
  if (rc < 0) return rc;
  rc = lt__task_park(t, &t->sleep_fut, LT__WAIT_SLEEP, NULL, site);
  lt_timer_cancel(&t->sleep_timer);
  return rc;
}

int lt_sleep_at(int64_t ns, const lt_srcloc *site) {
  lt_task *t = lt__task_check("lt_sleep");
  if (!t) return -EPERM;
  if (ns > 0) return sleep_timer(t, ns, site);
  /* A bare yield: the step goes to the back of the ready queue (no READY record: the
   * SUSPEND's reason says it). The loop is this thread's (a task runs on its own loop's). */
  lt_loop *loop = lt__tls_loop;
  if (LT_TRACING(loop)) lt__trace_task_suspend(loop, t, LT_REASON_YIELD, 0, site, 0);
  lt__schedule(loop, task_step_run, t, NULL);
  suspend(loop, t);
  if (t->throw_cancel) {
    t->throw_cancel = 0;
    return -ECANCELED;
  }
  return 0;
}

/* ---- cancellation: asyncio's Task.cancel ---- */

/* A cancellation passed on along awaits can come back to the task it started from: a task
 * awaits, through other tasks (or a gather of them), a task that awaits it. asyncio passes it
 * on round the cycle until its RecursionError; here the task that finds the request came back
 * says "not passed" (0) and the task before it in the cycle, whose awaited task that is, stops
 * waiting: its await returns -ECANCELED at its next step, as if what it awaited had been
 * cancelled. Each task above it then sees what it awaits end cancelled, as in a chain. */
static bool stop_waiting(lt_task *t) {
  lt_future *f = t->waiting;
  if (t->state != LT__TASK_SUSPENDED || !f) return false;
  if (lt_future_remove_done_callback(f, lt__task_wakeup, t) == 0) return false; /* woken */
  t->must_cancel = 1;
  lt_loop *loop = t->fut.loop;
  if (LT_TRACING(loop))
    lt__trace_task_ready(loop, t, LT_CAUSE_WAKEUP, f->is_task ? lt__task_of(f)->id : f->id);
  lt__schedule(loop, task_step_run, t, NULL);
  return true;
}

int lt_task_cancel(lt_task *t) {
  if (t->fut.loop != lt__tls_loop) {
    lt__misuse("lt_task_cancel called from a thread that does not run the task's loop");
    return -EPERM;
  }
  if (t->fut.state != LT_FUTURE_PENDING) return 0;
  lt_loop *loop = t->fut.loop;
  if (t->in_cancel) {
    loop->cancel_cycle = true;
    return 0;
  }
  t->cancels_requested++;
  if (LT_TRACING(loop))
    lt__trace_simple(loop, LT_EV_TASK_CANCEL, 0, (uint32_t)t->id,
                     loop->current ? loop->current->id : 0, 0);
  if (t->waiting) {
    t->in_cancel = 1;
    int passed = lt_future_cancel(t->waiting);
    t->in_cancel = 0;
    bool cycle = loop->cancel_cycle;
    loop->cancel_cycle = false;
    if (passed == 1 || (cycle && stop_waiting(t))) return 1;
  }
  t->must_cancel = 1;
  return 1;
}

int lt_task_cancelling(const lt_task *t) { return t->cancels_requested; }

int lt_task_uncancel(lt_task *t) {
  if (t->cancels_requested > 0) t->cancels_requested--;
  return t->cancels_requested;
}

bool lt_task_done(const lt_task *t) { return t->fut.state != LT_FUTURE_PENDING; }
bool lt_task_cancelled(const lt_task *t) { return t->fut.state == LT_FUTURE_CANCELLED; }
int lt_task_result(const lt_task *t, void **value) { return lt_future_result(&t->fut, value); }

lt_task *lt_current_task(void) { return lt__tls_loop ? lt__tls_loop->current : NULL; }

const char *lt_task_name(const lt_task *t) {
  if (!t->name) {
    lt_task *m = (lt_task *)t; /* formatted once, when first asked */
    snprintf(m->name_buf, sizeof m->name_buf, "Task-%llu", (unsigned long long)t->id);
    m->name = m->name_buf;
  }
  return t->name;
}

uint64_t lt_task_id(const lt_task *t) { return t->id; }
uint64_t lt_task_parent_id(const lt_task *t) { return t->parent_id; }
const lt_srcloc *lt_task_spawn_site(const lt_task *t) { return t->site; }

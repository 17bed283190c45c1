/* executor.c: the loop's worker thread pool (asyncio's default ThreadPoolExecutor): blocking
 * functions run on workers; each result comes back through lt_call_soon_threadsafe (the
 * loop's eventfd) and resolves the job's future on the loop thread. Threads start as jobs need
 * them, up to the limit, and are joined when the loop closes. Workers trace to tracks of
 * their own (always on the real clock). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"
#include "trace.h"

typedef struct job {
  struct job *next;      /* queue, then the pool's list of jobs in flight */
  struct job *prev_all, *next_all;
  struct pool *pool;
  lt_blocking_fn fn;
  void *arg;
  void *result;
  int status;
  lt_future *fut;        /* holds a reference until the result is delivered */
  uint64_t id;
} job;

typedef struct pool {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  job *head, *tail;      /* waiting jobs */
  job all;               /* sentinel of every job not yet delivered */
  pthread_t *threads;
  int nthreads, max, idle;
  bool stop;
  lt_loop *loop;
  uint32_t loop_track;   /* the loop's track id, for the workers' TRACK records */
  uint64_t next_job;
} pool;

static int default_threads(void) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  long n = (cpus > 0 ? cpus : 1) + 4;
  return n > 32 ? 32 : (int)n; /* asyncio: min(32, os.cpu_count() + 4) */
}

/* ---- on the loop thread ---- */

static void unlink_job(job *j) {
  j->prev_all->next_all = j->next_all;
  j->next_all->prev_all = j->prev_all;
}

/* The job's result arrives (asyncio: call_soon_threadsafe(_set_state)). */
static void deliver(void *arg) {
  job *j = arg;
  pool *p = j->pool;
  lt_loop *loop = p->loop;
  pthread_mutex_lock(&p->mu);
  unlink_job(j);
  pthread_mutex_unlock(&p->mu);
  if (j->fut->state == LT_FUTURE_PENDING) {
    loop->waker_id = j->id; /* the waker kind is already "another thread" */
    if (j->status == 0)
      lt__future_complete(j->fut, LT_FUTURE_RESULT, 0, j->result);
    else
      lt__future_complete(j->fut, j->status == -ECANCELED ? LT_FUTURE_CANCELLED : LT_FUTURE_ERROR,
                          j->status, NULL);
  }
  lt_future_release(j->fut);
  free(j);
}

static void pool_close(lt_loop *loop, void *arg) {
  pool *p = arg;
  pthread_mutex_lock(&p->mu);
  p->stop = true;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < p->nthreads; i++) pthread_join(p->threads[i], NULL);
  /* Results that never reached the loop: their futures go with the loop's objects. */
  while (p->all.next_all != &p->all) {
    job *j = p->all.next_all;
    unlink_job(j);
    free(j);
  }
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->mu);
  free(p->threads);
  free(p);
  loop->executor = NULL;
}

static pool *pool_get(lt_loop *loop) {
  if (loop->executor) return loop->executor;
  pool *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->max = loop->executor_threads > 0 ? loop->executor_threads : default_threads();
  p->threads = calloc((size_t)p->max, sizeof *p->threads);
  if (!p->threads || lt__loop_on_close(loop, pool_close, p) < 0) {
    free(p->threads);
    free(p);
    return NULL;
  }
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  p->all.next_all = p->all.prev_all = &p->all;
  p->loop = loop;
  loop->executor = p;
  return p;
}

/* ---- on a worker thread ---- */

static __thread lt__track *worker_track;

static void *worker(void *arg) {
  pool *p = arg;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->head && !p->stop) {
      p->idle++;
      pthread_cond_wait(&p->cv, &p->mu);
      p->idle--;
    }
    if (!p->head) break; /* stopping, and nothing left to run */
    job *j = p->head;
    p->head = j->next;
    if (!p->head) p->tail = NULL;
    bool more = p->head != NULL;
    pthread_mutex_unlock(&p->mu);

    if (!worker_track && lt__sink_active())
      worker_track = lt__track_new(LT_TRACK_WORKER, NULL, p->loop_track);
    lt__track *tr = worker_track;
    if (tr) {
      uint64_t *a = lt__track_emit(tr, LT_EV_EXEC_START, 0, 0, lt__track_now(tr), 2, NULL, 0);
      a[0] = j->id;
      a[1] = p->loop_track;
    }
    j->status = j->fn(j->arg, &j->result);
    if (tr) {
      uint64_t *a = lt__track_emit(tr, LT_EV_EXEC_END, 0, 0, lt__track_now(tr), 2, NULL, 0);
      a[0] = j->id;
      a[1] = (uint64_t)(int64_t)j->status;
      if (!more) lt__track_flush(tr); /* going idle: nothing held back */
    }
    /* Refused once the loop is closing: pool_close frees the job then. */
    lt_call_soon_threadsafe(p->loop, deliver, j);
    pthread_mutex_lock(&p->mu);
  }
  pthread_mutex_unlock(&p->mu);
  if (worker_track) {
    lt__track_flush_last(worker_track);
    lt__track_free(worker_track);
    worker_track = NULL;
  }
  return NULL;
}

/* ---- the API ---- */

lt_future *lt_executor_submit(lt_blocking_fn fn, void *arg) {
  lt_loop *loop = lt__loop_check("lt_executor_submit");
  if (!loop) {
    errno = EPERM;
    return NULL;
  }
  pool *p = pool_get(loop);
  job *j = p ? calloc(1, sizeof *j) : NULL;
  lt_future *f = j ? lt_future_new() : NULL;
  if (!f) {
    free(j);
    errno = ENOMEM;
    return NULL;
  }
  j->pool = p;
  j->fn = fn;
  j->arg = arg;
  j->fut = f;
  lt_future_retain(f); /* the job's reference, dropped when its result is delivered */
  j->id = f->id;       /* the job is known by its future's id */
  if (LT_TRACING(loop)) {
    p->loop_track = loop->track->id;
    lt__trace_simple(loop, LT_EV_EXEC_SUBMIT, 0, loop->current ? (uint32_t)loop->current->id : 0,
                     j->id, 0);
  }
  pthread_mutex_lock(&p->mu);
  j->next_all = &p->all;
  j->prev_all = p->all.prev_all;
  p->all.prev_all->next_all = j;
  p->all.prev_all = j;
  if (p->tail)
    p->tail->next = j;
  else
    p->head = j;
  p->tail = j;
  /* A new thread only when none is idle to take the job (ThreadPoolExecutor's rule). */
  if (p->idle == 0 && p->nthreads < p->max &&
      pthread_create(&p->threads[p->nthreads], NULL, worker, p) == 0)
    p->nthreads++;
  pthread_cond_signal(&p->cv);
  bool stranded = p->nthreads == 0;
  pthread_mutex_unlock(&p->mu);
  if (stranded) {
    /* No thread could be started at all: fail the job now rather than never. */
    pthread_mutex_lock(&p->mu);
    p->head = p->tail = NULL;
    unlink_job(j);
    pthread_mutex_unlock(&p->mu);
    lt__future_complete(f, LT_FUTURE_ERROR, -EAGAIN, NULL);
    lt_future_release(f);
    free(j);
  }
  return f;
}

int lt_to_thread_at(lt_blocking_fn fn, void *arg, void **result, const lt_srcloc *site) {
  lt_task *t = lt__task_check("lt_to_thread");
  if (!t) return -EPERM;
  lt_future *f = lt_executor_submit(fn, arg);
  if (!f) return -errno;
  int rc = lt_future_done(f) ? lt_future_result(f, result)
                             : lt__task_park_detail(t, f, LT__WAIT_EXECUTOR, f->id, result, site);
  lt_future_release(f);
  return rc;
}

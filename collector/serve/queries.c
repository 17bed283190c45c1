/* queries.c: see queries.h. One mutex guards the queues; the reads run outside it. */
#define _GNU_SOURCE
#include "serve/queries.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "api/api.h"
#include "api/export.h"
#include "api/jsonbuf.h"
#include "store/store.h"

#define MAX_WORKERS 16

struct ltc_queries;

typedef struct worker {
  struct ltc_queries *q;
  pthread_t thread;
  ltc_store *store;
  uint64_t running; /* the owner whose job it runs (0: none) */
  bool heavy;       /* ...a heavy one */
  bool forgotten;   /* ...who has gone meanwhile */
} worker;

/* The thread that keeps the summary spans and the lint of sessions as they end
 * (ltc_queries_warm). It waits on a condition of its own: the workers' is signalled for one
 * job at a time, which would wake the warmer instead of a worker. */
typedef struct warmer {
  pthread_t thread;
  ltc_store *store;
  pthread_cond_t cv; /* a session was queued, or stop */
  bool started;
  int64_t queue[64]; /* sessions to warm, oldest first */
  int n;
  int64_t done[256]; /* sessions warmed already (a ring): an ended session is warmed once */
  unsigned ndone;
} warmer;

struct ltc_queries {
  pthread_mutex_t lock;
  pthread_cond_t cv; /* the workers': a job was submitted, one finished, or stop */
  ltc_query_job *waiting, *done; /* lists, oldest first */
  worker workers[MAX_WORKERS];
  int n;
  warmer warm;
  bool stop;
  void (*wake)(void *user);
  void *user;
};

void ltc_query_job_free(ltc_query_job *job) {
  if (!job) return;
  if (job->path[0]) unlink(job->path);
  free(job->op);
  cJSON_Delete(job->args);
  free(job->reply);
  free(job);
}

static void append(ltc_query_job **list, ltc_query_job *job) {
  job->next = NULL;
  while (*list) list = &(*list)->next;
  *list = job;
}

/* Whether session field of job's arguments is absent (if may_miss) or names a session with
 * kept(id). */
static bool kept_arg(const ltc_query_job *job, const char *field, bool may_miss,
                     bool (*kept)(int64_t)) {
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(job->args, field);
  if (!id) return may_miss;
  return cJSON_IsNumber(id) && kept((int64_t)id->valuedouble);
}

/* A read that may take long: it reads records (a window, a summary, orderings, an export).
 * A summary of a session whose spans are kept is quick (sumcache.c), and so is the lint of a
 * session (and of the one it is compared against) whose lint is kept (lintcache.c): they never
 * wait behind a diff's or a window's replay, so a view's tiles and its lints come at once
 * whatever else is read. */
static bool heavy(const ltc_query_job *job) {
  if (job->export_chrome || job->export_jsonl) return true; /* (an export has no op) */
  if (strcmp(job->op, "summary") == 0) return !kept_arg(job, "session", false, ltc_sumcache_kept);
  if (strcmp(job->op, "lint") == 0)
    return !kept_arg(job, "session", false, ltc_lintcache_kept) ||
           !kept_arg(job, "against", true, ltc_lintcache_kept);
  return strcmp(job->op, "sessions") != 0 && strcmp(job->op, "session") != 0 &&
         strcmp(job->op, "tasks") != 0;
}

/* The first waiting job whose owner has none running (one at a time each: fairness), and that
 * is not heavy when all but one thread run heavy ones (one is always free for the quick). */
static ltc_query_job *next_job(ltc_queries *q) {
  int heavies = 0;
  for (int i = 0; i < q->n; i++) heavies += q->workers[i].heavy;
  for (ltc_query_job **p = &q->waiting; *p; p = &(*p)->next) {
    bool busy = false;
    for (int i = 0; i < q->n && !busy; i++) busy = q->workers[i].running == (*p)->owner;
    if (busy || (heavy(*p) && q->n > 1 && heavies >= q->n - 1)) continue;
    ltc_query_job *job = *p;
    *p = job->next;
    return job;
  }
  return NULL;
}

/* An HTTP error body, as every route answers one. */
static char *error_body(const ltc_err *err) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "error", err->msg);
  cJSON_AddNumberToObject(o, "status", ltc_err_http_status(err->code));
  char *text = ltc_json_print(o);
  cJSON_Delete(o);
  return text;
}

static void run_export(ltc_store *s, ltc_query_job *job) {
  ltc_err err = {0};
  snprintf(job->path, sizeof job->path, "/tmp/looptrace-export-XXXXXX");
  int fd = mkstemp(job->path);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  int rc = f ? ltc_export_session(s, job->session, job->export_chrome, f, &err)
             : ltc_fail(&err, -EIO, "cannot make a temporary file");
  if (f && fclose(f) != 0 && rc == 0) rc = ltc_fail(&err, -EIO, "writing the export failed");
  if (fd >= 0 && !f) close(fd);
  if (rc < 0) {
    if (job->path[0]) unlink(job->path);
    job->path[0] = 0;
    job->status = ltc_err_http_status(rc);
    job->reply = error_body(&err);
  } else {
    job->status = 200;
  }
}

static void run_read(ltc_store *s, ltc_query_job *job) {
  ltc_err err = {0};
  cJSON *result = ltc_api_read(s, job->op, job->args, &err);
  if (!result && !err.code) ltc_fail(&err, -ENOMEM, "out of memory");
  if (job->http) {
    job->status = result ? 200 : ltc_err_http_status(err.code);
    job->reply = result ? ltc_json_print(result) : error_body(&err);
    cJSON_Delete(result);
  } else {
    job->reply = ltc_api_reply(job->request, result, &err);
    job->status = result ? 200 : ltc_err_http_status(err.code);
  }
  if (job->reply && strlen(job->reply) > LTC_QUERIES_MAX_REPLY) {
    free(job->reply);
    ltc_fail(&err, -E2BIG, "the reply would be over %u MiB: ask for less (a narrower window, "
                           "a smaller max)", LTC_QUERIES_MAX_REPLY >> 20);
    job->status = 413;
    job->reply = job->http ? error_body(&err) : ltc_api_reply(job->request, NULL, &err);
  }
}

static void *run(void *arg) {
  worker *w = arg;
  ltc_queries *q = w->q;
  pthread_mutex_lock(&q->lock);
  for (;;) {
    ltc_query_job *job = q->stop ? NULL : next_job(q);
    if (!job) {
      if (q->stop) break;
      pthread_cond_wait(&q->cv, &q->lock);
      continue;
    }
    w->running = job->owner;
    w->heavy = heavy(job);
    w->forgotten = false;
    pthread_mutex_unlock(&q->lock);
    if (job->export_chrome || job->export_jsonl)
      run_export(w->store, job);
    else
      run_read(w->store, job);
    pthread_mutex_lock(&q->lock);
    w->running = 0;
    w->heavy = false;
    if (w->forgotten) {
      ltc_query_job_free(job);
    } else {
      append(&q->done, job);
      pthread_mutex_unlock(&q->lock);
      q->wake(q->user);
      pthread_mutex_lock(&q->lock);
    }
    pthread_cond_broadcast(&q->cv); /* its owner's next job may go now */
  }
  pthread_mutex_unlock(&q->lock);
  return NULL;
}

static void *warm_run(void *arg) {
  ltc_queries *q = arg;
  /* Background work (a 10M-record session's spans and lint are ~4 s of CPU): at nice 10 it
   * leaves the cores to the reads people wait for and to a browser on the same machine,
   * which opened that session 60-100 ms slower beside it on 2 cores. (Linux: per thread.) */
  setpriority(PRIO_PROCESS, (id_t)gettid(), 10);
  pthread_mutex_lock(&q->lock);
  while (!q->stop) {
    if (!q->warm.n) {
      pthread_cond_wait(&q->warm.cv, &q->lock);
      continue;
    }
    int64_t id = q->warm.queue[0];
    memmove(q->warm.queue, q->warm.queue + 1, (size_t)--q->warm.n * sizeof *q->warm.queue);
    pthread_mutex_unlock(&q->lock);
    ltc_err err = {0};
    if (ltc_sumcache_warm(q->warm.store, id, &err) < 0 && err.code != -ENOENT)
      fprintf(stderr, "looptrace serve: keeping the summary spans of session %lld: %s\n",
              (long long)id, err.msg);
    err = (ltc_err){0};
    if (ltc_lintcache_warm(q->warm.store, id, &err) < 0 && err.code != -ENOENT)
      fprintf(stderr, "looptrace serve: keeping the lint of session %lld: %s\n", (long long)id,
              err.msg);
    pthread_mutex_lock(&q->lock);
  }
  pthread_mutex_unlock(&q->lock);
  return NULL;
}

void ltc_queries_warm(ltc_queries *q, int64_t session) {
  if (!q || !q->warm.started) return;
  pthread_mutex_lock(&q->lock);
  bool seen = false;
  for (unsigned i = 0; i < q->warm.ndone && i < 256 && !seen; i++)
    seen = q->warm.done[i] == session;
  if (!seen && q->warm.n < 64) {
    q->warm.done[q->warm.ndone++ % 256] = session;
    q->warm.queue[q->warm.n++] = session;
    pthread_cond_signal(&q->warm.cv);
  }
  pthread_mutex_unlock(&q->lock);
}

int ltc_queries_start(const char *db, int n, void (*wake)(void *user), void *user,
                      ltc_queries **out, ltc_err *err) {
  if (n < 1 || n > MAX_WORKERS)
    return ltc_fail(err, -EINVAL, "query threads are 1 to %d, not %d", MAX_WORKERS, n);
  ltc_queries *q = calloc(1, sizeof *q);
  if (!q) return ltc_fail(err, -ENOMEM, "out of memory");
  pthread_mutex_init(&q->lock, NULL);
  pthread_cond_init(&q->cv, NULL);
  pthread_cond_init(&q->warm.cv, NULL);
  q->wake = wake;
  q->user = user;
  int rc = 0;
  for (int i = 0; rc == 0 && i < n; i++) {
    worker *w = &q->workers[i];
    w->q = q;
    rc = ltc_store_open_reader(db, &w->store, err);
    if (rc == 0 && pthread_create(&w->thread, NULL, run, w) != 0) {
      ltc_store_close(w->store);
      rc = ltc_fail(err, -EAGAIN, "cannot start a query thread");
    }
    if (rc == 0) q->n++;
  }
  if (rc == 0) rc = ltc_store_open_reader(db, &q->warm.store, err);
  if (rc == 0 && pthread_create(&q->warm.thread, NULL, warm_run, q) != 0) {
    ltc_store_close(q->warm.store);
    q->warm.store = NULL;
    rc = ltc_fail(err, -EAGAIN, "cannot start a query thread");
  }
  q->warm.started = rc == 0;
  if (rc < 0) {
    ltc_queries_stop(q);
    return rc;
  }
  *out = q;
  return 0;
}

int ltc_queries_submit(ltc_queries *q, ltc_query_job *job) {
  pthread_mutex_lock(&q->lock);
  int waiting = 0;
  for (ltc_query_job *j = q->waiting; j; j = j->next) waiting += j->owner == job->owner;
  int rc = waiting < LTC_QUERIES_MAX_WAITING ? 0 : -EAGAIN;
  if (rc == 0) {
    append(&q->waiting, job);
    /* One worker is enough: whichever wakes picks the same job (next_job is the same for all),
     * and one that cannot take it now leaves it to the next job's end, which broadcasts. */
    pthread_cond_signal(&q->cv);
  }
  pthread_mutex_unlock(&q->lock);
  return rc;
}

ltc_query_job *ltc_queries_take(ltc_queries *q) {
  pthread_mutex_lock(&q->lock);
  ltc_query_job *job = q->done;
  if (job) q->done = job->next;
  pthread_mutex_unlock(&q->lock);
  return job;
}

/* Removes and frees list's jobs of owner. */
static void drop_owner(ltc_query_job **list, uint64_t owner) {
  while (*list) {
    ltc_query_job *j = *list;
    if (j->owner == owner) {
      *list = j->next;
      ltc_query_job_free(j);
    } else {
      list = &j->next;
    }
  }
}

void ltc_queries_forget(ltc_queries *q, uint64_t owner) {
  if (!q) return; /* stopped (the daemon is closing its clients): nothing is left to forget */
  pthread_mutex_lock(&q->lock);
  drop_owner(&q->waiting, owner);
  drop_owner(&q->done, owner);
  for (int i = 0; i < q->n; i++)
    if (q->workers[i].running == owner) q->workers[i].forgotten = true;
  pthread_mutex_unlock(&q->lock);
}

void ltc_queries_stop(ltc_queries *q) {
  if (!q) return;
  pthread_mutex_lock(&q->lock);
  q->stop = true;
  pthread_cond_broadcast(&q->cv);
  pthread_cond_signal(&q->warm.cv); /* (its own: it would sleep through the workers') */
  pthread_mutex_unlock(&q->lock);
  for (int i = 0; i < q->n; i++) {
    pthread_join(q->workers[i].thread, NULL);
    ltc_store_close(q->workers[i].store);
  }
  if (q->warm.started) {
    pthread_join(q->warm.thread, NULL);
    ltc_store_close(q->warm.store);
  }
  for (ltc_query_job *l = q->waiting; l;) {
    ltc_query_job *next = l->next;
    ltc_query_job_free(l);
    l = next;
  }
  for (ltc_query_job *l = q->done; l;) {
    ltc_query_job *next = l->next;
    ltc_query_job_free(l);
    l = next;
  }
  pthread_mutex_destroy(&q->lock);
  pthread_cond_destroy(&q->cv);
  pthread_cond_destroy(&q->warm.cv);
  free(q);
  ltc_lintcache_clear(); /* no thread reads them now */
}

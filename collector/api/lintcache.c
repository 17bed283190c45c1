/* lintcache.c: the lints of ended sessions, kept in memory once made, so that opening a big
 * session again (or comparing against it) answers at once instead of replaying its records. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/lint.h"

/* The bound: a lint holds at most 1000 findings of each of its 8 lints (model/lint.c), ~250
 * bytes each, so 16 lints are at most ~32 MB whatever the sessions (a few KB each, usually).
 * 16 covers the sessions a person has open and the runs they compare them against; the
 * summary spans (sumcache.c) of a session are far bigger, and only 4 are kept. */
enum { KEEP = 16, MAX_BUILDING = 32 };

typedef struct entry { /* a session, known by its row: an id a deleted one had is not it */
  int64_t id, events, lost, start_ns, end_ns, wall_ns, pid, tasks;
  char status[16];
  ltc_lint lint;
} entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t built = PTHREAD_COND_INITIALIZER; /* a lint below was made */
static entry *cache[KEEP]; /* most recently used first */
static int64_t building[MAX_BUILDING]; /* the sessions being linted (outside the lock) */
static int nbuilding;
/* Deletions so far: a lint begun before one is not kept (its session may be the one gone). */
static uint64_t forgets;
static uint64_t answered;

/* Row's identity, as an entry holds it (a row's text lasts only until the next row is read). */
static entry key_of(const ltc_session_row *row) {
  entry k = {.id = row->id, .events = row->events, .lost = row->lost,
             .start_ns = row->start_ns, .end_ns = row->end_ns,
             .wall_ns = row->started_wall_ns, .pid = row->pid, .tasks = row->tasks};
  snprintf(k.status, sizeof k.status, "%s", row->status);
  return k;
}

static bool same(const entry *e, const entry *k) {
  return e->id == k->id && e->events == k->events && e->lost == k->lost &&
         e->start_ns == k->start_ns && e->end_ns == k->end_ns && e->wall_ns == k->wall_ns &&
         e->pid == k->pid && e->tasks == k->tasks && strcmp(e->status, k->status) == 0;
}

static void entry_free(entry *e) {
  if (!e) return;
  ltc_lint_free(&e->lint);
  free(e);
}

/* A copy of l into out (its own findings): 0, or -ENOMEM. */
static int copy(const ltc_lint *l, ltc_lint *out) {
  *out = *l;
  out->f = NULL;
  if (!l->n) return 0;
  out->f = malloc(l->n * sizeof *out->f);
  if (!out->f) return out->n = 0, -ENOMEM;
  memcpy(out->f, l->f, l->n * sizeof *out->f);
  return 0;
}

static entry *entry_new(const entry *key, const ltc_lint *l) {
  entry *e = malloc(sizeof *e);
  if (!e) return NULL;
  *e = *key;
  if (copy(l, &e->lint) < 0) return free(e), NULL;
  return e;
}

static int find(const entry *key) {
  for (int i = 0; i < KEEP; i++)
    if (cache[i] && same(cache[i], key)) return i;
  return -1;
}

/* Moves cache[at] (or, at < 0, e in place of a free slot or else the least recently used) to
 * the front. */
static void to_front(int at, entry *e) {
  if (at < 0) {
    for (at = 0; at < KEEP - 1 && cache[at];) at++;
    entry_free(cache[at]);
  } else {
    e = cache[at];
  }
  memmove(cache + 1, cache, (size_t)at * sizeof *cache);
  cache[0] = e;
}

static bool is_building(int64_t id) {
  for (int i = 0; i < nbuilding; i++)
    if (building[i] == id) return true;
  return false;
}

int ltc__lint_of(ltc_store *s, int64_t session, ltc_lint *out, ltc_err *err) {
  ltc_lint own;
  bool warm = !out; /* the warmer's: kept, not copied out, not counted */
  if (warm) out = &own;
  memset(out, 0, sizeof *out); /* freeing it is safe whatever fails */
  ltc_session_row row;
  int rc = ltc_store_session_row(s, session, &row, err);
  if (rc < 0) return rc;
  bool live = strcmp(row.status, "live") == 0;
  if (warm && (live || row.events <= ltc_sumcache_warm_min)) return 1;
  if (live) return ltc_lint_session(s, session, NULL, out, err);
  entry key = key_of(&row);
  pthread_mutex_lock(&lock);
  for (;;) { /* a second read of a session being linted waits for the first's lint */
    int at = find(&key);
    if (at >= 0) {
      to_front(at, NULL);
      rc = warm ? 0 : copy(&cache[0]->lint, out);
      if (rc == 0 && !warm) answered++;
      pthread_mutex_unlock(&lock);
      return rc < 0 ? ltc_fail(err, rc, "linting: out of memory") : 0;
    }
    if (!is_building(session) && nbuilding < MAX_BUILDING) break;
    pthread_cond_wait(&built, &lock);
  }
  building[nbuilding++] = session;
  uint64_t epoch = forgets;
  pthread_mutex_unlock(&lock);
  rc = ltc_lint_session(s, session, NULL, out, err);
  entry *e = rc == 0 ? entry_new(&key, out) : NULL; /* not kept when out of memory: no matter */
  pthread_mutex_lock(&lock);
  for (int i = 0; i < nbuilding; i++)
    if (building[i] == session) {
      building[i] = building[--nbuilding]; /* one each */
      break;
    }
  pthread_cond_broadcast(&built);
  if (e && forgets == epoch && find(&key) < 0) to_front(-1, e);
  else entry_free(e);
  pthread_mutex_unlock(&lock);
  if (warm) ltc_lint_free(out);
  return rc;
}

int ltc_lintcache_warm(ltc_store *s, int64_t session, ltc_err *err) {
  return ltc__lint_of(s, session, NULL, err);
}

bool ltc_lintcache_kept(int64_t session) {
  pthread_mutex_lock(&lock);
  bool yes = false;
  for (int i = 0; i < KEEP && !yes; i++) yes = cache[i] && cache[i]->id == session;
  pthread_mutex_unlock(&lock);
  return yes;
}

void ltc_lintcache_forget(int64_t session) {
  pthread_mutex_lock(&lock);
  forgets++;
  int n = 0;
  for (int i = 0; i < KEEP; i++) {
    if (cache[i] && cache[i]->id == session) entry_free(cache[i]);
    else cache[n++] = cache[i];
  }
  while (n < KEEP) cache[n++] = NULL;
  pthread_mutex_unlock(&lock);
}

void ltc_lintcache_clear(void) {
  pthread_mutex_lock(&lock);
  for (int i = 0; i < KEEP; i++) entry_free(cache[i]), cache[i] = NULL;
  pthread_mutex_unlock(&lock);
}

void ltc_lintcache_counts(uint64_t *kept, uint64_t *n_answered) {
  pthread_mutex_lock(&lock);
  uint64_t n = 0;
  for (int i = 0; i < KEEP; i++) n += cache[i] != NULL;
  *kept = n;
  *n_answered = answered;
  pthread_mutex_unlock(&lock);
}

/* checkpoint.c: WAL checkpoints on a thread of their own, for the daemon's writer. SQLite's
 * automatic checkpoint runs inside the commit that crosses its threshold, on the writer's
 * thread, with two fdatasyncs of 3-10 ms each: the daemon's ingest thread, which also feeds
 * live subscribers, stalled behind them (bench_collector: p99 26-30 ms under 2 M records/s,
 * 10 ms without the syncs). Here the writer only notes how large the WAL grew (wal_hook); a
 * second connection copies it back into the database with PASSIVE checkpoints, which never
 * block the writer. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "store/checkpoint.h"

#define CHECKPOINT_PAGES 1000 /* about 4 MB of WAL, SQLite's own default threshold */

struct ltc_checkpointer {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  sqlite3 *db; /* the checkpointer's own connection */
  int wal_pages;
  bool stop;
};

/* Called by SQLite on the writer's thread after each commit. */
static int on_commit(void *user, sqlite3 *db, const char *name, int pages) {
  ltc_checkpointer *c = user;
  if (pages < CHECKPOINT_PAGES) return SQLITE_OK;
  pthread_mutex_lock(&c->lock);
  c->wal_pages = pages;
  pthread_cond_signal(&c->wake);
  pthread_mutex_unlock(&c->lock);
  return SQLITE_OK;
}

static void *run(void *arg) {
  ltc_checkpointer *c = arg;
  pthread_mutex_lock(&c->lock);
  while (!c->stop) {
    if (c->wal_pages < CHECKPOINT_PAGES) {
      pthread_cond_wait(&c->wake, &c->lock);
      continue;
    }
    c->wal_pages = 0;
    pthread_mutex_unlock(&c->lock);
    sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    pthread_mutex_lock(&c->lock);
  }
  pthread_mutex_unlock(&c->lock);
  return NULL;
}

int ltc_checkpointer_start(sqlite3 *db, const char *path, ltc_checkpointer **out, ltc_err *err) {
  ltc_checkpointer *c = calloc(1, sizeof *c);
  if (!c) return ltc_fail(err, -ENOMEM, "out of memory");
  if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
      SQLITE_OK) {
    ltc_fail(err, -EIO, "opening the checkpoint connection: %s", sqlite3_errmsg(c->db));
    sqlite3_close(c->db);
    free(c);
    return -EIO;
  }
  sqlite3_busy_timeout(c->db, 5000);
  pthread_mutex_init(&c->lock, NULL);
  pthread_cond_init(&c->wake, NULL);
  if (pthread_create(&c->thread, NULL, run, c) != 0) {
    sqlite3_close(c->db);
    free(c);
    return ltc_fail(err, -EAGAIN, "cannot start the checkpoint thread");
  }
  /* the writer checkpoints no more itself: it only says when the WAL has grown */
  sqlite3_wal_autocheckpoint(db, 0);
  sqlite3_wal_hook(db, on_commit, c);
  *out = c;
  return 0;
}

void ltc_checkpointer_stop(ltc_checkpointer *c, sqlite3 *db) {
  if (!c) return;
  sqlite3_wal_hook(db, NULL, NULL); /* closing the last connection checkpoints what is left */
  pthread_mutex_lock(&c->lock);
  c->stop = true;
  pthread_cond_signal(&c->wake);
  pthread_mutex_unlock(&c->lock);
  pthread_join(c->thread, NULL);
  sqlite3_close(c->db);
  pthread_mutex_destroy(&c->lock);
  pthread_cond_destroy(&c->wake);
  free(c);
}

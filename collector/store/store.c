/* store.c: opening and closing a store (see store.h): the connection's settings, the schema's
 * version (schema.c), the writer's statements (writer.c), the default database's path. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/chstore-int.h"
#include "store/store-int.h"

static int mkdirs(const char *dir) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s", dir);
  for (char *p = tmp + 1; *p; p++)
    if (*p == '/') {
      *p = 0;
      if (mkdir(tmp, 0700) < 0 && errno != EEXIST) return -errno;
      *p = '/';
    }
  if (mkdir(tmp, 0700) < 0 && errno != EEXIST) return -errno;
  return 0;
}

const char *ltc_store_default_path(char *buf, size_t len) {
  const char *env = getenv("LOOPTRACE_DB");
  if (env && *env) {
    snprintf(buf, len, "%s", env);
    return buf;
  }
  const char *xdg = getenv("XDG_DATA_HOME");
  const char *home = getenv("HOME");
  char dir[4096];
  if (xdg && *xdg)
    snprintf(dir, sizeof dir, "%s/looptrace", xdg);
  else
    snprintf(dir, sizeof dir, "%s/.local/share/looptrace", home && *home ? home : "/tmp");
  mkdirs(dir);
  snprintf(buf, len, "%s/looptrace.db", dir);
  return buf;
}

/* Process-wide SQLite settings, before its first use: no memory statistics, which otherwise
 * take a global mutex around every allocation SQLite makes (a print-heavy ingest allocates
 * for every row). Harmless if something used SQLite first: then it is simply left as is. */
static void sqlite_setup(void) { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

/* A connection to path; flags as sqlite3_open_v2's. NOMUTEX: a store is used by one thread
 * at a time (store.h), so SQLite's per-call connection mutex is pure cost (8% of a
 * print-heavy ingest in perf). */
static int open_connection(const char *path, int flags, bool reader, ltc_store **out,
                           ltc_err *err) {
  pthread_once(&sqlite_once, sqlite_setup);
  ltc_store *s = calloc(1, sizeof *s);
  if (!s) return ltc_fail(err, -ENOMEM, "out of memory");
  s->reader = reader;
  /* A new database is the user's alone (0600), as are the -wal and -shm files SQLite makes
   * beside it with its mode: traces hold command lines and printed lines. */
  int fd = flags & SQLITE_OPEN_CREATE ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)
                                      : -1;
  if (fd >= 0) close(fd);
  if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
    ltc_fail(err, -EIO, "cannot open %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "no memory");
    ltc_store_close(s);
    return -EIO;
  }
  sqlite3_busy_timeout(s->db, 5000);
  *out = s;
  return 0;
}

/* A failure of opening path: the message names the file. */
static int open_failed(ltc_store *s, const char *path, int rc, ltc_err *err) {
  if (err) {
    char why[sizeof err->msg];
    snprintf(why, sizeof why, "%s", err->msg);
    ltc_fail(err, rc, "%s: %s", path, why);
  }
  ltc_store_close(s);
  return rc;
}

/* "PID START" of the process pid (START: field 22 of /proc/PID/stat, its start time in
 * ticks since boot), into buf; false when there is no such process. */
static bool process_id(long pid, char *buf, size_t len) {
  char path[64], stat[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "re");
  size_t n = f ? fread(stat, 1, sizeof stat - 1, f) : 0;
  if (f) fclose(f);
  stat[n] = 0;
  const char *p = strrchr(stat, ')'); /* the name may hold spaces: fields count from after it */
  unsigned long long start = 0;
  for (int field = 2; p && *p && field < 22; p++)
    if (*p == ' ') field++;
  if (!p || sscanf(p, "%llu", &start) != 1) return false;
  snprintf(buf, len, "%ld %llu", pid, start);
  return true;
}

bool ltc_store_writer_alive(const char *writer) {
  char now[64];
  long pid = writer ? strtol(writer, NULL, 10) : 0;
  return pid > 0 && process_id(pid, now, sizeof now) && strcmp(now, writer) == 0;
}

const char *ltc_store_writer_id(void) {
  static char id[64];
  static long of; /* whose id it is: a child forked after it was read has its own */
  long pid = (long)getpid();
  if (of != pid && !process_id(pid, id, sizeof id)) snprintf(id, sizeof id, "%ld 0", pid);
  of = pid;
  return id;
}

/* Sessions left live by a writer that is gone (killed, or its machine restarted) will never
 * be finished now: they are interrupted. Those whose writer still runs (a daemon recording
 * while `looptrace sessions` looks) are left alone. */
static int end_orphans(ltc_store *s, ltc_err *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, "SELECT id, writer FROM sessions WHERE status = 'live'", -1, &st,
                         NULL) != SQLITE_OK)
    return ltc_store_fail(s, err, "finding live sessions");
  int64_t orphans[256];
  size_t n = 0;
  while (sqlite3_step(st) == SQLITE_ROW && n < sizeof orphans / sizeof *orphans) {
    if (!ltc_store_writer_alive((const char *)sqlite3_column_text(st, 1)))
      orphans[n++] = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE sessions SET status = 'interrupted', writer = NULL, error = coalesce(error, "
             "'the recorder stopped (killed?) while the program ran') WHERE id = %lld",
             (long long)orphans[i]);
    rc = ltc_store_exec(s, sql, err);
  }
  return rc;
}

int ltc_store_open(const char *path, ltc_store **out, ltc_err *err) {
  if (ltc_ch_is_url(path)) return ltc_ch_open(path, false, out, err);
  ltc_store *s = NULL;
  int rc = open_connection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, false, &s, err);
  if (rc < 0) return rc;
  /* WAL: readers (the web API) never block the writer. synchronous=NORMAL: a commit is not
   * fsynced, so a power cut may lose the last moments, but never corrupts the file; a process
   * that is killed (kill -9) loses nothing it committed. */
  if ((rc = ltc_store_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                              "PRAGMA foreign_keys=ON;", err)) < 0 ||
      (rc = ltc_store_migrate(s, err)) < 0 || (rc = ltc_store_prepare(s, err)) < 0 ||
      (rc = end_orphans(s, err)) < 0)
    return open_failed(s, path, rc, err);
  *out = s;
  return 0;
}

int ltc_store_open_reader(const char *path, ltc_store **out, ltc_err *err) {
  if (ltc_ch_is_url(path)) return ltc_ch_open(path, true, out, err);
  ltc_store *s = NULL;
  /* Read-write at the file level (WAL readers update the shared-memory index), but
   * query_only: this connection never changes the database. */
  int rc = open_connection(path, SQLITE_OPEN_READWRITE, true, &s, err);
  if (rc < 0) return rc;
  if ((rc = ltc_store_exec(s, "PRAGMA query_only=1; PRAGMA cache_size=-65536", err)) < 0 ||
      (rc = ltc_store_check_version(s, err)) < 0)
    return open_failed(s, path, rc, err);
  *out = s;
  return 0;
}

void *ltc_store_attachment(const ltc_store *s) { return s->attachment; }

void ltc_store_attach(ltc_store *s, void *data, void (*free_fn)(void *data)) {
  if (s->attachment_free) s->attachment_free(s->attachment);
  s->attachment = data;
  s->attachment_free = free_fn;
}

void ltc_store_close(ltc_store *s) {
  if (!s) return;
  if (!s->reader) ltc_store_commit(s, NULL);
  if (s->reserve[0]) unlink(s->reserve);
  if (s->ch) ltc_ch_close(s);
  ltc_checkpointer_stop(s->checkpointer, s->db);
  s->checkpointer = NULL;
  ltc_store_free_live(s);
  ltc_store_attach(s, NULL, NULL);
  for (int i = 0; i < ST_COUNT; i++) sqlite3_finalize(s->st[i]);
  for (int i = 0; i < 2; i++) sqlite3_finalize(s->lookup[i]);
  sqlite3_close(s->db);
  free(s);
}

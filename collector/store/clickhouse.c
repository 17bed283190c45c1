/* clickhouse.c: a store in ClickHouse (docs/fleet.md): opening one from its address, its
 * schema (MergeTree tables a Distributed table can front unchanged, every one replacing rows
 * of the same key, so that a batch inserted twice is stored once), and the spool: the
 * batches a writer stopped while ClickHouse was away could not insert, kept in files and
 * inserted when a writer opens the store again. SQL kept to what ClickHouse 18.16 runs. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/chstore-int.h"

#define RMT(key) " ENGINE = ReplacingMergeTree ORDER BY (" key ")"

/* The schema, one table a statement; docs/fleet.md has the long form. */
static const char *const schema[] = {
    "CREATE TABLE IF NOT EXISTS sessions (id Int64, ver Int64, host String, program String, "
    "argv String, pid Int64, label String, clock String, started_wall_ns Int64, "
    "mono_start_ns Int64, start_ns Nullable(Int64), end_ns Nullable(Int64), status String, "
    "events Int64, lost Int64, error Nullable(String), shuffle_seed Nullable(Int64), "
    "unstored Int64, writer Nullable(String)) ENGINE = ReplacingMergeTree(ver) ORDER BY id",
    "CREATE TABLE IF NOT EXISTS labels (session Int64, ver Int64, label String) "
    "ENGINE = ReplacingMergeTree(ver) ORDER BY session",
    "CREATE TABLE IF NOT EXISTS deleted (session Int64)" RMT("session"),
    "CREATE TABLE IF NOT EXISTS event_blocks (session Int64, track Int64, first_seq Int64, "
    "count Int64, start_ns Int64, end_ns Int64, data String)"
    RMT("session, start_ns, track, first_seq"),
    "CREATE TABLE IF NOT EXISTS strings (session Int64, track Int64, id Int64, text String)"
    RMT("session, track, id"),
    "CREATE TABLE IF NOT EXISTS sites (session Int64, track Int64, id Int64, file String, "
    "func String, line Int64)" RMT("session, track, id"),
    "CREATE TABLE IF NOT EXISTS tasks (session Int64, track Int64, task Int64, name String, "
    "parent Nullable(Int64), spawn_file Nullable(String), spawn_func Nullable(String), "
    "spawn_line Nullable(Int64), created_ns Int64)" RMT("session, track, task"),
    "CREATE TABLE IF NOT EXISTS task_ends (session Int64, track Int64, task Int64, "
    "finished_ns Int64, outcome Nullable(String), status Int64)" RMT("session, track, task"),
    "CREATE TABLE IF NOT EXISTS marks (session Int64, track Int64, seq Int64, ts Int64, "
    "task Int64, text String)" RMT("session, ts, track, seq"),
};

/* The waits table (chsteps.c): its reason an Enum8 of the wire's reasons (lt/wire.h), and
 * 'spawn' (-1) for a task's first step. */
static const char *waits_ddl(char *buf, size_t len) {
  size_t n = (size_t)snprintf(buf, len,
                              "CREATE TABLE IF NOT EXISTS waits (session Int64, track Int64, "
                              "task Int64, seq Int64, reason Enum8('spawn' = -1");
  for (unsigned i = 0; i < LT_REASON_COUNT && n < len; i++)
    n += (size_t)snprintf(buf + n, len - n, ", '%s' = %u", lt_wire_reason_name(i), i);
  if (n < len)
    snprintf(buf + n, len - n, "), site Int64, suspend_ns Int64, ready_ns Int64, "
                               "resume_ns Int64)" RMT("session, track, seq"));
  return buf;
}

const char *ltc_ch_insert_sql(int t) {
  static const char *const sql[CT_COUNT] = {
      [CT_BLOCKS] = "INSERT INTO event_blocks (session, track, first_seq, count, start_ns, "
                    "end_ns, data) FORMAT RowBinary",
      [CT_STRINGS] = "INSERT INTO strings (session, track, id, text) FORMAT RowBinary",
      [CT_SITES] = "INSERT INTO sites (session, track, id, file, func, line) FORMAT RowBinary",
      [CT_TASKS] = "INSERT INTO tasks (session, track, task, name, parent, spawn_file, "
                   "spawn_func, spawn_line, created_ns) FORMAT RowBinary",
      [CT_TASK_ENDS] = "INSERT INTO task_ends (session, track, task, finished_ns, outcome, "
                       "status) FORMAT RowBinary",
      [CT_MARKS] = "INSERT INTO marks (session, track, seq, ts, task, text) FORMAT RowBinary",
      [CT_WAITS] = "INSERT INTO waits (session, track, task, seq, reason, site, suspend_ns, "
                   "ready_ns, resume_ns) FORMAT RowBinary",
      [CT_SESSIONS] = "INSERT INTO sessions (id, ver, host, program, argv, pid, label, clock, "
                      "started_wall_ns, mono_start_ns, start_ns, end_ns, status, events, lost, "
                      "error, shuffle_seed, unstored, writer) FORMAT RowBinary",
  };
  return sql[t];
}

int ltc_ch_insert_all(struct ltc_chstore *ch, const ltc_chbuf *bufs, ltc_err *err) {
  /* Each insert is a part ClickHouse writes (~20 ms however small): the tables' go at once,
   * and the sessions' after them, so that counts never run ahead of the rows they count. */
  const char *sql[CT_COUNT];
  const void *body[CT_COUNT];
  size_t len[CT_COUNT];
  int n = 0;
  for (int t = 0; t < CT_COUNT; t++) {
    if (bufs[t].oom) return ltc_fail(err, -ENOMEM, "out of memory");
    if (t == CT_SESSIONS || !bufs[t].len) continue;
    sql[n] = ltc_ch_insert_sql(t), body[n] = bufs[t].data, len[n++] = bufs[t].len;
  }
  int rc = n ? ltc_chttp_insert_many(ch->http, n, sql, body, len, err) : 0;
  const ltc_chbuf *sb = &bufs[CT_SESSIONS];
  if (rc == 0 && sb->len)
    rc = ltc_chttp_query(ch->http, ltc_ch_insert_sql(CT_SESSIONS), sb->data, sb->len, NULL, err);
  return rc;
}

/* ---- the spool: a file per batch, each table's rows as u32 table, u64 length, bytes ---- */

int ltc_ch_spool(struct ltc_chstore *ch, const ltc_chbuf *bufs, ltc_err *err) {
  if (mkdir(ch->spool, 0700) < 0 && errno != EEXIST)
    return ltc_fail(err, -errno, "%s: %s", ch->spool, strerror(errno));
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  char tmp[4500], path[4400];
  snprintf(path, sizeof path, "%s/%lld-%ld.spool", ch->spool, (long long)now.tv_sec,
           (long)getpid());
  snprintf(tmp, sizeof tmp, "%s.part", path);
  FILE *f = fopen(tmp, "wxe");
  if (!f) return ltc_fail(err, -errno, "%s: %s", tmp, strerror(errno));
  bool ok = true;
  for (uint32_t t = 0; t < CT_COUNT; t++) {
    uint64_t len = bufs[t].len;
    if (len)
      ok = ok && fwrite(&t, 4, 1, f) == 1 && fwrite(&len, 8, 1, f) == 1 &&
           fwrite(bufs[t].data, 1, len, f) == len;
  }
  ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
  if (fclose(f) != 0) ok = false;
  if (!ok || rename(tmp, path) < 0) {
    int e = errno ? errno : EIO;
    unlink(tmp);
    return ltc_fail(err, -e, "writing %s: %s", path, strerror(e));
  }
  return 0;
}

/* Inserts one spool file's batches; the file goes once they are in. */
static int unspool(struct ltc_chstore *ch, const char *path, ltc_err *err) {
  FILE *f = fopen(path, "re");
  if (!f) return ltc_fail(err, -errno, "%s: %s", path, strerror(errno));
  ltc_chbuf bufs[CT_COUNT] = {0};
  uint32_t t;
  uint64_t len;
  int rc = 0;
  while (rc == 0 && fread(&t, 4, 1, f) == 1) {
    if (fread(&len, 8, 1, f) != 1 || t >= CT_COUNT || len > (1ull << 34)) {
      rc = ltc_fail(err, -EPROTO, "%s: not a spool file", path);
      break;
    }
    for (uint64_t i = 0; i < len && !bufs[t].oom; i += 65536) {
      unsigned char chunk[65536];
      size_t n = len - i < sizeof chunk ? (size_t)(len - i) : sizeof chunk;
      if (fread(chunk, 1, n, f) != n) rc = ltc_fail(err, -EPROTO, "%s: cut short", path);
      ltc_chbuf_put(&bufs[t], chunk, n);
    }
  }
  fclose(f);
  if (rc == 0) rc = ltc_ch_insert_all(ch, bufs, err);
  for (int i = 0; i < CT_COUNT; i++) ltc_chbuf_free(&bufs[i]);
  if (rc == 0) unlink(path);
  return rc;
}

/* Every batch a stopped writer spooled, inserted now (the tables take a batch twice as
 * once, so one inserted before a crash that kept its file is harmless). */
static int unspool_all(struct ltc_chstore *ch, ltc_err *err) {
  DIR *d = opendir(ch->spool);
  if (!d) return 0;
  int rc = 0, n = 0;
  for (struct dirent *e; rc == 0 && (e = readdir(d));) {
    size_t len = strlen(e->d_name);
    if (len < 7 || strcmp(e->d_name + len - 6, ".spool") != 0) continue;
    char path[4500];
    snprintf(path, sizeof path, "%s/%s", ch->spool, e->d_name);
    if ((rc = unspool(ch, path, err)) == 0) n++;
  }
  closedir(d);
  if (n) fprintf(stderr, "looptrace: stored %d spooled batch%s from %s\n", n,
                 n == 1 ? "" : "es", ch->spool);
  return rc;
}

/* Where this writer spools: $LOOPTRACE_SPOOL, else clickhouse-spool/DB beside the default
 * SQLite database. */
static void spool_dir(struct ltc_chstore *ch) {
  const char *env = getenv("LOOPTRACE_SPOOL");
  if (env && *env) {
    snprintf(ch->spool, sizeof ch->spool, "%s", env);
    return;
  }
  char db[4096];
  ltc_store_default_path(db, sizeof db);
  char *slash = strrchr(db, '/');
  if (slash) *slash = 0;
  char dir[4150];
  snprintf(dir, sizeof dir, "%s/clickhouse-spool", slash ? db : ".");
  mkdir(dir, 0700);
  snprintf(ch->spool, sizeof ch->spool, "%s/%s", dir, ltc_chttp_db(ch->http));
}

int ltc_ch_open(const char *url, bool reader, ltc_store **out, ltc_err *err) {
  ltc_store *s = calloc(1, sizeof *s);
  struct ltc_chstore *ch = s ? calloc(1, sizeof *ch) : NULL;
  if (!ch) {
    free(s);
    return ltc_fail(err, -ENOMEM, "out of memory");
  }
  s->ch = ch;
  s->reader = reader;
  /* this machine's name, or $LOOPTRACE_HOST (a container's, or a test's two "hosts") */
  const char *host = getenv("LOOPTRACE_HOST");
  if (host && *host)
    snprintf(ch->host, sizeof ch->host, "%s", host);
  else
    gethostname(ch->host, sizeof ch->host - 1);
  int rc = ltc_chttp_new(url, &ch->http, err);
  if (rc == 0 && !reader) {
    char sql[200];
    snprintf(sql, sizeof sql, "CREATE DATABASE IF NOT EXISTS %s", ltc_chttp_db(ch->http));
    /* the database may not be there yet: this query names none */
    ltc_chttp *bare = NULL;
    char base[400];
    snprintf(base, sizeof base, "%.*s/default", (int)(strrchr(url, '/') - url), url);
    rc = ltc_chttp_new(base, &bare, err);
    if (rc == 0) rc = ltc_chttp_query(bare, sql, NULL, 0, NULL, err);
    ltc_chttp_free(bare);
    for (size_t i = 0; rc == 0 && i < sizeof schema / sizeof *schema; i++)
      rc = ltc_chttp_query(ch->http, schema[i], NULL, 0, NULL, err);
    char waits[1024];
    if (rc == 0)
      rc = ltc_chttp_query(ch->http, waits_ddl(waits, sizeof waits), NULL, 0, NULL, err);
    spool_dir(ch);
    if (rc == 0) rc = unspool_all(ch, err);
    if (rc == 0) rc = ltc_ch_end_orphans(s, err);
  } else if (rc == 0) {
    rc = ltc_chttp_query(ch->http, "SELECT count() FROM sessions", NULL, 0, NULL, err);
  }
  if (rc < 0) {
    if (err) {
      char why[sizeof err->msg];
      snprintf(why, sizeof why, "%s", err->msg);
      ltc_fail(err, rc, "%s: %s", url, why);
    }
    ltc_ch_close(s);
    free(s);
    return rc;
  }
  *out = s;
  return 0;
}

void ltc_ch_close(ltc_store *s) {
  ltc_ch_free_sessions(s->ch);
  ltc_chttp_free(s->ch->http);
  free(s->ch);
  s->ch = NULL;
}

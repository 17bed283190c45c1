/* bench_collector: the collector daemon end to end, with real processes. It starts
 * `looptrace serve` in a temporary directory and measures, in one run:
 *   - ingest: several traced programs (collector_load, block mode, Unix socket) emitting as
 *     fast as they can; events/s from the first byte (the earliest hello's CLOCK_MONOTONIC,
 *     sessions.mono_start_ns) to the moment the database holds them all (sessions polled every
 *     2 ms until every one is complete); lost events (sessions.lost); bytes per event on disk;
 *   - live latency: one program paced at 100k records/s whose records' ts is their emit time
 *     (CLOCK_MONOTONIC); a websocket client (collector_ws.c) subscribes to its session and
 *     times every live record from its ts to the arrival of the push that carries it;
 *   - the peer, in the same run: the very same records (read back from our database, decoding
 *     not timed) inserted into SQLite one row per event (session, track, seq, ts, kind, flags,
 *     task, three args, a mark's text) with an index on (session, ts), in 10k-row
 *     transactions, WAL, synchronous=NORMAL (the store's pragmas). Only its inserts and
 *     commits are timed: it is spared the socket and the decoding that ours pays for.
 * Prints a table, or with --json one object. Never a CI gate. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "collector_ws.h"
#include "api/api.h"
#include "api/event.h"
#include "store/store.h"

#define now_ns bench_now_ns
#define POLL_US 2000        /* how often the sessions table is looked at while ingesting */
#define PEER_TX_ROWS 10000  /* the peer's transaction size */
#define INGEST_LABEL "bench-ingest"
#define LATENCY_LABEL "bench-latency"
#define BACKGROUND_LABEL "bench-background"
#define WINDOWS 15          /* windows read back, spread over the first ingest session */
#define WINDOW_NS 10000000  /* each 10 ms: a zoomed-in view */
#define WINDOW_MAX 1000     /* records at most, as the UI asks */

typedef struct options {
  bool json, peer, keep, marks;
  int producers;
  long events;          /* records in all, for the ingest */
  long rate, seconds;   /* the paced producer of the latency run */
  long background;      /* records/s the other producers stream meanwhile (0: none) */
} options;

typedef struct results {
  /* ingest */
  int64_t events, lost, sessions;
  double seconds, events_per_s;
  int64_t db_bytes, wal_bytes;
  double bytes_per_event, blob_bytes_per_event;
  /* latency */
  int64_t lat_session, lat_events, lat_expected;
  double lat_rate, p50_ms, p99_ms, max_ms, min_ms;
  ws_result ws;
  /* the machine's 1-minute load average before and after, and the CPU time others (other
   * processes, the hypervisor's steal) took during the latency run: the tail shows it */
  double load_before, load_after, others_cpu_s, latency_wall_s;
  /* peer */
  int64_t peer_rows;
  double peer_events_per_s, peer_bytes_per_event;
  /* reading windows back: medians */
  double window_ms, peer_window_ms;
  int64_t window_records, peer_window_records;
} results;

static char dir[PATH_MAX], bindir[PATH_MAX], db_path[PATH_MAX + 16], sock_path[PATH_MAX + 16];
static pid_t daemon_pid;
static pid_t loads[2 * 64 + 1]; /* producers still running: stopped too if the bench fails */
static int daemon_out = -1;
static bool keep_dir;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* ---- processes and files ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  return remove(path);
}

static void cleanup(void) {
  for (size_t i = 0; i < sizeof loads / sizeof *loads; i++)
    if (loads[i] > 0) {
      kill(loads[i], SIGTERM);
      waitpid(loads[i], NULL, 0);
    }
  if (daemon_pid > 0) {
    kill(daemon_pid, SIGTERM);
    waitpid(daemon_pid, NULL, 0);
    daemon_pid = 0;
  }
  if (dir[0] && !keep_dir) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("bench_collector: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  if (dir[0]) fprintf(stderr, "(the daemon's stderr: %s/serve.err)\n", dir);
  keep_dir = keep_dir || dir[0];
  exit(1);
}

/* Starts prog with argv and extra environment (name, value pairs); its stdout goes to out_fd
 * (or /dev/null when -1), its stderr is appended to DIR/err_name. */
static pid_t spawn(const char *const argv[], const char *const env[], int out_fd,
                   const char *err_name) {
  char err[PATH_MAX + 64];
  snprintf(err, sizeof err, "%s/%s", dir, err_name);
  pid_t pid = fork();
  if (pid < 0) die("fork: %s", strerror(errno));
  if (pid == 0) {
    int o = out_fd >= 0 ? out_fd : open("/dev/null", O_WRONLY);
    int e = open(err, O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(o, 1);
    dup2(e, 2);
    for (int i = 0; env && env[i]; i += 2) setenv(env[i], env[i + 1], 1);
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  return pid;
}

static double loadavg(void) {
  double l = -1;
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf", &l) != 1) l = -1;
    fclose(f);
  }
  return l;
}

/* CPU seconds the whole machine spent busy (steal included), from /proc/stat. */
static double machine_busy_s(void) {
  unsigned long long v[8] = {0};
  FILE *f = fopen("/proc/stat", "r");
  if (f) {
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
               &v[4], &v[5], &v[6], &v[7]) != 8)
      memset(v, 0, sizeof v);
    fclose(f);
  }
  /* user nice system [idle iowait] irq softirq steal */
  return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds this bench's processes took: itself, the producers it has reaped, the daemon. */
static double ours_busy_s(void) {
  struct rusage self, kids;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &kids);
  double s = (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec +
                      kids.ru_stime.tv_sec) +
             (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec +
                      kids.ru_stime.tv_usec) / 1e6;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)daemon_pid);
  FILE *f = daemon_pid > 0 ? fopen(path, "r") : NULL;
  unsigned long utime = 0, stime = 0;
  if (f) {
    /* after "pid (comm) state", utime and stime are fields 14 and 15 */
    if (fscanf(f, "%*d (%*[^)]) %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
               &stime) != 2)
      utime = stime = 0;
    fclose(f);
  }
  return s + (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static int64_t file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

/* `looptrace serve` on a port it picks; returns the HTTP port from its "UI at" line. */
static int start_daemon(void) {
  char bin[PATH_MAX + 16], spec[PATH_MAX + 32];
  snprintf(bin, sizeof bin, "%s/looptrace", bindir);
  snprintf(spec, sizeof spec, "unix:%s", sock_path);
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) die("pipe: %s", strerror(errno));
  const char *argv[] = {bin, "serve", "--db", db_path, "--http", "127.0.0.1:0",
                        "--ingest", spec, NULL};
  daemon_pid = spawn(argv, NULL, p[1], "serve.err");
  close(p[1]);
  daemon_out = p[0];
  char text[4096];
  size_t len = 0;
  int64_t deadline = now_ns() + 10 * 1000000000LL;
  while (now_ns() < deadline && len < sizeof text - 1) {
    struct pollfd pf = {.fd = daemon_out, .events = POLLIN};
    if (poll(&pf, 1, 100) <= 0) continue;
    ssize_t n = read(daemon_out, text + len, sizeof text - 1 - len);
    if (n <= 0) break;
    len += (size_t)n;
    text[len] = 0;
    const char *ui = strstr(text, "UI at http://127.0.0.1:");
    int port;
    if (ui && strchr(ui, '\n') && sscanf(ui, "UI at http://127.0.0.1:%d/", &port) == 1)
      return port;
  }
  die("looptrace serve did not say where its UI is (%s/looptrace serve ...)", bindir);
}

/* SIGTERM, as a person would stop it: it commits and says how many sessions it stored. */
static void stop_daemon(void) {
  kill(daemon_pid, SIGTERM);
  int status = 0;
  waitpid(daemon_pid, &status, 0);
  daemon_pid = 0;
  char text[4096];
  ssize_t n = read(daemon_out, text, sizeof text - 1);
  text[n > 0 ? n : 0] = 0;
  close(daemon_out);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !strstr(text, "stopped;"))
    die("looptrace serve did not stop cleanly (status %d)", status);
}

static pid_t start_load(long records, long rate, bool marks, const char *label) {
  char bin[PATH_MAX + 32], n[32], r[32], spec[PATH_MAX + 32];
  snprintf(bin, sizeof bin, "%s/collector_load", bindir);
  snprintf(n, sizeof n, "%ld", records);
  snprintf(r, sizeof r, "%ld", rate);
  snprintf(spec, sizeof spec, "unix:%s", sock_path);
  const char *argv[] = {bin, marks ? "--marks" : n, marks ? n : rate > 0 ? r : NULL,
                        marks && rate > 0 ? r : NULL, NULL};
  /* the real clock, whatever this environment says: its ts are CLOCK_MONOTONIC */
  const char *env[] = {"LOOPTRACE", spec, "LOOPTRACE_MODE", "block", "LOOPTRACE_LABEL", label,
                       "LOOPTRACE_CLOCK", "real", NULL};
  pid_t pid = spawn(argv, env, -1, "load.err");
  for (size_t i = 0; i < sizeof loads / sizeof *loads; i++)
    if (!loads[i]) {
      loads[i] = pid;
      break;
    }
  return pid;
}

static void wait_load(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  for (size_t i = 0; i < sizeof loads / sizeof *loads; i++)
    if (loads[i] == pid) loads[i] = 0;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    die("collector_load exited with status %d (see %s/load.err)", status, dir);
}

/* ---- the database, as the daemon leaves it ---- */

typedef struct tally {
  int64_t sessions, complete, bad, events, lost, first_mono_ns;
} tally;

static sqlite3 *open_db(const char *path) {
  sqlite3 *db;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    die("cannot open %s: %s", path, sqlite3_errmsg(db));
  sqlite3_busy_timeout(db, 5000);
  return db;
}

static int64_t query_int(sqlite3 *db, const char *sql, int64_t arg) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) die("%s: %s", sql, sqlite3_errmsg(db));
  sqlite3_bind_int64(st, 1, arg);
  int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  return v;
}

static void tally_sessions(sqlite3 *db, const char *label, tally *t) {
  static const char sql[] =
      "SELECT count(*), coalesce(sum(status = 'complete'), 0), "
      "coalesce(sum(status NOT IN ('live', 'complete')), 0), coalesce(sum(events), 0), "
      "coalesce(sum(lost), 0), coalesce(min(mono_start_ns), 0) FROM sessions WHERE label = ?";
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) die("%s", sqlite3_errmsg(db));
  sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
  memset(t, 0, sizeof *t);
  if (sqlite3_step(st) == SQLITE_ROW) {
    t->sessions = sqlite3_column_int64(st, 0);
    t->complete = sqlite3_column_int64(st, 1);
    t->bad = sqlite3_column_int64(st, 2);
    t->events = sqlite3_column_int64(st, 3);
    t->lost = sqlite3_column_int64(st, 4);
    t->first_mono_ns = sqlite3_column_int64(st, 5);
  }
  sqlite3_finalize(st);
}

/* Waits until `want` sessions labelled label are complete; returns when it saw them so. */
static int64_t wait_complete(sqlite3 *db, const char *label, int64_t want, tally *t,
                             int timeout_s) {
  int64_t deadline = now_ns() + (int64_t)timeout_s * 1000000000;
  for (;;) {
    tally_sessions(db, label, t);
    int64_t seen = now_ns();
    if (t->bad) die("%lld of the '%s' sessions did not end complete", (long long)t->bad, label);
    if (t->sessions == want && t->complete == want) return seen;
    if (seen > deadline)
      die("after %d s, %lld of %lld '%s' sessions are complete", timeout_s,
          (long long)t->complete, (long long)want, label);
    usleep(POLL_US);
  }
}

static int checkpoint_row(void *user, int n, char **vals, char **names) {
  *(int *)user = n > 0 && vals[0] ? atoi(vals[0]) : 1;
  return 0;
}

/* Moves the WAL into the database file and truncates it, so that the file sizes say what the
 * data takes; retried while a reader holds an old snapshot. */
static void checkpoint(sqlite3 *db) {
  for (int i = 0; i < 200; i++) {
    int busy = 1;
    if (sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", checkpoint_row, &busy, NULL) ==
            SQLITE_OK &&
        busy == 0)
      return;
    usleep(10000);
  }
  fprintf(stderr, "bench_collector: the WAL could not be checkpointed: sizes include it\n");
}

/* ---- ingest: several producers flat out ---- */

static void measure_ingest(const options *o, sqlite3 *db, results *r) {
  pid_t pids[64];
  for (int i = 0; i < o->producers; i++)
    pids[i] = start_load(o->events / o->producers, 0, o->marks, INGEST_LABEL);
  tally t;
  int64_t done = wait_complete(db, INGEST_LABEL, o->producers, &t, 300);
  for (int i = 0; i < o->producers; i++) wait_load(pids[i]);
  r->sessions = t.sessions;
  r->events = t.events;
  r->lost = t.lost;
  r->seconds = (double)(done - t.first_mono_ns) / 1e9;
  r->events_per_s = (double)t.events / r->seconds;

  /* Size on disk: the database file plus its WAL, after a TRUNCATE checkpoint (so the WAL is
   * empty and every page is in the file), over the records stored. The file holds nothing
   * but these sessions yet. */
  checkpoint(db);
  r->db_bytes = file_size(db_path);
  char wal[PATH_MAX + 32];
  snprintf(wal, sizeof wal, "%s-wal", db_path);
  r->wal_bytes = file_size(wal);
  r->bytes_per_event = (double)(r->db_bytes + r->wal_bytes) / (double)r->events;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db,
                         "SELECT total(length(data)) / total(count) FROM event_blocks "
                         "WHERE session IN (SELECT id FROM sessions WHERE label = ?)",
                         -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, INGEST_LABEL, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) r->blob_bytes_per_event = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
  }
}

/* ---- live latency over the websocket ---- */

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static void measure_latency(const options *o, int port, sqlite3 *db, results *r) {
  char err[300];
  ws_client *ws = ws_client_start(port, LATENCY_LABEL, err, sizeof err);
  if (!ws) die("%s", err);
  double machine0 = machine_busy_s(), ours0 = ours_busy_s();
  int64_t t0 = now_ns();
  /* --background: the other producers stream paced meanwhile, a loaded daemon's latency */
  pid_t bg[64];
  int nbg = o->background > 0 ? o->producers : 0;
  for (int i = 0; i < nbg; i++)
    bg[i] = start_load(o->background / nbg * o->seconds, o->background / nbg, false,
                       BACKGROUND_LABEL);
  pid_t pid = start_load(o->rate * o->seconds, o->rate, false, LATENCY_LABEL);
  wait_load(pid);
  for (int i = 0; i < nbg; i++) wait_load(bg[i]);
  r->others_cpu_s = (machine_busy_s() - machine0) - (ours_busy_s() - ours0);
  if (r->others_cpu_s < 0) r->others_cpu_s = 0; /* clock ticks against microseconds */
  r->latency_wall_s = (double)(now_ns() - t0) / 1e9;
  tally t;
  wait_complete(db, LATENCY_LABEL, 1, &t, 30);
  int64_t id = 0, span = 1;
  sqlite3_stmt *st;
  sqlite3_prepare_v2(db, "SELECT id, (end_ns - start_ns) FROM sessions WHERE label = ?", -1, &st,
                     NULL);
  sqlite3_bind_text(st, 1, LATENCY_LABEL, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) {
    id = sqlite3_column_int64(st, 0);
    span = sqlite3_column_int64(st, 1);
  }
  sqlite3_finalize(st);
  /* Every stored record but the STRING and SITE definitions is pushed: wait for them all. */
  r->lat_session = id;
  r->lat_events = t.events;
  r->lat_rate = (double)t.events / ((double)span / 1e9);
  r->lat_expected = t.events - query_int(db, "SELECT count(*) FROM strings WHERE session = ?", id) -
                    query_int(db, "SELECT count(*) FROM sites WHERE session = ?", id);
  int64_t deadline = now_ns() + 10 * 1000000000LL;
  while ((int64_t)ws_client_received(ws) < r->lat_expected && now_ns() < deadline)
    usleep(10000);
  ws_client_stop(ws, &r->ws);
  if (r->ws.error[0]) die("websocket client: %s", r->ws.error);
  if (r->ws.session != id) die("the websocket client never subscribed to session %lld", (long long)id);
  if (r->ws.nlat == 0) die("no live record reached the websocket client");
  qsort(r->ws.lat_ns, r->ws.nlat, sizeof *r->ws.lat_ns, cmp_i64);
  r->p50_ms = (double)r->ws.lat_ns[r->ws.nlat / 2] / 1e6;
  r->p99_ms = (double)r->ws.lat_ns[(size_t)((double)r->ws.nlat * 0.99)] / 1e6;
  r->max_ms = (double)r->ws.lat_ns[r->ws.nlat - 1] / 1e6;
  r->min_ms = (double)r->ws.lat_ns[0] / 1e6;
  if ((int64_t)r->ws.received != r->lat_expected)
    fprintf(stderr, "bench_collector: the websocket client got %llu of the %lld records pushed\n",
            (unsigned long long)r->ws.received, (long long)r->lat_expected);
}

/* ---- the peer: one row per event, indexed on (session, ts) ---- */

typedef struct peer {
  sqlite3 *db;
  sqlite3_stmt *ins;
  int64_t session;
  const ltc_session_strings *strings; /* while the session is read back */
  ltc_event rows[PEER_TX_ROWS];
  char *texts[PEER_TX_ROWS]; /* a MARK's text, copied (NULL for other records) */
  size_t n;
  int64_t ns, total;
} peer;

static void peer_flush(peer *p) {
  if (!p->n) return;
  int64_t t0 = now_ns();
  if (sqlite3_exec(p->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) die("peer: BEGIN");
  for (size_t i = 0; i < p->n; i++) {
    const ltc_event *e = &p->rows[i];
    sqlite3_stmt *st = p->ins;
    sqlite3_bind_int64(st, 1, p->session);
    sqlite3_bind_int64(st, 2, e->track);
    sqlite3_bind_int64(st, 3, (int64_t)e->seq);
    sqlite3_bind_int64(st, 4, e->ts);
    sqlite3_bind_int(st, 5, e->kind);
    sqlite3_bind_int(st, 6, e->flags);
    sqlite3_bind_int64(st, 7, e->task);
    for (uint32_t a = 0; a < 3; a++)
      if (a < e->nargs)
        sqlite3_bind_int64(st, 8 + (int)a, (int64_t)e->a[a]);
      else
        sqlite3_bind_null(st, 8 + (int)a);
    if (p->texts[i])
      sqlite3_bind_text(st, 11, p->texts[i], -1, SQLITE_STATIC);
    else
      sqlite3_bind_null(st, 11);
    if (sqlite3_step(st) != SQLITE_DONE) die("peer: insert: %s", sqlite3_errmsg(p->db));
    sqlite3_reset(st);
  }
  if (sqlite3_exec(p->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) die("peer: COMMIT");
  p->ns += now_ns() - t0;
  p->total += (int64_t)p->n;
  for (size_t i = 0; i < p->n; i++) free(p->texts[i]);
  p->n = 0;
}

static void peer_event(void *user, const ltc_event *e) {
  peer *p = user;
  const char *text = e->kind == LT_EV_MARK && p->strings
                         ? ltc_strings_get(p->strings, e->track, e->a[0])
                         : NULL;
  p->texts[p->n] = text ? strdup(text) : NULL;
  p->rows[p->n++] = *e;
  if (p->n == PEER_TX_ROWS) peer_flush(p);
}

static void collect_id(void *user, const ltc_session_row *row) {
  int64_t *ids = user;
  if (strcmp(row->label, INGEST_LABEL) == 0 && ids[0] < 63) ids[1 + ids[0]++] = row->id;
}

static void measure_peer(results *r) {
  char path[PATH_MAX + 16], wal[PATH_MAX + 32];
  ltc_err err = {0};
  ltc_store *ours;
  if (ltc_store_open_reader(db_path, &ours, &err) < 0) die("%s", err.msg);
  snprintf(path, sizeof path, "%s/peer.db", dir);
  snprintf(wal, sizeof wal, "%s-wal", path);
  peer *p = calloc(1, sizeof *p);
  if (!p) die("out of memory");
  p->db = open_db(path);
  if (sqlite3_exec(p->db,
                   "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                   "CREATE TABLE events (session INTEGER NOT NULL, track INTEGER NOT NULL, "
                   "seq INTEGER NOT NULL, ts INTEGER NOT NULL, kind INTEGER NOT NULL, "
                   "flags INTEGER NOT NULL, task INTEGER NOT NULL, a0 INTEGER, a1 INTEGER, "
                   "a2 INTEGER, text TEXT);"
                   "CREATE INDEX events_by_time ON events (session, ts);",
                   NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(p->db, "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1,
                         &p->ins, NULL) != SQLITE_OK)
    die("peer: %s", sqlite3_errmsg(p->db));
  int64_t ids[64] = {0};
  ltc_store_list_sessions(ours, collect_id, ids, NULL);
  for (int64_t i = 0; i < ids[0]; i++) {
    p->session = ids[1 + i];
    if (ltc_store_session_events(ours, p->session, &p->strings, peer_event, p, &err) < 0)
      die("reading session %lld back: %s", (long long)p->session, err.msg);
    peer_flush(p);
  }
  ltc_store_close(ours);
  sqlite3_finalize(p->ins);
  checkpoint(p->db);
  r->peer_rows = p->total;
  r->peer_events_per_s = (double)p->total / ((double)p->ns / 1e9);
  r->peer_bytes_per_event = (double)(file_size(path) + file_size(wal)) / (double)p->total;
  sqlite3_close(p->db);
  free(p);
}

/* ---- reading a window back ---- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static volatile int64_t window_sink;

/* WINDOWS windows of the first ingest session, as the UI reads them zoomed in: ours the API's
 * `events` answer as the daemon sends it (the records with their text, and every task's state
 * at the window's start); the peer's the rows of the window by its (session, ts) index. */
static void measure_windows(const options *o, results *r) {
  ltc_err err = {0};
  ltc_store *ours;
  if (ltc_store_open_reader(db_path, &ours, &err) < 0) die("%s", err.msg);
  int64_t ids[64] = {0};
  ltc_store_list_sessions(ours, collect_id, ids, NULL);
  if (!ids[0]) die("no ingest session to read back");
  ltc_session_row row;
  if (ltc_store_session_row(ours, ids[1], &row, &err) < 0) die("%s", err.msg);
  int64_t start = row.start_ns, span = row.end_ns - row.start_ns - WINDOW_NS;
  if (span < 1) span = 1;
  sqlite3 *peer_db = NULL;
  sqlite3_stmt *st = NULL;
  if (o->peer) {
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/peer.db", dir);
    peer_db = open_db(path);
    if (sqlite3_prepare_v2(peer_db, "SELECT * FROM events WHERE session = ? AND ts BETWEEN ? AND ? "
                           "ORDER BY ts LIMIT ?", -1, &st, NULL) != SQLITE_OK)
      die("peer: %s", sqlite3_errmsg(peer_db));
  }
  double ms[WINDOWS], peer_ms[WINDOWS];
  for (int i = 0; i < WINDOWS; i++) {
    int64_t from = start + (int64_t)((double)span * (i + 0.5) / WINDOWS), to = from + WINDOW_NS;
    char text[256];
    snprintf(text, sizeof text, "{\"session\":%lld,\"from\":%lld,\"to\":%lld,\"max\":%d}",
             (long long)ids[1], (long long)from, (long long)to, WINDOW_MAX);
    cJSON *args = cJSON_Parse(text);
    ltc_err qerr;
    int64_t t0 = now_ns();
    cJSON *out = ltc_api_read(ours, "events", args, &qerr);
    char *json = out ? cJSON_PrintUnformatted(out) : NULL;
    ms[i] = (double)(now_ns() - t0) / 1e6;
    if (!json) die("reading a window back: %s", qerr.msg);
    for (const char *p = strstr(json, "\"events\":["); p && (p = strstr(p + 1, "{\"track\":"));)
      r->window_records++; /* the records are raw JSON in the answer: counted in its text */
    free(json);
    cJSON_Delete(out);
    cJSON_Delete(args);
    if (!peer_db) continue;
    t0 = now_ns();
    sqlite3_bind_int64(st, 1, ids[1]);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    sqlite3_bind_int(st, 4, WINDOW_MAX);
    int64_t sum = 0;
    while (sqlite3_step(st) == SQLITE_ROW && ++r->peer_window_records) /* every column read */
      for (int c = 0; c < sqlite3_column_count(st); c++)
        sum += sqlite3_column_int64(st, c) + sqlite3_column_bytes(st, c);
    sqlite3_reset(st);
    peer_ms[i] = (double)(now_ns() - t0) / 1e6;
    window_sink = sum; /* the reads are used: not optimised away */
  }
  qsort(ms, WINDOWS, sizeof *ms, cmp_double);
  r->window_ms = ms[WINDOWS / 2];
  r->window_records /= WINDOWS;
  r->peer_window_records /= WINDOWS;
  if (peer_db) {
    qsort(peer_ms, WINDOWS, sizeof *peer_ms, cmp_double);
    r->peer_window_ms = peer_ms[WINDOWS / 2];
    sqlite3_finalize(st);
    sqlite3_close(peer_db);
  }
  ltc_store_close(ours);
}

/* ---- output ---- */

static void print_json(const options *o, const results *r) {
  printf("{\"ingest_events_per_s\": %.0f, \"ingest_events\": %lld, \"ingest_seconds\": %.4f, "
         "\"producers\": %d, \"lost_events\": %lld, \"bytes_per_event\": %.2f, "
         "\"blob_bytes_per_event\": %.2f, \"ws_latency_p50_ms\": %.3f, "
         "\"ws_latency_p99_ms\": %.3f, \"ws_latency_max_ms\": %.3f, \"ws_live_events\": %zu, "
         "\"ws_paced_events_per_s\": %.0f, \"ws_resyncs\": %llu, \"ws_background_events_per_s\": %ld, "
         "\"workload\": \"%s\", \"load_before\": %.2f, \"load_after\": %.2f, "
         "\"ws_sink_waits\": %llu, \"ws_sink_wait_ms\": %.3f, \"others_cpu_s\": %.2f",
         r->events_per_s, (long long)r->events, r->seconds, o->producers, (long long)r->lost,
         r->bytes_per_event, r->blob_bytes_per_event, r->p50_ms, r->p99_ms, r->max_ms,
         r->ws.nlat, r->lat_rate, (unsigned long long)r->ws.resyncs, o->background,
         o->marks ? "marks" : "yields", r->load_before, r->load_after,
         (unsigned long long)r->ws.sink_waits, (double)r->ws.sink_wait_ns / 1e6,
         r->others_cpu_s);
  printf(", \"window_read_ms\": %.3f, \"window_records\": %lld", r->window_ms,
         (long long)r->window_records);
  if (o->peer)
    printf(", \"peer_events_per_s\": %.0f, \"peer_bytes_per_event\": %.2f, \"peer_events\": %lld, "
           "\"peer_window_read_ms\": %.3f",
           r->peer_events_per_s, r->peer_bytes_per_event, (long long)r->peer_rows,
           r->peer_window_ms);
  printf("}\n");
}

static void print_table(const options *o, const results *r) {
  printf("bench_collector: looptrace serve, %d producers (collector_load%s, block mode, Unix "
         "socket) streaming %.1f M records flat out;\npeer: the same records into SQLite, one "
         "row per event, index on (session, ts), 10k-row transactions (insert time only)\n\n",
         o->producers, o->marks ? " --marks" : "", (double)r->events / 1e6);
  printf("%-26s %14s %16s %10s %12s\n", "metric", "looptrace", "peer (row/event)", "ratio", "aim");
  if (o->peer)
    printf("%-26s %12.2f M %14.2f M %9.1fx %12s\n", "ingest (events/s)", r->events_per_s / 1e6,
           r->peer_events_per_s / 1e6, r->events_per_s / r->peer_events_per_s, ">= 1 M");
  else
    printf("%-26s %12.2f M %16s %10s %12s\n", "ingest (events/s)", r->events_per_s / 1e6, "-",
           "-", ">= 1 M");
  printf("%-26s %14lld %16s %10s %12s\n", "lost events", (long long)r->lost, "-", "-", "0");
  if (o->peer)
    printf("%-26s %12.2f B %14.2f B %9.1fx %12s\n", "bytes per event (disk)", r->bytes_per_event,
           r->peer_bytes_per_event, r->peer_bytes_per_event / r->bytes_per_event, "<= 40 B");
  else
    printf("%-26s %12.2f B %16s %10s %12s\n", "bytes per event (disk)", r->bytes_per_event, "-",
           "-", "<= 40 B");
  printf("%-26s %11.3f ms %16s %10s %12s\n", "ws latency p50", r->p50_ms, "-", "-", "");
  printf("%-26s %11.3f ms %16s %10s %12s\n", "ws latency p99", r->p99_ms, "-", "-", "<= 50 ms");
  if (o->peer)
    printf("%-26s %11.3f ms %13.3f ms %9.1fx %12s\n", "window read (10 ms)", r->window_ms,
           r->peer_window_ms, r->peer_window_ms / r->window_ms, "");
  else
    printf("%-26s %11.3f ms %16s %10s %12s\n", "window read (10 ms)", r->window_ms, "-", "-", "");
  printf("\ningest: %lld records in %lld sessions, %.3f s from the first hello to the last "
         "session complete (polled every %d ms)\n",
         (long long)r->events, (long long)r->sessions, r->seconds, POLL_US / 1000);
  printf("disk: %lld B database + %lld B WAL after wal_checkpoint(TRUNCATE); the event blobs "
         "alone %.2f B/record\n",
         (long long)r->db_bytes, (long long)r->wal_bytes, r->blob_bytes_per_event);
  printf("latency: session %lld paced at %.0f records/s for %ld s; %zu live records timed "
         "(%lld backlog skipped) in %llu pushes; min %.3f ms, max %.3f ms; %llu resyncs\n",
         (long long)r->lat_session, r->lat_rate, o->seconds, r->ws.nlat,
         (long long)r->ws.backlog, (unsigned long long)r->ws.messages, r->min_ms, r->max_ms,
         (unsigned long long)r->ws.resyncs);
  printf("the paced producer's writes to the daemon took over 50 us (SINK_WAIT) %llu times, "
         "%.3f ms in all, at most %.3f ms\n",
         (unsigned long long)r->ws.sink_waits, (double)r->ws.sink_wait_ns / 1e6,
         (double)r->ws.sink_wait_max_ns / 1e6);
  printf("window read: median of %d windows of 10 ms spread over one ingest session, at most %d "
         "records each; ours: the API's events answer, %lld records on average with their text "
         "and every task's state at the start",
         WINDOWS, WINDOW_MAX, (long long)r->window_records);
  if (o->peer)
    printf("; the peer's: the window's rows, %lld on average", (long long)r->peer_window_records);
  printf("\n");
  if (o->background)
    printf("latency measured while %d other producers streamed %ld records/s in all\n",
           o->producers, o->background);
  printf("machine: %ld CPUs; load average %.2f before, %.2f after; during the latency run "
         "others took %.2f of its %.2f CPU-s\n(other processes and steal: they show in the "
         "latency tail first)\n",
         sysconf(_SC_NPROCESSORS_ONLN), r->load_before, r->load_after, r->others_cpu_s,
         r->latency_wall_s * (double)sysconf(_SC_NPROCESSORS_ONLN));
  if (!o->peer) printf("(peer not measured: --no-peer)\n");
}

static void usage(void) {
  fprintf(stderr,
          "usage: bench_collector [--json] [--no-peer] [--keep] [--marks] [--events N] [--producers P]\n"
          "                       [--rate R] [--seconds S] [--background R]\n"
          "  --events N     records for the ingest, in all (default 8000000)\n"
          "  --producers P  programs streaming at once (default 4, at most 64)\n"
          "  --rate R       records/s of the paced program timed over the websocket (100000)\n"
          "  --seconds S    how long it runs (default 3)\n"
          "  --background R meanwhile, the P producers stream R records/s in all (default 0)\n"
          "  --keep         keep the temporary directory (databases, the daemon's stderr)\n"
          "  --marks        the ingest producers also print a new line (lt_mark) every step\n");
  exit(2);
}

int main(int argc, char **argv) {
  options o = {.peer = true, .producers = 4, .events = 8000000, .rate = 100000, .seconds = 3};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--json") == 0) o.json = true;
    else if (strcmp(a, "--no-peer") == 0) o.peer = false;
    else if (strcmp(a, "--keep") == 0) o.keep = true;
    else if (strcmp(a, "--marks") == 0) o.marks = true;
    else if (strcmp(a, "--events") == 0 && v) o.events = atol(argv[++i]);
    else if (strcmp(a, "--producers") == 0 && v) o.producers = atoi(argv[++i]);
    else if (strcmp(a, "--rate") == 0 && v) o.rate = atol(argv[++i]);
    else if (strcmp(a, "--seconds") == 0 && v) o.seconds = atol(argv[++i]);
    else if (strcmp(a, "--background") == 0 && v) o.background = atol(argv[++i]);
    else usage();
  }
  if (o.events <= 0 || o.producers < 1 || o.producers > 64 || o.rate <= 0 || o.seconds <= 0 ||
      o.background < 0)
    usage();
  keep_dir = o.keep;

  /* collector_load and looptrace are built next to this program */
  ssize_t n = readlink("/proc/self/exe", bindir, sizeof bindir - 1);
  if (n <= 0) die("cannot find where this program is");
  bindir[n] = 0;
  *strrchr(bindir, '/') = 0;
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/bench_collector-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) die("mkdtemp %s: %s", dir, strerror(errno));
  atexit(cleanup);
  signal(SIGPIPE, SIG_IGN);
  snprintf(db_path, sizeof db_path, "%s/db", dir);
  snprintf(sock_path, sizeof sock_path, "%s/sock", dir);

  results r = {.load_before = loadavg()};
  int port = start_daemon();
  sqlite3 *db = open_db(db_path);
  measure_ingest(&o, db, &r);
  measure_latency(&o, port, db, &r);
  sqlite3_close(db);
  stop_daemon();
  if (o.peer) measure_peer(&r);
  measure_windows(&o, &r);
  r.load_after = loadavg();

  if (o.json)
    print_json(&o, &r);
  else
    print_table(&o, &r);
  if (o.keep) fprintf(stderr, "bench_collector: kept %s\n", dir);
  free(r.ws.lat_ns);
  return 0;
}

/* test_serve.c: the collector daemon with real processes: 64 programs streaming at once are
 * every one stored, complete, with exactly their oracle's lines; SIGTERM while a program runs
 * stores its session as interrupted, and the program carries on untraced, its output intact. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "db_query.h"

static char dir[64], db[128], sock[128];

static pid_t spawn(const char *out, const char *err, const char *const env[], const char *prog,
                   const char *const args[]) {
  pid_t pid = fork();
  if (pid == 0) {
    int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(o, 1);
    dup2(e, 2);
    for (int i = 0; env && env[i]; i += 2) setenv(env[i], env[i + 1], 1);
    execv(prog, (char *const *)args);
    _exit(127);
  }
  return pid;
}

static bool connectable(const char *path) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  memcpy(sa.sun_path, path, strlen(path) + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  bool ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
  close(fd);
  return ok;
}

static pid_t start_daemon(void) {
  char out[160], err[160];
  snprintf(out, sizeof out, "%s/serve.out", dir);
  snprintf(err, sizeof err, "%s/serve.err", dir);
  char spec[160];
  snprintf(spec, sizeof spec, "unix:%s", sock);
  const char *args[] = {"looptrace", "serve", "--db", db, "--ingest", spec,
                        "--http", "127.0.0.1:0", NULL};
  pid_t pid = spawn(out, err, NULL, LT_BIN_DIR "/looptrace", args);
  for (int i = 0; i < 2000 && !connectable(sock); i++) usleep(5000);
  assert_true(connectable(sock));
  return pid;
}

static int setup(void **state) {
  strcpy(dir, "/tmp/lt-serve-XXXXXX");
  assert_non_null(mkdtemp(dir));
  snprintf(db, sizeof db, "%s/t.db", dir);
  snprintf(sock, sizeof sock, "%s/ingest.sock", dir);
  return 0;
}

static int teardown(void **state) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}

static const char *seeds[] = {"seed_countdown", "seed_fetch_numbers", "seed_no_await",
                              "seed_ordering",  "seed_say_after",     "seed_taskgroup",
                              "seed_ten_jobs"};

static void test_64_programs_at_once(void **state) {
  pid_t daemon = start_daemon();
  char spec[160];
  snprintf(spec, sizeof spec, "unix:%s", sock);
  const char *env[] = {"LOOPTRACE", spec, "LOOPTRACE_CLOCK", "virtual", NULL};
  pid_t kids[64];
  for (int i = 0; i < 64; i++) {
    char prog[256], out[160];
    snprintf(prog, sizeof prog, "%s/%s", LT_BIN_DIR, seeds[i % 7]);
    snprintf(out, sizeof out, "%s/kid%d.out", dir, i);
    const char *args[] = {seeds[i % 7], NULL};
    kids[i] = spawn(out, "/dev/null", env, prog, args);
  }
  for (int i = 0; i < 64; i++) {
    int st;
    waitpid(kids[i], &st, 0);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
  }
  /* each program closed its stream: the daemon ends its session (no time guessed: we wait on
   * what the database says, within a bound) */
  for (int i = 0; i < 2000 && db_int(db, "SELECT count(*) FROM sessions WHERE status = "
                                        "'complete'") < 64; i++)
    usleep(5000);
  assert_int_equal(db_int(db, "SELECT count(*) FROM sessions"), 64);
  assert_int_equal(db_int(db, "SELECT count(*) FROM sessions WHERE status = 'complete'"), 64);
  assert_int_equal(db_int(db, "SELECT sum(lost) FROM sessions"), 0);
  for (int64_t s = 1; s <= 64; s++) {
    char oracle[512], want[16384];
    /* which seed: read the program's name back */
    sqlite3 *d;
    sqlite3_open(db, &d);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(d, "SELECT substr(program, instr(program, 'seed_')) FROM sessions "
                          "WHERE id = ?", -1, &st, NULL);
    sqlite3_bind_int64(st, 1, s);
    sqlite3_step(st);
    snprintf(oracle, sizeof oracle, "%s/%s.out", LT_ORACLE_DIR,
             (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(d);
    snprintf(want, sizeof want, "%s", file_text(oracle));
    assert_string_equal(db_marks(db, s), want);
  }
  kill(daemon, SIGTERM);
  int st;
  waitpid(daemon, &st, 0);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_sigterm_interrupts_and_the_program_goes_on(void **state) {
  pid_t daemon = start_daemon();
  int64_t before = db_int(db, "SELECT count(*) FROM sessions");
  char spec[160], out[160], err[160];
  snprintf(spec, sizeof spec, "unix:%s", sock);
  snprintf(out, sizeof out, "%s/countdown.out", dir);
  snprintf(err, sizeof err, "%s/countdown.err", dir);
  const char *env[] = {"LOOPTRACE", spec, NULL}; /* real clock: it runs for a second */
  const char *args[] = {"seed_countdown", NULL};
  pid_t prog = spawn(out, err, env, LT_BIN_DIR "/seed_countdown", args);
  /* once the database shows the program's first lines, stop the daemon */
  char sql[200];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM marks WHERE session > %lld", (long long)before);
  for (int i = 0; i < 2000 && db_int(db, sql) < 2; i++) usleep(5000);
  assert_true(db_int(db, sql) >= 2);
  kill(daemon, SIGTERM);
  int st;
  waitpid(daemon, &st, 0);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM sessions WHERE id > %lld AND status = "
                            "'interrupted'", (long long)before);
  assert_int_equal(db_int(db, sql), 1);
  /* the program finished its work untraced: its output is the oracle's, said once */
  waitpid(prog, &st, 0);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
  char want[16384];
  snprintf(want, sizeof want, "%s", file_text(LT_ORACLE_DIR "/seed_countdown.out"));
  assert_string_equal(file_text(out), want);
  assert_non_null(strstr(file_text(err), "goes on untraced"));
}

/* Sends bytes to the daemon as a producer would, then hangs up. */
static void send_stream(const uint8_t *b, size_t n) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  memcpy(sa.sun_path, sock, strlen(sock) + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  for (size_t off = 0; off < n;) {
    ssize_t w = write(fd, b + off, n - off);
    assert_true(w > 0);
    off += (size_t)w;
  }
  close(fd);
}

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc(*len);
  assert_int_equal(fread(b, 1, *len, f), *len);
  fclose(f);
  return b;
}

static void test_bad_streams_are_truncated_and_the_daemon_goes_on(void **state) {
  /* a real recording to damage */
  char trace[160], cmd[512];
  snprintf(trace, sizeof trace, "%s/ordering.ltr", dir);
  snprintf(cmd, sizeof cmd, "LOOPTRACE=file:%s LOOPTRACE_CLOCK=virtual %s/seed_ordering >/dev/null",
           trace, LT_BIN_DIR);
  assert_int_equal(system(cmd), 0);
  size_t len;
  uint8_t *rec = read_file(trace, &len);
  pid_t daemon = start_daemon();
  int64_t before = db_int(db, "SELECT coalesce(max(id), 0) FROM sessions");

  /* 1: garbage after a valid prefix (the middle of the stream overwritten) */
  uint8_t *bad = malloc(len);
  memcpy(bad, rec, len);
  memset(bad + len / 2, 0xAB, len - len / 2);
  send_stream(bad, len);
  /* 2: cut inside a chunk (the END chunk is the last 40 bytes: cutting only it would be a
   * program that stopped between two chunks, "aborted") */
  send_stream(rec, len - 100);
  /* 3: not a trace at all */
  send_stream((const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18);
  /* 4: and a good one after all that */
  send_stream(rec, len);

  char sql[200];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM sessions WHERE id > %lld AND status != 'live'",
           (long long)before);
  for (int i = 0; i < 2000 && db_int(db, sql) < 3; i++) usleep(5000);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM sessions WHERE id = %lld AND status = "
                            "'truncated' AND error LIKE 'corrupt at byte%%'", (long long)before + 1);
  assert_int_equal(db_int(db, sql), 1);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM sessions WHERE id = %lld AND status = "
                            "'truncated' AND error LIKE '%%cut inside a chunk%%'",
           (long long)before + 2);
  assert_int_equal(db_int(db, sql), 1);
  /* the one that was no trace at all left no session; the good one is complete */
  snprintf(sql, sizeof sql, "SELECT status = 'complete' FROM sessions WHERE id = %lld",
           (long long)before + 3);
  assert_int_equal(db_int(db, sql), 1);
  assert_string_equal(db_marks(db, before + 3), file_text(LT_ORACLE_DIR "/seed_ordering.out"));
  /* the corrupt one kept its valid prefix: a prefix of the oracle's lines */
  char *prefix = db_marks(db, before + 1);
  assert_true(strncmp(file_text(LT_ORACLE_DIR "/seed_ordering.out"), prefix, strlen(prefix)) == 0);
  kill(daemon, SIGTERM);
  int st;
  waitpid(daemon, &st, 0);
  assert_int_equal(WEXITSTATUS(st), 0);
  free(bad);
  free(rec);
}

static void test_record_goes_through_the_running_collector(void **state) {
  char run[128], defsock[200], never[160], out[160], err[160];
  snprintf(run, sizeof run, "%s/run", dir);
  mkdir(run, 0700);
  setenv("XDG_RUNTIME_DIR", run, 1); /* the daemon and record agree on the default socket */
  snprintf(defsock, sizeof defsock, "%s/looptrace/ingest.sock", run);
  snprintf(out, sizeof out, "%s/serve2.out", dir);
  snprintf(err, sizeof err, "%s/serve2.err", dir);
  const char *dargs[] = {"looptrace", "serve", "--db", db, "--http", "127.0.0.1:0", NULL};
  pid_t daemon = spawn(out, err, NULL, LT_BIN_DIR "/looptrace", dargs);
  for (int i = 0; i < 2000 && !connectable(defsock); i++) usleep(5000);
  assert_true(connectable(defsock));

  snprintf(never, sizeof never, "%s/never.db", dir);
  const char *env[] = {"LOOPTRACE_DB", never, NULL};
  const char *rargs[] = {"looptrace", "record", "--name", "via-daemon", "--",
                         LT_BIN_DIR "/seed_ordering", NULL};
  char rout[160], rerr[160];
  snprintf(rout, sizeof rout, "%s/rec.out", dir);
  snprintf(rerr, sizeof rerr, "%s/rec.err", dir);
  pid_t rec = spawn(rout, rerr, env, LT_BIN_DIR "/looptrace", rargs);
  int st;
  waitpid(rec, &st, 0);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
  char want[16384];
  snprintf(want, sizeof want, "%s", file_text(LT_ORACLE_DIR "/seed_ordering.out"));
  assert_string_equal(file_text(rout), want);
  const char *sql = "SELECT id FROM sessions WHERE label = 'via-daemon' AND status = 'complete'";
  for (int i = 0; i < 2000 && db_int(db, sql) <= 0; i++) usleep(5000);
  int64_t id = db_int(db, sql);
  assert_true(id > 0);
  assert_string_equal(db_marks(db, id), want);
  assert_int_equal(access(never, F_OK), -1); /* record stored nothing itself */
  kill(daemon, SIGTERM);
  waitpid(daemon, &st, 0);
  assert_int_equal(WEXITSTATUS(st), 0);
  assert_false(connectable(defsock)); /* the daemon took its socket away */
  unsetenv("XDG_RUNTIME_DIR");
}

/* Over loopback TCP: the runtime's tcp: sink and serve's tcp: ingest, on a port serve picks. */
static void test_tcp_ingest(void **state) {
  char out[160], err[160];
  snprintf(out, sizeof out, "%s/serve-tcp.out", dir);
  snprintf(err, sizeof err, "%s/serve-tcp.err", dir);
  const char *dargs[] = {"looptrace", "serve", "--db", db, "--ingest", "tcp:127.0.0.1:0",
                         "--http", "127.0.0.1:0", NULL};
  pid_t daemon = spawn(out, err, NULL, LT_BIN_DIR "/looptrace", dargs);
  /* serve prints the port it bound: wait for that line */
  char spec[64] = "";
  for (int i = 0; i < 2000 && !spec[0]; i++) {
    const char *at = strstr(file_text(out), "LOOPTRACE=tcp:");
    if (at) sscanf(at + strlen("LOOPTRACE="), "%63s", spec);
    else usleep(5000);
  }
  assert_non_null(strstr(spec, "tcp:127.0.0.1:"));
  assert_null(strstr(spec, "127.0.0.1:0")); /* a real port, not the 0 asked for */
  int64_t before = db_int(db, "SELECT coalesce(max(id), 0) FROM sessions");
  const char *env[] = {"LOOPTRACE", spec, "LOOPTRACE_CLOCK", "virtual", NULL};
  const char *args[] = {"seed_ordering", NULL};
  char pout[160];
  snprintf(pout, sizeof pout, "%s/tcp-prog.out", dir);
  pid_t prog = spawn(pout, "/dev/null", env, LT_BIN_DIR "/seed_ordering", args);
  int st;
  waitpid(prog, &st, 0);
  assert_int_equal(WEXITSTATUS(st), 0);
  char sql[160];
  snprintf(sql, sizeof sql, "SELECT id FROM sessions WHERE id > %lld AND status = 'complete'",
           (long long)before);
  for (int i = 0; i < 2000 && db_int(db, sql) <= 0; i++) usleep(5000);
  int64_t id = db_int(db, sql);
  assert_true(id > 0);
  char want[16384];
  snprintf(want, sizeof want, "%s", file_text(LT_ORACLE_DIR "/seed_ordering.out"));
  assert_string_equal(db_marks(db, id), want);
  kill(daemon, SIGTERM);
  waitpid(daemon, &st, 0);
  assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_64_programs_at_once),
      cmocka_unit_test(test_sigterm_interrupts_and_the_program_goes_on),
      cmocka_unit_test(test_bad_streams_are_truncated_and_the_daemon_goes_on),
      cmocka_unit_test(test_record_goes_through_the_running_collector),
      cmocka_unit_test(test_tcp_ingest),
  };
  return cmocka_run_group_tests_name("serve", tests, setup, teardown);
}

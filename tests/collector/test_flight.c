/* test_flight.c: the flight recorder (LOOPTRACE=ring:SIZE) on a real busy process: a dump on
 * SIGUSR2 decodes clean, covers the last SIZE of records and keeps what they name resolvable
 * (tasks created long before, sites, marks); a second dump works; a dump while the loop is
 * blocked in a step that never yields still comes out, from the flight recorder's own thread;
 * `looptrace dump-ring PID` stores it as a session marked a flight recording, and refuses (and
 * spares) a process that does not run the flight recorder. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "scratch.h"

#include "store/store.h"
#include "wire/reader.h"

#define RING (1u << 20)

static char sock_path[96];
static pid_t running[4]; /* children a failed test left: killed by its teardown */

/* ---- the program, on pipes ---- */

typedef struct child {
  pid_t pid;
  int in, out; /* its stdin (ours to write), its stdout (ours to read) */
} child;

static child start(const char *arg, const char *dump_to) {
  int in[2], out[2];
  assert_int_equal(pipe2(in, O_CLOEXEC), 0);
  assert_int_equal(pipe2(out, O_CLOEXEC), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    char ring[32];
    snprintf(ring, sizeof ring, "ring:%u", RING);
    setenv("LOOPTRACE", ring, 1);
    if (dump_to) setenv("LOOPTRACE_DUMP", dump_to, 1);
    setenv("TMPDIR", scratch_dir, 1); /* the request file's directory: ours */
    unsetenv("XDG_RUNTIME_DIR");
    execl(LT_BIN_DIR "/demo_flight", "demo_flight", arg, (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  for (size_t i = 0; i < 4; i++)
    if (!running[i]) {
      running[i] = pid;
      break;
    }
  return (child){pid, in[1], out[0]};
}

/* Reads its stdout up to a line that is `want` (the program says where it is). */
static void expect_line(child *c, const char *want) {
  char line[64];
  size_t n = 0;
  for (;;) {
    char ch;
    ssize_t k = read(c->out, &ch, 1);
    assert_int_equal(k, 1);
    if (ch != '\n') {
      if (n < sizeof line - 1) line[n++] = ch;
      continue;
    }
    line[n] = 0;
    if (strcmp(line, want) == 0) return;
    n = 0;
  }
}

static void forget(pid_t pid) {
  for (size_t i = 0; i < 4; i++)
    if (running[i] == pid) running[i] = 0;
}

static void stop(child *c) {
  kill(c->pid, SIGKILL);
  waitpid(c->pid, NULL, 0);
  forget(c->pid);
  close(c->in);
  close(c->out);
}

/* ---- a dump, received on our socket ---- */

static int listen_here(void) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock_path);
  unlink(sock_path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_true(fd >= 0);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(listen(fd, 4), 0);
  return fd;
}

typedef struct bytes {
  uint8_t *p;
  size_t len;
} bytes;

/* Accepts one stream and reads it to its end (10 s at most for it to come). */
static bytes receive(int lfd) {
  struct pollfd p = {.fd = lfd, .events = POLLIN};
  assert_int_equal(poll(&p, 1, 10000), 1);
  int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
  assert_true(fd >= 0);
  bytes b = {0};
  size_t cap = 0;
  for (;;) {
    if (b.len == cap) b.p = realloc(b.p, cap = cap ? cap * 2 : 1 << 20);
    ssize_t k = read(fd, b.p + b.len, cap - b.len);
    assert_true(k >= 0);
    if (k == 0) break;
    b.len += (size_t)k;
  }
  close(fd);
  return b;
}

/* ---- decoding a dump ---- */

typedef struct dump {
  ltc_reader *r;
  ltc_hello h;
  bool created[4096];   /* task ids created so far */
  char names[4096][16]; /* their names */
  size_t events, unnamed, unresolved, marks, main_id;
  uint8_t main_last_kind, main_last_reason;
  size_t ring_bytes; /* of the chunks after the preamble and its LOST */
  ltc_stream_status status;
} dump;

static void on_hello(void *user, const ltc_hello *h) {
  dump *d = user;
  d->h = *h;
  d->h.program = d->h.label = NULL;
  d->h.argv = NULL;
}

static void on_event(void *user, const ltc_event *e) {
  dump *d = user;
  d->events++;
  uint32_t t = e->task < 4096 ? e->task : 0;
  if (e->kind == LT_EV_TASK_CREATE) {
    const char *name = ltc_reader_string(d->r, e->track, e->a[1], NULL);
    d->created[t] = true;
    snprintf(d->names[t], sizeof d->names[t], "%s", name ? name : "?");
    if (!name) d->unresolved++;
    if (name && strcmp(name, "main") == 0) d->main_id = t;
  } else if (e->kind == LT_EV_TASK_RESUME || e->kind == LT_EV_TASK_SUSPEND ||
             e->kind == LT_EV_TASK_READY) {
    if (!d->created[t]) d->unnamed++;
  }
  if (e->kind == LT_EV_TASK_SUSPEND) {
    const char *file, *func;
    uint32_t line;
    if (ltc_reader_site(d->r, e->track, e->a[1], &file, &func, &line) < 0 || !file ||
        !strstr(file, "demo_flight.c"))
      d->unresolved++;
  }
  if (e->kind == LT_EV_MARK) {
    const char *text = ltc_reader_string(d->r, e->track, e->a[0], NULL);
    if (!text || strncmp(text, "jobs ", 5) != 0) d->unresolved++;
    d->marks++;
  }
  if (d->main_id && t == d->main_id &&
      (e->kind == LT_EV_TASK_RESUME || e->kind == LT_EV_TASK_SUSPEND)) {
    d->main_last_kind = e->kind;
    d->main_last_reason = e->flags;
  }
}

/* The chunks after each track's LOST: the part of the dump that came from the ring. */
static size_t ring_part(const bytes *b) {
  uint32_t hello;
  memcpy(&hello, b->p + 12, 4);
  size_t off = 16 + hello, total = 0;
  bool after = false;
  while (off + sizeof(lt_wire_chunk) <= b->len) {
    lt_wire_chunk c;
    memcpy(&c, b->p + off, sizeof c);
    size_t whole = sizeof c + c.bytes;
    if (c.track && after) total += whole;
    if (c.track && b->p[off + sizeof c + 2] == LT_EV_LOST) after = true;
    off += whole;
  }
  return total;
}

static dump *decode(const bytes *b) {
  dump *d = calloc(1, sizeof *d);
  ltc_reader_callbacks cb = {on_hello, on_event, d};
  d->r = ltc_reader_new(&cb);
  assert_int_equal(ltc_reader_feed(d->r, b->p, b->len), 0);
  d->status = ltc_reader_finish(d->r);
  d->ring_bytes = ring_part(b);
  return d;
}

static void dump_free(dump *d) {
  ltc_reader_free(d->r);
  free(d);
}

/* What every dump of demo_flight must be: a clean stream, a flight recording, its ring part
 * within SIZE and filling it (the program made far more), every task it mentions created (the
 * long-lived ones in the preamble: their creation fell out of the ring long ago), every site
 * and mark resolvable. */
static void check_dump(const dump *d, uint64_t number) {
  assert_int_equal(d->status, LTC_STREAM_CLEAN);
  assert_true(d->h.flight);
  assert_int_equal(d->h.flight_dump, number);
  assert_true(d->h.flight_lost > 0);
  assert_int_equal(ltc_reader_lost(d->r), d->h.flight_lost);
  assert_true(d->ring_bytes <= RING);
  assert_true(d->ring_bytes > RING - 2 * 72 * 1024); /* the last SIZE, to a chunk or two */
  assert_true(d->h.flight_to_ns > d->h.flight_from_ns);
  assert_int_equal(d->unnamed, 0);
  assert_int_equal(d->unresolved, 0);
  assert_true(d->marks > 0);
  const char *lived[] = {"main", "ticker", "worker-0", "worker-1", "worker-2", "worker-3"};
  for (size_t i = 0; i < 6; i++) {
    bool found = false;
    for (size_t t = 0; t < 4096 && !found; t++)
      found = d->created[t] && strcmp(d->names[t], lived[i]) == 0;
    if (!found) fail_msg("no creation of %s in the dump", lived[i]);
  }
}

static void test_busy_process_dumps_on_signal_twice(void **state) {
  (void)state;
  int lfd = listen_here();
  char spec[160];
  snprintf(spec, sizeof spec, "unix:%s", sock_path);
  child c = start(NULL, spec);
  expect_line(&c, "ready");
  assert_int_equal(kill(c.pid, SIGUSR2), 0);
  bytes b1 = receive(lfd);
  dump *d1 = decode(&b1);
  check_dump(d1, 1);
  assert_int_equal(kill(c.pid, SIGUSR2), 0);
  bytes b2 = receive(lfd);
  dump *d2 = decode(&b2);
  check_dump(d2, 2);
  assert_true(d2->h.flight_to_ns >= d1->h.flight_to_ns);
  assert_int_equal(waitpid(c.pid, NULL, WNOHANG), 0); /* it goes on running */
  stop(&c);
  dump_free(d1);
  dump_free(d2);
  free(b1.p);
  free(b2.p);
  close(lfd);
}

static void test_dump_while_the_loop_is_blocked(void **state) {
  (void)state;
  int lfd = listen_here();
  char spec[160];
  snprintf(spec, sizeof spec, "unix:%s", sock_path);
  child c = start("--block", spec);
  expect_line(&c, "ready");
  expect_line(&c, "blocking"); /* its loop is in a step that does not yield */
  assert_int_equal(kill(c.pid, SIGUSR2), 0);
  bytes b = receive(lfd); /* comes out while the loop is still blocked */
  dump *d = decode(&b);
  check_dump(d, 1);
  /* what the loop flushed before the step: main asleep (the quiet moment before it) */
  assert_int_equal(d->main_last_kind, LT_EV_TASK_SUSPEND);
  assert_int_equal(d->main_last_reason, LT_REASON_SLEEP);
  assert_int_equal(write(c.in, "x", 1), 1);
  expect_line(&c, "unblocked");
  int status;
  assert_int_equal(waitpid(c.pid, &status, 0), c.pid);
  forget(c.pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(c.in);
  close(c.out);
  dump_free(d);
  free(b.p);
  close(lfd);
}


static void test_dump_ring_command_stores_a_flight_recording(void **state) {
  (void)state;
  child c = start(NULL, NULL);
  expect_line(&c, "ready");
  assert_int_equal(shell("TMPDIR=%s XDG_RUNTIME_DIR= %s/looptrace dump-ring %d --db %s "
                         ">/dev/null",
                         scratch_dir, LT_BIN_DIR, (int)c.pid, scratch_db),
                   0);
  assert_int_equal(waitpid(c.pid, NULL, WNOHANG), 0);
  stop(&c);
  ltc_store *s;
  assert_int_equal(ltc_store_open(scratch_db, &s, NULL), 0);
  ltc_session_row row;
  assert_int_equal(ltc_store_session_row(s, 1, &row, NULL), 0);
  assert_string_equal(row.status, "complete");
  assert_true(row.flight);
  assert_int_equal(row.flight_dump, 1);
  assert_true(row.flight_lost > 0);
  assert_int_equal(row.lost, row.flight_lost);
  assert_true(row.flight_to_ns > row.flight_from_ns && row.end_ns >= row.flight_to_ns);
  ltc_store_close(s);
}

static void test_dump_ring_spares_a_process_without_the_recorder(void **state) {
  (void)state;
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sleep", "sleep", "30", (char *)NULL);
    _exit(127);
  }
  char db[128];
  snprintf(db, sizeof db, "%s/none.db", scratch_dir);
  assert_int_equal(shell("TMPDIR=%s XDG_RUNTIME_DIR= %s/looptrace dump-ring %d --db %s "
                         "2>/dev/null",
                         scratch_dir, LT_BIN_DIR, (int)pid, db),
                   1);
  assert_int_equal(waitpid(pid, NULL, WNOHANG), 0); /* not killed by a USR2 it does not handle */
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
}

static int setup(void **state) {
  (void)state;
  if (scratch_make("flight") < 0) return -1;
  snprintf(sock_path, sizeof sock_path, "%s/dump.sock", scratch_dir);
  return 0;
}

static int kill_children(void **state) {
  (void)state;
  for (size_t i = 0; i < 4; i++)
    if (running[i]) {
      kill(running[i], SIGKILL);
      waitpid(running[i], NULL, 0);
      running[i] = 0;
    }
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_busy_process_dumps_on_signal_twice, kill_children),
      cmocka_unit_test_teardown(test_dump_while_the_loop_is_blocked, kill_children),
      cmocka_unit_test_teardown(test_dump_ring_command_stores_a_flight_recording,
                                kill_children),
      cmocka_unit_test(test_dump_ring_spares_a_process_without_the_recorder),
  };
  return cmocka_run_group_tests(tests, setup, scratch_remove);
}

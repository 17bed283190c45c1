/* test_io.c: waiting on file descriptors and the socket helpers, over real socketpairs and a
 * real loopback TCP listener: a reader parks until data comes, a large write waits for the
 * reader to drain, connect/accept/echo work, double waits are refused, a cancelled waiter
 * leaves nothing behind, bad fds are named. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <looptrace.h>

#include "record.h"

static const lt_run_opts virtual_clock = {.clock = LT_CLOCK_VIRTUAL};

static int sp[2];

static int reader(void *arg, void **result) {
  char buf[64] = {0};
  rec("reader-waits");
  ssize_t n = lt_read(sp[0], buf, sizeof buf - 1);
  rec("reader-got:%s(%zd)", buf, n);
  return n < 0 ? (int)n : 0;
}

static int writer(void *arg, void **result) {
  lt_yield();
  ssize_t n = lt_write(sp[1], "hello", 5);
  rec("writer-wrote:%zd", n);
  return n == 5 ? 0 : -EIO;
}

static int main_pair(void *arg, void **result) {
  lt_future *t[2] = {lt_task_future(lt_spawn(reader, NULL)),
                     lt_task_future(lt_spawn(writer, NULL))};
  int rc = lt_gather(t, 2, NULL, NULL, 0);
  lt_future_release(t[0]);
  lt_future_release(t[1]);
  return rc;
}

static void test_reader_parks_until_data(void **state) {
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
  lt_set_nonblocking(sp[0]);
  lt_set_nonblocking(sp[1]);
  rec_reset();
  assert_int_equal(lt_run(main_pair, NULL, NULL, &virtual_clock), 0);
  rec_is("reader-waits writer-wrote:5 reader-got:hello(5)");
  close(sp[0]);
  close(sp[1]);
}

/* ---- a TCP echo over loopback, with a write far larger than the socket buffers ---- */

#define BIG (4 * 1024 * 1024)
static int listener;
static uint8_t *sent, *echoed;

static int echo_server(void *arg, void **result) {
  int c = lt_accept(listener, NULL, NULL);
  if (c < 0) return c;
  char buf[65536];
  ssize_t n;
  while ((n = lt_read(c, buf, sizeof buf)) > 0)
    if (lt_write(c, buf, (size_t)n) != n) break;
  close(c);
  return n < 0 ? (int)n : 0;
}

static int client_reader(void *arg, void **result) {
  int fd = (int)(intptr_t)arg;
  size_t got = 0;
  while (got < BIG) {
    ssize_t n = lt_read(fd, echoed + got, BIG - got);
    if (n <= 0) return n < 0 ? (int)n : -EPIPE;
    got += (size_t)n;
  }
  return 0;
}

static int main_echo(void *arg, void **result) {
  lt_task *server = lt_spawn(echo_server, NULL);
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  getsockname(listener, (struct sockaddr *)&sa, &len);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  lt_set_nonblocking(fd);
  int rc = lt_connect(fd, (struct sockaddr *)&sa, len);
  if (rc < 0) return rc;
  lt_task *r = lt_spawn(client_reader, (void *)(intptr_t)fd);
  ssize_t w = lt_write(fd, sent, BIG); /* parks whenever the buffers are full */
  if (w != BIG) return -EIO;
  rc = lt_await(r, NULL);
  shutdown(fd, SHUT_WR);
  if (rc == 0) rc = lt_await(server, NULL);
  close(fd);
  lt_task_release(r);
  lt_task_release(server);
  return rc;
}

static void test_tcp_echo_of_a_large_buffer(void **state) {
  listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  assert_int_equal(bind(listener, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(listen(listener, 4), 0);
  lt_set_nonblocking(listener);
  sent = malloc(BIG);
  echoed = calloc(1, BIG);
  for (size_t i = 0; i < BIG; i++) sent[i] = (uint8_t)(i * 2654435761u >> 24);
  lt_run_opts real = {.clock = LT_CLOCK_REAL};
  assert_int_equal(lt_run(main_echo, NULL, NULL, &real), 0);
  assert_memory_equal(sent, echoed, BIG);
  free(sent);
  free(echoed);
  close(listener);
}

/* ---- refusals, cancellation, bad fds ---- */

static int waits_readable(void *arg, void **result) {
  int rc = lt_wait_fd(sp[0], LT_READABLE);
  rec("%s:%s", (const char *)arg, rc == LT_READABLE ? "readable" : lt_strerror(rc));
  return 0;
}

static int main_refusals(void *arg, void **result) {
  lt_task *a = lt_spawn(waits_readable, "first");
  lt_task *b = lt_spawn(waits_readable, "second"); /* same fd, same direction: refused */
  lt_yield();
  lt_task_cancel(a); /* the first gives up: its registration goes with it */
  lt_await(a, NULL);
  lt_await(b, NULL);
  lt_task *c = lt_spawn(waits_readable, "third");
  lt_yield();
  write(sp[1], "x", 1);
  lt_await(c, NULL);
  rec("closed-fd:%s", lt_strerror(lt_wait_fd(999, LT_READABLE)));
  rec("no-events:%s", lt_strerror(lt_wait_fd(sp[0], 0)));
  lt_task_release(a);
  lt_task_release(b);
  lt_task_release(c);
  return 0;
}

static void test_double_wait_cancel_and_bad_fd(void **state) {
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
  lt_set_nonblocking(sp[0]);
  rec_reset();
  assert_int_equal(lt_run(main_refusals, NULL, NULL, &virtual_clock), 0);
  rec_is("second:Device or resource busy first:cancelled third:readable "
         "closed-fd:Bad file descriptor no-events:Invalid argument");
  close(sp[0]);
  close(sp[1]);
}

/* Closing an fd a task waits on is the caller's mistake, but must not be undefined behaviour:
 * with a dup() keeping the file open, epoll keeps reporting it after the waiter is gone. */
static int dup_fd;
static int main_closed_under_waiter(void *arg, void **result) {
  lt_task *t = lt_spawn(waits_readable, "waiter");
  lt_yield();
  dup_fd = dup(sp[0]);
  close(sp[0]);      /* closed under the waiter... */
  lt_task_cancel(t); /* ...which then goes away */
  lt_await(t, NULL);
  if (write(sp[1], "x", 1) != 1) return -EIO; /* the dup'd file becomes readable */
  for (int i = 0; i < 5; i++) lt_sleep(LT_MSEC(1)); /* polls that report it */
  lt_task_release(t);
  return 0;
}

static void test_fd_closed_under_waiter(void **state) {
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
  lt_set_nonblocking(sp[0]);
  rec_reset();
  lt_run_opts real = {.clock = LT_CLOCK_REAL};
  assert_int_equal(lt_run(main_closed_under_waiter, NULL, NULL, &real), 0);
  rec_is("waiter:cancelled");
  close(dup_fd);
  close(sp[1]);
}

/* An fd stays registered between waits. Closed, its number is soon another file's: a wait on
 * the new file must see its events, though the old registration went with the old file, and
 * a wait on a number that is not open says so. */
static int late_fd;
static int late_writer(void *arg, void **result) {
  lt_yield(); /* the reader parks first */
  return write(late_fd, arg, 1) == 1 ? 0 : -EIO;
}

/* Reads one byte from rd after it parked for it; the byte comes from another task. */
static int parked_read(int rd, int wr, const char *byte) {
  late_fd = wr;
  lt_task *w = lt_spawn(late_writer, (void *)byte);
  char c = 0;
  ssize_t n = lt_read(rd, &c, 1);
  int rc = lt_await(w, NULL);
  lt_task_release(w);
  return n == 1 && c == byte[0] && rc == 0 ? 0 : -EIO;
}

static int reuse_rounds;
static int main_fd_number_reused(void *arg, void **result) {
  int p[2];
  if (pipe(p) != 0) return -errno;
  lt_set_nonblocking(p[0]);
  for (int i = 0; i < 3; i++) /* three waits on one registration */
    if (parked_read(p[0], p[1], "y") != 0) return -EIO;
  for (int round = 0; round < 3; round++) {
    int fd = p[0];
    close(p[0]);
    close(p[1]);
    if (pipe(p) != 0) return -errno;
    if (p[0] != fd) return -EINVAL; /* the lowest free number comes back as the read end */
    lt_set_nonblocking(p[0]);
    if (parked_read(p[0], p[1], "z") != 0) return -EIO;
    reuse_rounds++;
  }
  close(p[0]);
  close(p[1]);
  rec("closed:%s", lt_strerror(lt_wait_fd(p[0], LT_READABLE)));
  return 0;
}

/* A wait that never wakes fails the test in 10 s instead of hanging it. */
static int main_fd_number_reused_bounded(void *arg, void **result) {
  lt_task *t = lt_spawn(main_fd_number_reused, NULL);
  int rc = lt_wait_for(t, LT_SEC(10), NULL);
  lt_task_release(t);
  return rc;
}

static void test_fd_number_reused(void **state) {
  rec_reset();
  lt_run_opts real = {.clock = LT_CLOCK_REAL};
  assert_int_equal(lt_run(main_fd_number_reused_bounded, NULL, NULL, &real), 0);
  assert_int_equal(reuse_rounds, 3);
  rec_is("closed:Bad file descriptor");
}

/* A read comes back short and the runtime then knows the stream empty, so the next lt_read
 * waits without trying (as libuv reads until short). Only as long as nothing could have filled
 * it: a write by the reader to the fd's peer, or by the peer's side, makes the next lt_read
 * return the data at once, without suspending, as asyncio's sock_recv does; a write to the fd
 * itself leaves it empty, and the next read waits for what comes. */
static int main_refilled(void *arg, void **result) {
  char buf[64];
  ssize_t n = parked_read(sp[0], sp[1], "a") == 0 ? 1 : -1; /* woken by sp[0]'s event */
  ssize_t m = lt_write(sp[1], "bc", 2) == 2 ? lt_read(sp[0], buf, sizeof buf) : -1; /* short */
  uint64_t it = lt_loop_iterations();
  if (lt_write(sp[1], "d", 1) != 1) return -EIO; /* the peer: sp[0] has something again */
  ssize_t k = lt_read(sp[0], buf, sizeof buf);
  bool at_once = lt_loop_iterations() == it;
  rec("first:%zd short:%zd refilled:%zd@%s", n, m, k, at_once ? "once" : "later");
  if (lt_write(sp[0], "e", 1) != 1) return -EIO; /* its own fd: sp[0] stays empty */
  n = parked_read(sp[0], sp[1], "f") == 0 ? 1 : -1;
  rec("waited:%zd", n);
  return 0;
}

static void test_short_read_then_refilled(void **state) {
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
  lt_set_nonblocking(sp[0]);
  lt_set_nonblocking(sp[1]);
  rec_reset();
  assert_int_equal(lt_run(main_refilled, NULL, NULL, &virtual_clock), 0);
  rec_is("first:1 short:2 refilled:1@once waited:1");
  close(sp[0]);
  close(sp[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_short_read_then_refilled),
      cmocka_unit_test(test_fd_number_reused),
      cmocka_unit_test(test_reader_parks_until_data),
      cmocka_unit_test(test_tcp_echo_of_a_large_buffer),
      cmocka_unit_test(test_double_wait_cancel_and_bad_fd),
      cmocka_unit_test(test_fd_closed_under_waiter),
  };
  return cmocka_run_group_tests_name("io", tests, NULL, NULL);
}

/* test_io_recv.c: lt_read reads when the fd is reported ready, in the readiness handle, as
 * asyncio's sock_recv reads in its reader callback: what a task reads does not include bytes
 * written after that poll (found by the differential tester, tests/differential). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <unistd.h>

#include "looptrace.h"
#include "task_harness.h"

static int sv[2];

static int reader(void *arg, void **res) {
  char buf[64];
  ssize_t n = lt_read(sv[1], buf, sizeof buf);
  *res = ITEM(n);
  return n < 0 ? (int)n : 0;
}

/* CPython 3.11:
 *   t = create_task(reader()); await sleep(0); a.send(b"xx"); await sleep(0); await sleep(0)
 *   a.send(b"xxx"); await t  ->  2  (the reader callback read "xx" in the iteration after the
 *   first send; the task resumes one iteration later, after the second send) */
static int recv_order_main(void *arg, void **res) {
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  lt_set_nonblocking(sv[0]);
  lt_set_nonblocking(sv[1]);
  lt_task *t = lt_spawn(reader, NULL);
  lt_yield(); /* the reader finds nothing and waits */
  CHECK(write(sv[0], "xx", 2) == 2);
  lt_yield(); /* the poll reports the fd: the handle reads the 2 bytes */
  lt_yield();
  CHECK(write(sv[0], "xxx", 3) == 3);
  void *n = NULL;
  CHECK(lt_await(t, &n) == 0);
  CHECK(INT(n) == 2);
  char rest[8];
  CHECK(read(sv[1], rest, sizeof rest) == 3); /* the later bytes are still there */
  lt_task_release(t);
  close(sv[0]);
  close(sv[1]);
  return 0;
}

static void test_read_happens_when_the_fd_is_reported(void **state) {
  run_main(recv_order_main, NULL);
}

/* A readiness with nothing to read after all (a callback that ran first in the same iteration
 * took the byte) keeps the task waiting, as sock_recv's callback does on BlockingIOError. */
static void consume(void *arg) {
  char c;
  CHECK(read(sv[1], &c, 1) == 1);
}

static int spurious_main(void *arg, void **res) {
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  lt_set_nonblocking(sv[0]);
  lt_set_nonblocking(sv[1]);
  lt_task *t = lt_spawn(reader, NULL);
  lt_yield();
  CHECK(write(sv[0], "a", 1) == 1);
  lt_call_soon(consume, NULL); /* runs before the readiness handle the next poll queues */
  lt_yield();
  lt_yield();
  CHECK(!lt_task_done(t));
  CHECK(write(sv[0], "bcd", 3) == 3);
  void *n = NULL;
  CHECK(lt_await(t, &n) == 0);
  CHECK(INT(n) == 3);
  lt_task_release(t);
  close(sv[0]);
  close(sv[1]);
  return 0;
}

static void test_nothing_to_read_keeps_waiting(void **state) { run_main(spurious_main, NULL); }

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_read_happens_when_the_fd_is_reported),
      cmocka_unit_test(test_nothing_to_read_keeps_waiting),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

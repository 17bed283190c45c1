/* test_stream.c: lt_stream, lt_open_connection and lt_start_server as a user of asyncio's
 * streams relies on them, over real sockets: lines split across writes come out whole,
 * write_eof reaching the peer as end of file, readline's last partial line at end of file,
 * readuntil with a multi-byte separator, readexactly's early end of file leaving the bytes,
 * the limit (LimitOverrunError) leaving the data, 4 MiB through write + drain intact, a name
 * resolved off the loop (other tasks run meanwhile) and an address that refuses falling
 * through to the next. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "combine_log.h"

/* The server's handler: answers each line with "got: <line>", and "bye" at end of file. */
static int echo_lines(lt_stream *s, void *arg) {
  char line[256], reply[300];
  ssize_t n;
  while ((n = lt_stream_readline(s, line, sizeof line)) > 0) {
    int len = snprintf(reply, sizeof reply, "got: %.*s", (int)n, line);
    lt_stream_write(s, reply, (size_t)len);
    int rc = lt_stream_drain(s);
    if (rc < 0) return rc;
  }
  lt_stream_write(s, "bye\n", 4);
  return lt_stream_drain(s);
}

static void log_line(lt_stream *s) {
  char line[256];
  ssize_t n = lt_stream_readline(s, line, sizeof line);
  if (n >= 0)
    logf_("line %zd '%.*s'", n, (int)(n > 0 && line[n - 1] == '\n' ? n - 1 : n), line);
  else
    logf_("line error %zd", n);
}

static int tcp_main(void *arg, void **result) {
  lt_server *srv = lt_start_server("127.0.0.1", "0", echo_lines, NULL);
  if (!srv) return -errno;
  char port[16];
  snprintf(port, sizeof port, "%d", lt_server_port(srv));
  lt_task *tk = lt_spawn(ticker, (void *)1);
  lt_stream *c = NULL;
  int rc = lt_open_connection("localhost", port, &c); /* resolved on a worker thread */
  logf_("connected %d", rc);
  if (rc < 0) return rc;
  lt_stream_write(c, "hello\nwor", 9);
  lt_stream_drain(c);
  lt_sleep(LT_MSEC(5));
  lt_stream_write(c, "ld\n", 3);
  log_line(c);
  log_line(c);
  lt_stream_write_eof(c);
  log_line(c);
  log_line(c);
  logf_("eof %d", lt_stream_at_eof(c));
  lt_stream_close(c);
  lt_await(tk, NULL);
  lt_task_release(tk);
  lt_server_close(srv);
  /* nobody listens there any more */
  rc = lt_open_connection("127.0.0.1", port, &c);
  logf_("refused %d", rc);
  return 0;
}

static void test_lines_over_tcp(void **state) {
  assert_int_equal(run_real(tcp_main), 0);
  LOG_EXPECT("t0", "connected 0", "line 11 'got: hello'", "line 11 'got: world'",
             "line 4 'bye'", "line 0 ''", "eof 1", "refused -111");
}

static int pair[2];

static int reads_main(void *arg, void **result) {
  lt_stream *s = lt_stream_new(pair[0]);
  const char *text = "GET / HTTP/1.0\r\nHost: x\r\n\r\nbody!0123456789\nlast";
  write(pair[1], text, strlen(text));
  shutdown(pair[1], SHUT_WR);
  char buf[128];
  ssize_t n = lt_stream_readuntil(s, "\r\n\r\n", 4, buf, sizeof buf);
  logf_("head %zd", n);
  n = lt_stream_readexactly(s, buf, 5);
  logf_("exactly %zd '%.5s'", n, buf);
  lt_stream_set_limit(s, 8);
  n = lt_stream_readline(s, buf, sizeof buf);
  logf_("over limit %zd", n);
  lt_stream_set_limit(s, 64);
  n = lt_stream_readline(s, buf, 4); /* the caller's buffer is a limit too */
  logf_("over cap %zd", n);
  n = lt_stream_readline(s, buf, sizeof buf);
  logf_("line %zd", n);
  n = lt_stream_readexactly(s, buf, 10);
  logf_("short %zd", n);
  n = lt_stream_readuntil(s, "\n", 1, buf, sizeof buf);
  logf_("until at eof %zd", n);
  n = lt_stream_read(s, buf, sizeof buf);
  logf_("rest %zd '%.*s'", n, (int)n, buf);
  n = lt_stream_read(s, buf, sizeof buf);
  logf_("eof %zd %d", n, lt_stream_at_eof(s));
  lt_stream_close(s);
  return 0;
}

static void test_readuntil_readexactly_limits(void **state) {
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  assert_int_equal(run_watched(reads_main, NULL), 0);
  close(pair[1]);
  LOG_EXPECT("head 27", "exactly 5 'body!'", "over limit -90", "over cap -90", "line 11",
             "short -61", "until at eof -61", "rest 4 'last'", "eof 0 1");
}

#define BIG (4 << 20)

static int sink(void *arg, void **result) {
  lt_stream *s = arg;
  static char buf[65536];
  uint64_t sum = 0, total = 0;
  ssize_t n;
  while ((n = lt_stream_read(s, buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; i++) sum = sum * 31 + (unsigned char)buf[i];
    total += (uint64_t)n;
  }
  logf_("received %llu sum %llx", (unsigned long long)total, (unsigned long long)sum);
  return 0;
}

static int big_main(void *arg, void **result) {
  lt_stream *r = lt_stream_new(pair[0]), *w = lt_stream_new(pair[1]);
  lt_task *t = lt_spawn(sink, r);
  static char data[BIG];
  uint64_t sum = 0;
  for (int i = 0; i < BIG; i++) {
    data[i] = (char)(i * 7 + i / 4096);
    sum = sum * 31 + (unsigned char)data[i];
  }
  lt_stream_write(w, data, BIG);
  logf_("buffered after write %d", lt_stream_buffered(w) > 0);
  int rc = lt_stream_drain(w);
  logf_("drained %d left %zu", rc, lt_stream_buffered(w));
  lt_stream_write_eof(w);
  lt_await(t, NULL);
  logf_("sent sum %llx", (unsigned long long)sum);
  lt_task_release(t);
  lt_stream_close(w);
  lt_stream_close(r);
  return 0;
}

static void test_big_write_and_drain(void **state) {
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  assert_int_equal(run_watched(big_main, NULL), 0);
  assert_int_equal(log_n, 4);
  assert_string_equal(log_ev[0], "buffered after write 1");
  assert_string_equal(log_ev[1], "drained 0 left 0");
  char want[sizeof log_ev[0] + 32];
  snprintf(want, sizeof want, "received %d sum %.32s", BIG, log_ev[3] + strlen("sent sum "));
  assert_string_equal(log_ev[2], want);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lines_over_tcp),
      cmocka_unit_test(test_readuntil_readexactly_limits),
      cmocka_unit_test(test_big_write_and_drain),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

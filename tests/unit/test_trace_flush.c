/* test_trace_flush.c: when a traced loop's records reach the sink. A loop that goes quiet
 * still shows what it did within the flush bound (50 ms), long before it wakes again; and a
 * loop that keeps polling does not write a chunk per poll, only per full buffer or per bound. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
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

#include <looptrace.h>
#include <lt/wire.h>

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- a quiet program shows up promptly ---- */

#define QUIET_SLEEP_MS 3000

static int quiet_main(void *arg, void **result) {
  lt_mark("about to go quiet");
  return lt_sleep(LT_MSEC(QUIET_SLEEP_MS));
}

static void test_quiet_loop_shows_up_within_the_bound(void **state) {
  char dir[] = "/tmp/lt-flush-XXXXXX";
  assert_non_null(mkdtemp(dir));
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s/s", dir);
  int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
  assert_true(lfd >= 0);
  assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(listen(lfd, 1), 0);

  int64_t started = mono_ns();
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    char spec[160];
    snprintf(spec, sizeof spec, "unix:%s", sa.sun_path);
    if (lt_trace_start(spec, "quiet", LT_TRACE_BLOCK) != 0) _exit(3);
    int rc = lt_run(quiet_main, NULL, NULL, NULL);
    lt_trace_stop();
    _exit(rc == 0 ? 0 : 4);
  }
  int c = accept(lfd, NULL, NULL);
  assert_true(c >= 0);
  static char stream[1 << 20];
  size_t len = 0;
  int64_t seen = -1;
  bool child_asleep = false, reaped = false;
  int status = 0;
  const char *text = "about to go quiet";
  ssize_t n;
  /* read to the end (the program's last flush included), noting when the mark came */
  while ((n = read(c, stream + len, sizeof stream - len)) > 0) {
    len += (size_t)n;
    if (len == sizeof stream) len = 0; /* only the mark matters; it comes early */
    if (seen < 0 && memmem(stream, len, text, strlen(text))) {
      seen = mono_ns() - started;
      pid_t w = waitpid(pid, &status, WNOHANG); /* 0: still in its 3 s sleep */
      child_asleep = w == 0;
      reaped = w == pid;
    }
  }
  close(c);
  close(lfd);
  if (!reaped) assert_int_equal(waitpid(pid, &status, 0), pid);
  unlink(sa.sun_path);
  rmdir(dir);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  print_message("the mark reached the sink %.1f ms after the program started\n", seen / 1e6);
  assert_true(seen >= 0);
  assert_true(child_asleep); /* before the sleep ended, not with the program's last flush */
  assert_true(seen < (int64_t)QUIET_SLEEP_MS * 1000000 / 3);
}

/* ---- polling does not mean flushing ---- */

#define NAPS 150

static int napper(void *arg, void **result) {
  for (int i = 0; i < NAPS; i++) lt_sleep(LT_MSEC(1)); /* each a poll that sleeps 1 ms */
  return 0;
}

/* The chunks of the loop's track in a trace file. */
static int count_chunks(const char *path) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  static uint8_t buf[1 << 22];
  size_t len = fread(buf, 1, sizeof buf, f);
  fclose(f);
  assert_true(len > LT_WIRE_MAGIC_LEN + 8);
  uint32_t hello;
  memcpy(&hello, buf + LT_WIRE_MAGIC_LEN + 4, 4);
  size_t off = LT_WIRE_MAGIC_LEN + 8 + hello;
  int chunks = 0;
  while (off + sizeof(lt_wire_chunk) <= len) {
    lt_wire_chunk c;
    memcpy(&c, buf + off, sizeof c);
    assert_int_equal(c.magic, LT_WIRE_CHUNK_MAGIC);
    if (c.track != 0) chunks++;
    off += sizeof c + c.bytes;
  }
  assert_int_equal(off, len);
  return chunks;
}

static void test_sleeping_polls_do_not_each_flush(void **state) {
  char path[] = "/tmp/lt-naps-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  char spec[64];
  snprintf(spec, sizeof spec, "file:%s", path);
  assert_int_equal(lt_trace_start(spec, "naps", LT_TRACE_BLOCK), 0);
  int64_t t0 = mono_ns();
  assert_int_equal(lt_run(napper, NULL, NULL, NULL), 0);
  int64_t ms = (mono_ns() - t0) / 1000000;
  lt_trace_stop();
  int chunks = count_chunks(path);
  unlink(path);
  print_message("%d polls that slept, %lld ms, %d chunks\n", NAPS, (long long)ms, chunks);
  assert_true(ms >= NAPS); /* each nap really slept */
  /* one per 50 ms bound, the last, and slack for a loaded machine: never one per poll */
  assert_true(chunks <= ms / 50 + 3);
  assert_true(chunks < NAPS / 4);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_quiet_loop_shows_up_within_the_bound),
      cmocka_unit_test(test_sleeping_polls_do_not_each_flush),
  };
  return cmocka_run_group_tests_name("trace_flush", tests, NULL, NULL);
}

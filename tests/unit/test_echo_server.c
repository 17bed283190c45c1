/* test_echo_server.c: examples/echo_server as a real process under load. 32 connections at
 * once each send 256 KiB of seeded pseudo-random bytes in chunks of random sizes while they
 * read the echo back, and every byte must come back in order; past --max-connections a
 * connection is closed at once, and a freed slot serves again; SIGINT ends the server through
 * its loop with exit status 0 and its count of what it served. The clients are tasks on this
 * process's own loop. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <looptrace.h>

#define CLIENTS 32
#define BYTES (256 * 1024)

typedef struct server_proc {
  pid_t pid;
  FILE *out; /* its stdout */
  int port;
} server_proc;

static server_proc start_server(const char *args) {
  int p[2];
  assert_int_equal(pipe(p), 0);
  server_proc s = {0};
  s.pid = fork();
  assert_true(s.pid >= 0);
  if (s.pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed assertion never leaves a server behind */
    dup2(p[1], 1);
    close(p[0]);
    close(p[1]);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "exec %s %s/echo_server --port 0 %s", LT_CHILD_LAUNCHER,
             LT_BIN_DIR, args);
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  close(p[1]);
  s.out = fdopen(p[0], "r");
  char line[256];
  assert_non_null(fgets(line, sizeof line, s.out));
  assert_int_equal(sscanf(line, "echo_server: listening on 127.0.0.1:%d", &s.port), 1);
  return s;
}

/* SIGINT, then its exit status (0 expected) and its last line. */
static int stop_server(server_proc *s, char *last, size_t n) {
  kill(s->pid, SIGINT);
  last[0] = 0;
  char line[256];
  while (fgets(line, sizeof line, s->out)) snprintf(last, n, "%s", line);
  fclose(s->out);
  int status;
  assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = lt_connect(fd, (struct sockaddr *)&sa, sizeof sa);
  if (rc < 0) {
    close(fd);
    return rc;
  }
  return fd;
}

/* ---- load ---- */

static uint8_t stream_byte(uint64_t seed, size_t i) {
  uint64_t x = (seed + i / 8) * 0x9e3779b97f4a7c15ull;
  x ^= x >> 31;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 29;
  return (uint8_t)(x >> (8 * (i % 8)));
}

typedef struct client {
  int fd;
  uint64_t seed;
  size_t checked; /* bytes read back and found right */
  int error;      /* first failure: -errno, or -EILSEQ for a wrong byte */
} client;

static int client_writer(void *arg, void **result) {
  client *c = arg;
  static _Thread_local uint8_t buf[16384];
  uint64_t r = c->seed;
  for (size_t sent = 0; sent < BYTES;) {
    r = r * 6364136223846793005ull + 1;
    size_t n = 1 + (size_t)((r >> 33) % sizeof buf);
    if (n > BYTES - sent) n = BYTES - sent;
    for (size_t i = 0; i < n; i++) buf[i] = stream_byte(c->seed, sent + i);
    ssize_t w = lt_write(c->fd, buf, n);
    if (w < 0) return (int)w;
    sent += n;
  }
  return 0;
}

static int client_reader(void *arg, void **result) {
  client *c = arg;
  uint8_t buf[8192];
  while (c->checked < BYTES) {
    ssize_t n = lt_read(c->fd, buf, sizeof buf);
    if (n <= 0) return c->error = n == 0 ? -EPIPE : (int)n;
    for (ssize_t i = 0; i < n; i++)
      if (buf[i] != stream_byte(c->seed, c->checked + (size_t)i)) return c->error = -EILSEQ;
    c->checked += (size_t)n;
  }
  return 0;
}

static client clients[CLIENTS];
static int load_port;

static int load_main(void *arg, void **result) {
  lt_future *f[2 * CLIENTS];
  for (int i = 0; i < CLIENTS; i++) {
    clients[i] = (client){.fd = connect_to(load_port), .seed = 1000 + (uint64_t)i};
    if (clients[i].fd < 0) return clients[i].fd;
  }
  for (int i = 0; i < CLIENTS; i++) { /* all at once */
    f[2 * i] = lt_task_future(lt_spawn(client_writer, &clients[i]));
    f[2 * i + 1] = lt_task_future(lt_spawn(client_reader, &clients[i]));
  }
  int rc = lt_gather(f, 2 * CLIENTS, NULL, NULL, 0);
  for (int i = 0; i < 2 * CLIENTS; i++) lt_future_release(f[i]);
  for (int i = 0; i < CLIENTS; i++) close(clients[i].fd);
  return rc;
}

static void test_every_byte_comes_back(void **state) {
  server_proc s = start_server("");
  load_port = s.port;
  lt_run_opts real = {.clock = LT_CLOCK_REAL};
  assert_int_equal(lt_run(load_main, NULL, NULL, &real), 0);
  for (int i = 0; i < CLIENTS; i++) {
    assert_int_equal(clients[i].error, 0);
    assert_int_equal(clients[i].checked, BYTES);
  }
  char last[256];
  assert_int_equal(stop_server(&s, last, sizeof last), 0);
  assert_string_equal(last, "echo_server: served 32 connections, refused 0\n");
}

/* ---- the connection limit, and shutdown ---- */

/* 1 when fd echoes a byte, 0 when the server closed it at once, or -errno. */
static int echoes(int fd) {
  if (lt_write(fd, "x", 1) != 1) return -EIO;
  char c;
  ssize_t n = lt_read(fd, &c, 1);
  if (n == 0 || n == -ECONNRESET) return 0;
  return n == 1 && c == 'x' ? 1 : (int)(n < 0 ? n : -EIO);
}

static int limit_main(void *arg, void **result) {
  int *out = arg;
  int a = connect_to(load_port), b = connect_to(load_port), c = connect_to(load_port);
  if (a < 0 || b < 0 || c < 0) return -EIO;
  out[0] = echoes(a);
  out[1] = echoes(b);
  out[2] = echoes(c); /* the third of --max-connections 2 */
  close(c);
  close(a);
  /* a's slot frees once the server has read a's end: until then a new one is refused */
  int attempts = 0, d = -1;
  while (attempts++ < 1000) {
    d = connect_to(load_port);
    if (d < 0) return d;
    out[3] = echoes(d);
    if (out[3] != 0) break;
    close(d);
    d = -1;
  }
  out[4] = attempts;
  if (d >= 0) close(d);
  close(b);
  return 0;
}

static void test_connection_limit_and_sigint(void **state) {
  server_proc s = start_server("--max-connections 2");
  load_port = s.port;
  int out[5] = {0};
  lt_run_opts real = {.clock = LT_CLOCK_REAL};
  assert_int_equal(lt_run(limit_main, out, NULL, &real), 0);
  assert_int_equal(out[0], 1);
  assert_int_equal(out[1], 1);
  assert_int_equal(out[2], 0); /* closed at once */
  assert_int_equal(out[3], 1); /* a freed slot serves again */
  char last[256], want[128];
  assert_int_equal(stop_server(&s, last, sizeof last), 0);
  snprintf(want, sizeof want, "echo_server: served 3 connections, refused %d\n", out[4]);
  assert_string_equal(last, want);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_byte_comes_back),
      cmocka_unit_test(test_connection_limit_and_sigint),
  };
  return cmocka_run_group_tests_name("echo_server", tests, NULL, NULL);
}

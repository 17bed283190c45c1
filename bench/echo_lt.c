/* echo_lt: bench_echo's runtime peer. An echo server and its clients on one loop, written as
 * a user writes them (lt_accept / lt_read / lt_write, a task per connection and per client):
 * each client sends a message, reads it back whole, and sends the next, for --seconds. With
 * --loops K, K threads each run such a loop, with its own SO_REUSEPORT listener on the one
 * port and its share of the clients. Prints one JSON line (echo_peer.h). Traced like any
 * program here when LOOPTRACE is set. */
#include <pthread.h>
#include <stdatomic.h>

#include <looptrace.h>

#include "echo_peer.h"

typedef struct loop_ctx {
  echo_loop m; /* first: echo_run's */
} loop_ctx;

/* Clients of every loop still running: a loop keeps serving until all are done, since its
 * listener took connections of the others' clients too. */
static atomic_int clients_left;

static int server_conn(void *arg, void **result) {
  int fd = (int)(intptr_t)arg;
  char buf[16384];
  ssize_t n;
  while ((n = lt_read(fd, buf, sizeof buf)) > 0)
    if (lt_write(fd, buf, (size_t)n) < 0) break;
  close(fd);
  return 0;
}

static int acceptor(void *arg, void **result) {
  loop_ctx *c = arg;
  for (;;) {
    int fd = lt_accept(c->m.listener, NULL, NULL);
    if (fd < 0) return fd == -ECANCELED ? 0 : fd;
    echo_nodelay(fd);
    lt_task_release(lt_spawn(server_conn, (void *)(intptr_t)fd));
  }
}

static int client_run(loop_ctx *c) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c->m.port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = lt_connect(fd, (struct sockaddr *)&sa, sizeof sa);
  if (rc < 0) return rc;
  echo_nodelay(fd);
  size_t size = (size_t)c->m.args->size;
  char *msg = malloc(2 * size), *back = msg + size;
  memset(msg, 'x', size);
  int64_t deadline = c->m.started + (int64_t)(c->m.args->seconds * 1e9);
  for (int64_t t = echo_now_ns(); t < deadline;) {
    if ((rc = (int)lt_write(fd, msg, size)) < 0) break;
    size_t got = 0;
    while (got < size) {
      ssize_t n = lt_read(fd, back + got, size - got);
      if (n <= 0) {
        rc = n == 0 ? -EPIPE : (int)n;
        goto out;
      }
      got += (size_t)n;
    }
    int64_t now = echo_now_ns();
    echo_hist_add(&c->m.hist, now - t);
    c->m.roundtrips++;
    t = now;
  }
  rc = 0;
out:
  close(fd);
  free(msg);
  return rc;
}

static int client(void *arg, void **result) {
  int rc = client_run(arg);
  atomic_fetch_sub(&clients_left, 1);
  return rc;
}

static int loop_main(void *arg, void **result) {
  loop_ctx *c = arg;
  lt_task *acc = lt_spawn(acceptor, c);
  lt_future *f[4096];
  int n = c->m.clients;
  c->m.started = echo_now_ns();
  for (int i = 0; i < n; i++) f[i] = lt_task_future(lt_spawn(client, c));
  int rc = lt_gather(f, (size_t)n, NULL, NULL, 0);
  c->m.ended = echo_now_ns();
  for (int i = 0; i < n; i++) lt_future_release(f[i]);
  while (atomic_load(&clients_left) > 0) lt_sleep(LT_MSEC(1));
  lt_task_cancel(acc);
  lt_task_release(acc);
  return rc;
}

static void *loop_thread(void *arg) {
  loop_ctx *c = arg;
  c->m.failed = lt_run(loop_main, c, NULL, NULL);
  return NULL;
}

int main(int argc, char **argv) {
  echo_args args;
  if (echo_parse(argc, argv, &args) < 0 || args.clients > 4096 * args.loops) {
    fprintf(stderr, "usage: echo_lt [--clients N] [--seconds S] [--loops K] [--size BYTES]\n");
    return 2;
  }
  static loop_ctx ctx[64];
  atomic_store(&clients_left, args.clients);
  return echo_run(&args, ctx, sizeof *ctx, loop_thread, "echo_lt");
}

/* echo_uv: bench_echo's libuv peer, the same workload as echo_lt on libuv (Debian's 1.44),
 * written as a performance-minded libuv user writes it: the server reads into a buffer per
 * connection and answers with uv_try_write (uv_write only for what the socket did not take);
 * each client writes its message, reads it back whole, and writes the next. --loops K runs
 * K threads, each a uv loop with its own SO_REUSEPORT listener (uv_tcp_open: 1.44 has no
 * UV_TCP_REUSEPORT). Prints one JSON line (echo_peer.h). */
#include <pthread.h>
#include <uv.h>

#include "echo_peer.h"

typedef struct loop_ctx {
  echo_loop m; /* first: echo_run's */
  uv_loop_t loop;
  uv_tcp_t server;
  int live;
} loop_ctx;

typedef struct conn { /* a server side connection */
  uv_tcp_t h;
  char buf[65536];
} conn;

typedef struct pending { /* what uv_try_write left over */
  uv_write_t req;
  char data[];
} pending;

typedef struct client {
  uv_tcp_t h;
  uv_connect_t connect;
  loop_ctx *c;
  char msg[65536], back[65536];
  size_t got;
  int64_t t;
} client;

static void on_closed_free(uv_handle_t *h) { free(h); }
static void on_write_done(uv_write_t *req, int status) { free(req); }

/* Writes all of data: at once when the socket takes it, else the rest through a request. */
static void send_all(uv_stream_t *s, const char *data, size_t n) {
  uv_buf_t b = uv_buf_init((char *)data, (unsigned)n);
  int w = uv_try_write(s, &b, 1);
  if (w == (int)n) return;
  if (w < 0) w = 0;
  pending *p = malloc(sizeof *p + n - (size_t)w);
  memcpy(p->data, data + w, n - (size_t)w);
  b = uv_buf_init(p->data, (unsigned)(n - (size_t)w));
  uv_write(&p->req, s, &b, 1, on_write_done);
}

static void conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b) {
  conn *c = (conn *)h;
  *b = uv_buf_init(c->buf, sizeof c->buf);
}

static void conn_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  if (n > 0) send_all(s, b->base, (size_t)n);
  else if (n < 0) uv_close((uv_handle_t *)s, on_closed_free);
}

static void on_connection(uv_stream_t *server, int status) {
  if (status < 0) return;
  conn *c = malloc(sizeof *c);
  uv_tcp_init(server->loop, &c->h);
  if (uv_accept(server, (uv_stream_t *)&c->h) != 0) {
    uv_close((uv_handle_t *)&c->h, on_closed_free);
    return;
  }
  uv_tcp_nodelay(&c->h, 1);
  uv_read_start((uv_stream_t *)&c->h, conn_alloc, conn_read);
}

static void client_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b) {
  client *k = (client *)h;
  *b = uv_buf_init(k->back + k->got, (unsigned)((size_t)k->c->m.args->size - k->got));
}

static void client_closed(uv_handle_t *h) {
  client *k = (client *)h;
  loop_ctx *c = k->c;
  if (--c->live == 0) {
    c->m.ended = echo_now_ns();
    uv_close((uv_handle_t *)&c->server, NULL); /* the last client is done: so is the loop */
  }
  free(k);
}

static void client_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  client *k = (client *)s;
  loop_ctx *c = k->c;
  if (n < 0) {
    uv_close((uv_handle_t *)s, client_closed);
    return;
  }
  k->got += (size_t)n;
  if (k->got < (size_t)c->m.args->size) return;
  int64_t now = echo_now_ns();
  echo_hist_add(&c->m.hist, now - k->t);
  c->m.roundtrips++;
  k->got = 0;
  k->t = now;
  if (now - c->m.started >= (int64_t)(c->m.args->seconds * 1e9)) {
    uv_close((uv_handle_t *)s, client_closed);
    return;
  }
  send_all(s, k->msg, (size_t)c->m.args->size);
}

static void client_connected(uv_connect_t *req, int status) {
  client *k = req->data;
  if (status < 0) {
    fprintf(stderr, "echo_uv: connect: %s\n", uv_strerror(status));
    uv_close((uv_handle_t *)&k->h, client_closed);
    return;
  }
  uv_tcp_nodelay(&k->h, 1);
  uv_read_start((uv_stream_t *)&k->h, client_alloc, client_read);
  k->t = echo_now_ns();
  send_all((uv_stream_t *)&k->h, k->msg, (size_t)k->c->m.args->size);
}

static void *loop_thread(void *arg) {
  loop_ctx *c = arg;
  uv_loop_init(&c->loop);
  uv_tcp_init(&c->loop, &c->server);
  uv_tcp_open(&c->server, c->m.listener);
  uv_listen((uv_stream_t *)&c->server, 4096, on_connection);
  struct sockaddr_in sa;
  uv_ip4_addr("127.0.0.1", c->m.port, &sa);
  c->m.started = echo_now_ns();
  c->live = c->m.clients;
  for (int i = 0; i < c->m.clients; i++) {
    client *k = calloc(1, sizeof *k);
    k->c = c;
    memset(k->msg, 'x', (size_t)c->m.args->size);
    uv_tcp_init(&c->loop, &k->h);
    k->connect.data = k;
    uv_tcp_connect(&k->connect, &k->h, (const struct sockaddr *)&sa, client_connected);
  }
  uv_run(&c->loop, UV_RUN_DEFAULT);
  uv_loop_close(&c->loop);
  return NULL;
}

int main(int argc, char **argv) {
  echo_args args;
  if (echo_parse(argc, argv, &args) < 0) {
    fprintf(stderr, "usage: echo_uv [--clients N] [--seconds S] [--loops K] [--size BYTES]\n");
    return 2;
  }
  static loop_ctx ctx[64];
  return echo_run(&args, ctx, sizeof *ctx, loop_thread, "echo_uv");
}

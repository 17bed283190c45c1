/* stream_tcp.c: TCP streams: lt_open_connection (asyncio.open_connection: getaddrinfo on the
 * loop's executor, as BaseEventLoop.getaddrinfo runs it, then a connect to each address in
 * turn) and lt_start_server (asyncio.start_server: a listening socket whose accept task
 * spawns a task per connection running the handler on the connection's stream). */
#define _GNU_SOURCE
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

/* ---- name resolution on a worker thread ---- */

/* A resolution: the caller and the worker share it; whichever lets go of it last frees it
 * (a cancelled caller leaves the job running, as asyncio cannot stop its thread either). */
typedef struct resolve {
  char *host, *port;
  int flags;
  struct addrinfo *res;
  int gai;            /* getaddrinfo's status */
  atomic_int holders; /* the caller and the job */
} resolve;

static void resolve_drop(resolve *r) {
  if (atomic_fetch_sub(&r->holders, 1) != 1) return;
  if (r->res) freeaddrinfo(r->res);
  free(r->host);
  free(r->port);
  free(r);
}

static int resolve_job(void *arg, void **result) {
  resolve *r = arg;
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                           .ai_flags = r->flags};
  r->gai = getaddrinfo(r->host, r->port, &hints, &r->res);
  (void)result;
  resolve_drop(r);
  return 0;
}

/* getaddrinfo(host, port) through the executor: 0 with *res, -ECANCELED, or -EHOSTUNREACH. */
static int resolve_at(const char *host, const char *port, int flags, struct addrinfo **res,
                      const lt_srcloc *site) {
  resolve *r = calloc(1, sizeof *r);
  if (r) {
    r->host = strdup(host);
    r->port = strdup(port);
  }
  if (!r || !r->host || !r->port) {
    if (r) free(r->host), free(r->port);
    free(r);
    return -ENOMEM;
  }
  r->flags = flags;
  atomic_init(&r->holders, 2);
  /* A wait with the reason executor (and the job's id), as asyncio's getaddrinfo is. A
   * cancelled caller returns at once; the job goes on and drops its hold when it ends. */
  int rc = lt_to_thread_at(resolve_job, r, NULL, site);
  if (rc < 0 && rc != -ECANCELED) resolve_drop(r); /* never submitted (the job returns 0) */
  if (rc == 0 && r->gai != 0) {
    fprintf(stderr, "looptrace: cannot resolve %s:%s: %s\n", host, port, gai_strerror(r->gai));
    rc = -EHOSTUNREACH;
  }
  if (rc == 0) {
    *res = r->res; /* the job is done: ours now */
    r->res = NULL;
  }
  resolve_drop(r);
  return rc;
}

int lt_open_connection_at(const char *host, const char *port, lt_stream **out,
                          const lt_srcloc *site) {
  if (out) *out = NULL;
  if (!lt__task_check("lt_open_connection")) return -EPERM;
  if (!host || !port || !out) {
    lt__misuse("lt_open_connection needs a host, a port and somewhere to put the stream");
    return -EINVAL;
  }
  struct addrinfo *res = NULL;
  int rc = resolve_at(host, port, 0, &res, site);
  if (rc < 0) return rc;
  rc = -ECONNREFUSED;
  for (struct addrinfo *a = res; a; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      rc = -errno;
      continue;
    }
    rc = lt_connect_at(fd, a->ai_addr, a->ai_addrlen, site);
    if (rc == 0) {
      int one = 1;
      if (a->ai_family == AF_INET || a->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      *out = lt_stream_new(fd);
      if (!*out) {
        rc = -errno;
        close(fd);
      }
      break;
    }
    close(fd);
    if (rc == -ECANCELED) break;
  }
  freeaddrinfo(res);
  return rc;
}

/* ---- servers ---- */

struct lt_server {
  lt__obj obj;
  lt_loop *loop;
  int fd;
  int port;
  lt_stream_handler handler;
  void *arg;
  lt_task *acceptor;
};

static void server_destroy(lt__obj *o) {
  lt_server *srv = lt__container_of(o, lt_server, obj);
  if (srv->fd >= 0) close(srv->fd);
  free(srv);
}

typedef struct conn {
  lt_server *srv;
  lt_stream *stream;
} conn;

/* client_connected_cb's task: the handler, then the stream is closed. */
static int conn_task(void *arg, void **result) {
  conn c = *(conn *)arg;
  free(arg);
  (void)result;
  int rc = c.srv->handler(c.stream, c.srv->arg);
  lt_stream_close(c.stream);
  lt__obj_release(&c.srv->obj);
  return rc;
}

/* The server's accept loop; it holds a reference to the server until it ends. */
static int accept_loop(lt_server *srv) {
  for (;;) {
    int fd = lt_accept(srv->fd, NULL, NULL);
    if (fd == -ECANCELED) return 0;
    if (fd < 0) {
      if (fd == -EMFILE || fd == -ENFILE || fd == -ENOBUFS || fd == -ENOMEM) {
        lt_sleep(LT_SEC(1)); /* asyncio's ACCEPT_RETRY_DELAY: out of fds, try again later */
        continue;
      }
      if (fd == -ECONNABORTED || fd == -EINTR) continue;
      return fd;
    }
    conn *c = malloc(sizeof *c);
    lt_stream *s = c ? lt_stream_new(fd) : NULL;
    if (!s) {
      free(c);
      close(fd);
      continue;
    }
    *c = (conn){srv, s};
    lt__obj_retain(&srv->obj);
    lt_task *t = lt_spawn_named(conn_task, c, "connection");
    if (!t) {
      lt_stream_close(s);
      lt__obj_release(&srv->obj);
      free(c);
      continue;
    }
    lt_task_release(t);
  }
}

static int accept_task(void *arg, void **result) {
  lt_server *srv = arg;
  (void)result;
  int rc = accept_loop(srv);
  lt__obj_release(&srv->obj);
  return rc;
}

/* A listening socket on host:port (numeric: the loop must not block on a resolver here). */
static int listen_on(const char *host, const char *port, int *port_out) {
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV};
  struct addrinfo *res = NULL;
  int gai = getaddrinfo(host ? host : "127.0.0.1", port, &hints, &res);
  if (gai != 0) {
    lt__misuse("lt_start_server: %s:%s: %s (a numeric address and port)", host ? host : "",
               port, gai_strerror(gai));
    return -EINVAL;
  }
  int fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int rc = fd < 0 ? -errno : 0;
  int one = 1;
  if (rc == 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (rc == 0 && (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 100) < 0))
    rc = -errno;
  freeaddrinfo(res);
  if (rc < 0) {
    if (fd >= 0) close(fd);
    return rc;
  }
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  getsockname(fd, (struct sockaddr *)&ss, &len);
  *port_out = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);
  return fd;
}

lt_server *lt_start_server(const char *host, const char *port, lt_stream_handler handler,
                           void *arg) {
  lt_loop *loop = lt__loop_check("lt_start_server");
  if (!loop) {
    errno = EPERM;
    return NULL;
  }
  if (!handler || !port) {
    lt__misuse("lt_start_server needs a port and a handler");
    errno = EINVAL;
    return NULL;
  }
  lt_server *srv = calloc(1, sizeof *srv);
  if (!srv) return NULL;
  srv->fd = listen_on(host, port, &srv->port);
  if (srv->fd < 0) {
    errno = -srv->fd;
    free(srv);
    return NULL;
  }
  lt__obj_register(loop, &srv->obj, server_destroy);
  srv->loop = loop;
  srv->handler = handler;
  srv->arg = arg;
  lt__obj_retain(&srv->obj); /* the accept task's */
  srv->acceptor = lt_spawn_named(accept_task, srv, "server");
  if (!srv->acceptor) {
    int e = errno;
    lt__obj_release(&srv->obj);
    lt__obj_release(&srv->obj);
    errno = e;
    return NULL;
  }
  return srv;
}

int lt_server_port(const lt_server *srv) { return srv ? srv->port : -1; }

void lt_server_close(lt_server *srv) {
  if (!srv || srv->loop != lt__tls_loop) return;
  lt_task_cancel(srv->acceptor);
  lt_task_release(srv->acceptor);
  lt__obj_release(&srv->obj);
}

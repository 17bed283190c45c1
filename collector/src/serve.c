/* serve.c: `looptrace serve`: the collector daemon. This first part is its ingest: any number
 * of traced programs stream to a Unix socket (per user, mode 0600) or a loopback TCP port;
 * one thread decodes every stream (epoll, one ltc_stream per connection) and owns the single
 * SQLite writer, committing at least every 100 ms. SIGTERM / SIGINT end the streams still
 * running as "interrupted", commit everything and exit 0. The web UI and its websocket API
 * will run in a thread of their own (libwebsockets), reading the database. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "stream.h"

#define MAX_CONNECTIONS 4096
#define COMMIT_EVERY_MS 100

typedef struct conn {
  int fd;
  ltc_stream *stream;
} conn;

typedef enum { TAG_SIGNAL = 1, TAG_LISTENER, TAG_CONN } tag;

static const char serve_usage[] =
    "usage: looptrace serve [--db FILE] [--ingest unix:PATH | --ingest tcp:127.0.0.1:PORT]...\n"
    "  The collector: stores the trace of every program that streams to it.\n"
    "  --db FILE     the database (default: $LOOPTRACE_DB or ~/.local/share/looptrace/looptrace.db)\n"
    "  --ingest SPEC where programs stream to (default: a Unix socket of your own, printed at\n"
    "                start); programs find it with LOOPTRACE=SPEC. TCP binds only the address\n"
    "                given (use 127.0.0.1 for this machine alone); port 0 picks a free one.\n"
    "  SIGTERM or ^C stops it: streams still running are stored as interrupted.\n";

static int listen_unix(const char *path) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof sa.sun_path) return -ENAMETOOLONG;
  memcpy(sa.sun_path, path, strlen(path) + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -errno;
  /* A socket file left by a collector that died is stale; one that answers is in use. */
  if (ltc_collector_listens(path)) {
    close(fd);
    return -EADDRINUSE;
  }
  unlink(path);
  mode_t old = umask(0177); /* the socket is the user's alone (0600) */
  int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
  umask(old);
  if (rc < 0 || listen(fd, 128) < 0) {
    rc = -errno;
    close(fd);
    return rc;
  }
  return fd;
}

static int listen_tcp(const char *hostport) {
  char host[64];
  const char *colon = strrchr(hostport, ':');
  if (!colon || (size_t)(colon - hostport) >= sizeof host) return -EINVAL;
  memcpy(host, hostport, (size_t)(colon - hostport));
  host[colon - hostport] = 0;
  char *end;
  long port = strtol(colon + 1, &end, 10);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (*end || port < 0 || port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1)
    return -EINVAL;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -errno;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 128) < 0) {
    int rc = -errno;
    close(fd);
    return rc;
  }
  return fd;
}

static void watch(int ep, int fd, tag t, void *ptr) {
  struct epoll_event ev = {.events = EPOLLIN};
  ev.data.u64 = (uint64_t)t | (uint64_t)(uintptr_t)ptr << 8;
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

int ltc_cmd_serve(int argc, char **argv) {
  const char *db = NULL, *specs[8];
  int nspecs = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      fputs(serve_usage, stdout);
      return 0;
    } else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
      db = argv[++i];
    } else if (strcmp(argv[i], "--ingest") == 0 && i + 1 < argc && nspecs < 8) {
      specs[nspecs++] = argv[++i];
    } else {
      fprintf(stderr, "looptrace serve: unexpected argument '%s'\n%s", argv[i], serve_usage);
      return 2;
    }
  }
  char sockpath[300], unixspec[310];
  if (nspecs == 0) {
    ltc_default_ingest_socket(sockpath, sizeof sockpath);
    snprintf(unixspec, sizeof unixspec, "unix:%s", sockpath);
    specs[nspecs++] = unixspec;
  }
  char path[4096];
  ltc_store *store = ltc_open_db("serve", &db, path, sizeof path);
  if (!store) return 1;

  /* Signals arrive as readable data, between two streams' reads, never in the middle. */
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigprocmask(SIG_BLOCK, &sigs, NULL);
  signal(SIGPIPE, SIG_IGN);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  int sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
  watch(ep, sfd, TAG_SIGNAL, NULL);
  int listeners[8], nl = 0, status = 0;
  const char *unlink_me = NULL;
  for (int i = 0; i < nspecs; i++) {
    int fd = strncmp(specs[i], "unix:", 5) == 0  ? listen_unix(specs[i] + 5)
             : strncmp(specs[i], "tcp:", 4) == 0 ? listen_tcp(specs[i] + 4)
                                                 : -EINVAL;
    if (fd < 0) {
      fprintf(stderr, "looptrace serve: cannot listen on %s: %s\n", specs[i],
              fd == -EADDRINUSE ? "a collector already listens there" : strerror(-fd));
      status = 1;
      break;
    }
    if (strncmp(specs[i], "unix:", 5) == 0) unlink_me = specs[i] + 5;
    listeners[nl++] = fd;
    watch(ep, fd, TAG_LISTENER, NULL);
    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    if (strncmp(specs[i], "tcp:", 4) == 0 &&
        getsockname(fd, (struct sockaddr *)&bound, &blen) == 0) {
      /* with port 0 the kernel chose one: say which */
      char host[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, &bound.sin_addr, host, sizeof host);
      printf("looptrace serve: programs stream here with LOOPTRACE=tcp:%s:%u\n", host,
             ntohs(bound.sin_port));
    } else {
      printf("looptrace serve: programs stream here with LOOPTRACE=%s\n", specs[i]);
    }
  }
  if (status == 0) printf("looptrace serve: storing sessions in %s\n", db);
  fflush(stdout);

  conn *conns[MAX_CONNECTIONS];
  int nconns = 0;
  uint64_t stored = 0;
  static uint8_t buf[1 << 16];
  struct timespec last;
  clock_gettime(CLOCK_MONOTONIC, &last);
  bool stop = status != 0;
  while (!stop) {
    struct epoll_event evs[64];
    int n = epoll_wait(ep, evs, 64, COMMIT_EVERY_MS);
    for (int i = 0; i < n; i++) {
      tag t = (tag)(evs[i].data.u64 & 0xff);
      if (t == TAG_SIGNAL) {
        stop = true;
      } else if (t == TAG_LISTENER) {
        for (int l = 0; l < nl; l++) {
          int fd;
          while ((fd = accept4(listeners[l], NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
            conn *c = nconns < MAX_CONNECTIONS ? calloc(1, sizeof *c) : NULL;
            if (c) c->stream = ltc_stream_new(store, NULL);
            if (!c || !c->stream) {
              free(c); /* refused: the program says once that it goes on untraced */
              close(fd);
              continue;
            }
            c->fd = fd;
            conns[nconns++] = c;
            watch(ep, fd, TAG_CONN, c);
          }
        }
      } else {
        conn *c = (conn *)(uintptr_t)(evs[i].data.u64 >> 8);
        ssize_t got = read(c->fd, buf, sizeof buf);
        if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        int rc = got > 0 ? ltc_stream_feed(c->stream, buf, (size_t)got) : 0;
        if (got > 0 && rc == 0) continue;
        /* the program ended its stream (or died), or storing failed: this session is done */
        ltc_stream_result res;
        if (ltc_stream_finish(c->stream, false, &res) < 0 || rc < 0)
          fprintf(stderr, "looptrace serve: storing: %s\n", ltc_store_error(store));
        if (res.session) stored++;
        close(c->fd); /* closing removes it from epoll */
        for (int k = 0; k < nconns; k++)
          if (conns[k] == c) conns[k] = conns[--nconns];
        free(c);
      }
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if ((now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000 >=
        COMMIT_EVERY_MS) {
      if (ltc_store_commit(store) < 0)
        fprintf(stderr, "looptrace serve: commit: %s\n", ltc_store_error(store));
      last = now;
    }
  }
  /* Stopping: what is still streaming is stored as interrupted; all of it committed. */
  int interrupted = 0;
  for (int k = 0; k < nconns; k++) {
    ltc_stream_result res;
    ltc_stream_finish(conns[k]->stream, true, &res);
    if (res.session) interrupted++;
    close(conns[k]->fd);
    free(conns[k]);
  }
  if (ltc_store_commit(store) < 0) status = 1;
  ltc_store_close(store);
  for (int l = 0; l < nl; l++) close(listeners[l]);
  if (unlink_me) unlink(unlink_me);
  close(sfd);
  close(ep);
  if (nl) {
    printf("looptrace serve: stopped; %llu sessions stored, %d interrupted\n",
           (unsigned long long)stored, interrupted);
    fflush(stdout);
  }
  return status;
}

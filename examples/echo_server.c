/* echo_server: a TCP echo server on the runtime, as a user would start one: one task accepts,
 * one task per connection reads and writes back what it read; SIGINT or SIGTERM shut it down
 * through the loop (a task waits on a signalfd and stops the acceptor; lt_run then cancels the
 * connections, which close their sockets). Usage:
 *   echo_server [--host ADDR] [--port N] [--max-connections N]
 * --port 0 picks a free port. It prints "echo_server: listening on ADDR:PORT" once it listens,
 * and at the end how many connections it served and refused (those past --max-connections
 * are accepted and closed at once). LOOPTRACE=... traces it like any program here. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <looptrace.h>

typedef struct server {
  int listener;
  int sigfd;
  long max_connections;
  long active, served, refused;
  lt_task *acceptor;
} server;

static server srv;

/* One connection: echo until the peer closes, an error, or shutdown (-ECANCELED). */
static int connection(void *arg, void **result) {
  int fd = (int)(intptr_t)arg;
  char buf[16384];
  ssize_t n;
  while ((n = lt_read(fd, buf, sizeof buf)) > 0)
    if (lt_write(fd, buf, (size_t)n) < 0) break;
  close(fd);
  srv.active--;
  return 0;
}

/* SIGINT / SIGTERM arrive on a signalfd: stop accepting, and let lt_run wind down the rest. */
static int signals(void *arg, void **result) {
  struct signalfd_siginfo si;
  for (;;) {
    int rc = lt_wait_fd(srv.sigfd, LT_READABLE);
    if (rc < 0) return rc == -ECANCELED ? 0 : rc;
    if (read(srv.sigfd, &si, sizeof si) == (ssize_t)sizeof si) break;
  }
  fprintf(stderr, "echo_server: %s, shutting down\n", strsignal((int)si.ssi_signo));
  lt_task_cancel(srv.acceptor);
  return 0;
}

static int acceptor(void *arg, void **result) {
  for (;;) {
    int fd = lt_accept(srv.listener, NULL, NULL);
    if (fd == -ECANCELED) return 0;
    if (fd < 0) {
      /* out of fds or memory: say so, and keep serving the connections there are */
      fprintf(stderr, "echo_server: accept: %s\n", lt_strerror(fd));
      if (lt_sleep(LT_MSEC(100)) < 0) return 0;
      continue;
    }
    if (srv.active >= srv.max_connections) {
      close(fd);
      srv.refused++;
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    lt_task *t = lt_spawn_named(connection, (void *)(intptr_t)fd, "connection");
    if (!t) {
      close(fd);
      srv.refused++;
      continue;
    }
    lt_task_release(t); /* it runs on its own; lt_run cancels it at shutdown */
    srv.active++;
    srv.served++;
  }
}

static int amain(void *arg, void **result) {
  lt_task *sig = lt_spawn_named(signals, NULL, "signals");
  srv.acceptor = lt_spawn_named(acceptor, NULL, "acceptor");
  int rc = lt_await(srv.acceptor, NULL);
  lt_task_cancel(sig);
  lt_await(sig, NULL);
  lt_task_release(sig);
  lt_task_release(srv.acceptor);
  return rc;
}

static int usage(void) {
  fprintf(stderr, "usage: echo_server [--host ADDR] [--port N] [--max-connections N]\n");
  return 2;
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1";
  long port = 7000;
  srv.max_connections = 1024;
  for (int i = 1; i < argc; i++) {
    char *end = NULL;
    if (strcmp(argv[i], "--host") == 0 && i + 1 < argc) {
      host = argv[++i];
    } else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = strtol(argv[++i], &end, 10);
      if (*end || port < 0 || port > 65535) return usage();
    } else if (strcmp(argv[i], "--max-connections") == 0 && i + 1 < argc) {
      srv.max_connections = strtol(argv[++i], &end, 10);
      if (*end || srv.max_connections < 1) return usage();
    } else {
      return usage();
    }
  }
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
    fprintf(stderr, "echo_server: %s is not an IPv4 address\n", host);
    return 2;
  }
  srv.listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(srv.listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  socklen_t len = sizeof sa;
  if (srv.listener < 0 || bind(srv.listener, (struct sockaddr *)&sa, sizeof sa) != 0 ||
      listen(srv.listener, 1024) != 0 ||
      getsockname(srv.listener, (struct sockaddr *)&sa, &len) != 0) {
    fprintf(stderr, "echo_server: cannot listen on %s:%ld: %s\n", host, port, strerror(errno));
    return 1;
  }
  /* The signals are blocked and read from a signalfd by a task: shutdown goes through the
   * loop like any other event. */
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGTERM);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  srv.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (srv.sigfd < 0) {
    perror("echo_server: signalfd");
    return 1;
  }
  printf("echo_server: listening on %s:%u\n", host, ntohs(sa.sin_port));
  fflush(stdout);
  int rc = lt_run(amain, NULL, NULL, NULL);
  close(srv.listener);
  close(srv.sigfd);
  printf("echo_server: served %ld connections, refused %ld\n", srv.served, srv.refused);
  return rc == 0 ? 0 : 1;
}

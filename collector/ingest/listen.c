/* listen.c: see listen.h. */
#define _GNU_SOURCE
#include "ingest/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/addr.h"

/* Connections waiting for accept: a thousand programs starting at once must not be reset
 * (the kernel caps it at net.core.somaxconn, 4096 by default). */
#define BACKLOG 4096

static int listen_unix(const char *path, ltc_listener *l, ltc_err *err) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof sa.sun_path)
    return ltc_fail(err, -ENAMETOOLONG, "the socket path is too long");
  memcpy(sa.sun_path, path, strlen(path) + 1);
  /* A socket file left by a collector that died is stale; one that answers is in use. */
  if (ltc_collector_listens(path))
    return ltc_fail(err, -EADDRINUSE, "a collector already listens there");
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return ltc_fail(err, -errno, "%s", strerror(errno));
  unlink(path);
  mode_t old = umask(0177); /* the socket is the user's alone (0600) */
  int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
  umask(old);
  if (rc < 0 || listen(fd, BACKLOG) < 0) {
    rc = ltc_fail(err, -errno, "%s", strerror(errno));
    close(fd);
    return rc;
  }
  l->fd = fd;
  snprintf(l->spec, sizeof l->spec, "unix:%s", path);
  snprintf(l->unlink, sizeof l->unlink, "%s", path);
  return 0;
}

static int listen_tcp(const char *hostport, bool allow_remote, ltc_listener *l, ltc_err *err) {
  struct sockaddr_in sa;
  int rc = ltc_addr_parse(hostport, &sa, err);
  if (rc < 0) return rc;
  if (!ltc_addr_is_loopback(&sa) && !allow_remote)
    return ltc_fail(err, -EPERM,
                    "%s is not a loopback address: any machine that reaches it could stream "
                    "into your database; add --allow-remote if you mean it",
                    hostport);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return ltc_fail(err, -errno, "%s", strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  socklen_t len = sizeof sa;
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, BACKLOG) < 0 ||
      getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
    rc = ltc_fail(err, -errno, "%s", strerror(errno));
    close(fd);
    return rc;
  }
  /* with port 0 the kernel chose one: programs are told which */
  char host[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
  l->fd = fd;
  snprintf(l->spec, sizeof l->spec, "tcp:%s:%u", host, ntohs(sa.sin_port));
  l->unlink[0] = 0;
  return 0;
}

int ltc_listen(const char *spec, bool allow_remote, ltc_listener *out, ltc_err *err) {
  memset(out, 0, sizeof *out);
  out->fd = -1;
  if (strncmp(spec, "unix:", 5) == 0) return listen_unix(spec + 5, out, err);
  if (strncmp(spec, "tcp:", 4) == 0) return listen_tcp(spec + 4, allow_remote, out, err);
  return ltc_fail(err, -EINVAL, "an ingest is unix:PATH or tcp:ADDRESS:PORT, not '%s'", spec);
}

void ltc_listener_close(ltc_listener *l) {
  if (l->fd >= 0) close(l->fd);
  l->fd = -1;
  if (l->unlink[0]) unlink(l->unlink);
  l->unlink[0] = 0;
}

int ltc_default_ingest_socket(char *buf, size_t len, ltc_err *err) {
  const char *run = getenv("XDG_RUNTIME_DIR"), *tmp = getenv("TMPDIR");
  char dir[256];
  if (run && *run)
    snprintf(dir, sizeof dir, "%s/looptrace", run);
  else
    snprintf(dir, sizeof dir, "%s/looptrace-%u", tmp && *tmp ? tmp : "/tmp", (unsigned)getuid());
  snprintf(buf, len, "%s/ingest.sock", dir);
  if (mkdir(dir, 0700) < 0 && errno != EEXIST)
    return ltc_fail(err, -errno, "cannot make %s: %s", dir, strerror(errno));
  struct stat st;
  if (lstat(dir, &st) < 0) return ltc_fail(err, -errno, "%s: %s", dir, strerror(errno));
  if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077))
    return ltc_fail(err, -EPERM,
                    "%s is not a directory of yours alone (owner uid %u, mode %04o): another "
                    "user may have made it to be handed your traces; remove it, or set "
                    "XDG_RUNTIME_DIR",
                    dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
  return 0;
}

bool ltc_collector_listens(const char *path) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  struct stat st;
  if (strlen(path) >= sizeof sa.sun_path || lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode) ||
      st.st_uid != getuid())
    return false;
  memcpy(sa.sun_path, path, strlen(path) + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
  if (fd >= 0) close(fd);
  return ok;
}

int ltc_private_socket(char *dir, const char *name, char *path, size_t len, ltc_err *err) {
  if (!mkdtemp(dir)) return ltc_fail(err, -errno, "mkdtemp: %s", strerror(errno));
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", dir, name) >=
      sizeof sa.sun_path) {
    rmdir(dir);
    return ltc_fail(err, -ENAMETOOLONG, "socket path %s/%s is too long", dir, name);
  }
  snprintf(path, len, "%s", sa.sun_path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1) < 0) {
    int rc = -errno;
    ltc_fail(err, rc, "socket %s: %s", sa.sun_path, strerror(errno));
    ltc_private_close(fd, dir, sa.sun_path);
    return rc;
  }
  return fd;
}

void ltc_private_close(int fd, const char *dir, const char *path) {
  if (fd >= 0) close(fd);
  unlink(path);
  rmdir(dir);
}

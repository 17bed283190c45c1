/* net.c: non-blocking socket calls that park the calling task instead of blocking the loop
 * (asyncio's sock_connect / sock_accept / sock_recv / sock_sendall): try the call, and only
 * when it would block, wait for the fd's readiness and try again (a read is made by the
 * readiness handle itself, as sock_recv's is). A read is not tried when io.c knows the fd
 * empty (a short read earlier in the same step), as libuv reads until short. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

int lt_set_nonblocking(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return -errno;
  int fdfl = fcntl(fd, F_GETFD);
  if (fdfl < 0 || fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) < 0) return -errno;
  return 0;
}

int lt_connect_at(int fd, const struct sockaddr *addr, socklen_t len, const lt_srcloc *site) {
  lt_task *t = lt__task_check("lt_connect");
  if (!t) return -EPERM;
  lt__io_forget(t->fut.loop, fd); /* a new socket, whatever the number named before */
  if (connect(fd, addr, len) == 0) return 0;
  if (errno != EINPROGRESS && errno != EINTR) return -errno;
  int rc = lt__wait_fd(t, fd, LT_WRITABLE, site);
  if (rc < 0) return rc;
  int err = 0;
  socklen_t elen = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) return -errno;
  return -err;
}

int lt_accept_at(int fd, struct sockaddr *addr, socklen_t *len, const lt_srcloc *site) {
  lt_task *t = lt__task_check("lt_accept");
  if (!t) return -EPERM;
  for (;;) {
    int c = accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c >= 0) {
      lt__io_forget(t->fut.loop, c); /* a new file, whatever the number named before */
      return c;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -errno;
    int rc = lt__wait_fd_blocked(t, fd, LT_READABLE, site);
    if (rc < 0) return rc;
  }
}

ssize_t lt_read_at(int fd, void *buf, size_t n, const lt_srcloc *site) {
  lt_task *t = lt__task_check("lt_read");
  if (!t) return -EPERM;
  for (;;) {
    /* Known empty (its last read in this step came back short, and nothing since could have
     * filled it): wait for the edge instead of a read that would say EAGAIN. */
    if (!lt__io_known_empty(t, fd)) {
      ssize_t got = read(fd, buf, n);
      if (got >= 0) {
        if (got > 0 && (size_t)got < n) lt__io_read_short(t, fd);
        return got;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -errno;
    }
    /* asyncio's sock_recv reads in the reader callback, as soon as the fd is reported: so
     * does this, and not when the task resumes a step later (it would read more). */
    return lt__read_fd(t, fd, buf, n, site);
  }
}

/* One write that never raises SIGPIPE on a socket whose peer is gone. */
static ssize_t write_once(int fd, const void *buf, size_t n) {
  ssize_t w = send(fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (w < 0 && errno == ENOTSOCK) w = write(fd, buf, n);
  return w;
}

ssize_t lt_write_at(int fd, const void *buf, size_t n, const lt_srcloc *site) {
  lt_task *t = lt__task_check("lt_write");
  if (!t) return -EPERM;
  size_t done = 0;
  while (done < n) {
    ssize_t w = write_once(fd, (const char *)buf + done, n - done);
    if (w >= 0) {
      done += (size_t)w;
      lt__io_wrote(t, fd);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -errno;
    int rc = lt__wait_fd_blocked(t, fd, LT_WRITABLE, site);
    if (rc < 0) return rc;
  }
  return (ssize_t)n;
}

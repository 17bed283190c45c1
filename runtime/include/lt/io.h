/* lt/io.h: waiting for a file descriptor's readiness (epoll) and non-blocking socket helpers
 * that suspend the calling task instead of blocking the loop. */
#ifndef LT_IO_H
#define LT_IO_H

#include <sys/socket.h>
#include <sys/types.h>

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { LT_READABLE = 1, LT_WRITABLE = 2 };

/* Suspends until fd is readable and/or writable (events: LT_READABLE|LT_WRITABLE). Returns the
 * ready subset (> 0; errors and hang-ups count as both), -ECANCELED, -EBADF, or -EBUSY when
 * another task already waits on fd for the same direction. */
int lt_wait_fd_at(int fd, int events, const lt_srcloc *site);
#define lt_wait_fd(fd, events) lt_wait_fd_at((fd), (events), LT_HERE)

/* Sets O_NONBLOCK (and FD_CLOEXEC). */
int lt_set_nonblocking(int fd);
/* Connects a non-blocking socket, waiting for the handshake. 0 or -errno. */
int lt_connect_at(int fd, const struct sockaddr *addr, socklen_t len, const lt_srcloc *site);
#define lt_connect(fd, addr, len) lt_connect_at((fd), (addr), (len), LT_HERE)
/* Accepts a connection (the new fd is non-blocking and close-on-exec). fd or -errno. */
int lt_accept_at(int fd, struct sockaddr *addr, socklen_t *len, const lt_srcloc *site);
#define lt_accept(fd, addr, len) lt_accept_at((fd), (addr), (len), LT_HERE)
/* Reads at most n bytes once data is there: bytes read, 0 at end of file, or -errno. */
ssize_t lt_read_at(int fd, void *buf, size_t n, const lt_srcloc *site);
#define lt_read(fd, buf, n) lt_read_at((fd), (buf), (n), LT_HERE)
/* Writes all n bytes, waiting whenever the fd is full: n, or -errno. */
ssize_t lt_write_at(int fd, const void *buf, size_t n, const lt_srcloc *site);
#define lt_write(fd, buf, n) lt_write_at((fd), (buf), (n), LT_HERE)

#ifdef __cplusplus
}
#endif
#endif

/* peer.h: who is on the other end of a connection to the daemon: the user a local process
 * runs as, so that what one user traced is served to that user alone (docs/architecture.md,
 * "Who may connect"). */
#ifndef LTC_PEER_H
#define LTC_PEER_H

#include <stdbool.h>
#include <sys/types.h>

/* The uid of the process at the other end of fd: SO_PEERCRED for a Unix socket; for a
 * loopback TCP connection, the owner of the peer's socket as the kernel says it (sock_diag
 * over netlink, the way identd answers). 0, -ENOENT when it is not found (not local, or
 * gone), -EAFNOSUPPORT for another kind of socket, or -errno. */
int ltc_peer_uid(int fd, uid_t *uid);
/* The peer of fd may be served: a process of this user or of root on this machine (a Unix
 * socket, or TCP over loopback), or, with remote_ok, a peer on another machine. */
bool ltc_peer_allowed(int fd, bool remote_ok);

#endif

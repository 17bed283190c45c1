/* peer.c: see peer.h. */
#define _GNU_SOURCE
#include "base/peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/addr.h"

/* The uid of the TCP socket whose local end is local and whose remote end is remote, as
 * /proc/net/tcp lists it ("sl local rem st ... uid ...", addresses as hex in memory order). */
static int tcp_owner(const struct sockaddr_in *local, const struct sockaddr_in *remote,
                     uid_t *uid) {
  FILE *f = fopen("/proc/net/tcp", "re");
  if (!f) return -errno;
  char line[512];
  int rc = -ENOENT;
  if (!fgets(line, sizeof line, f)) line[0] = 0; /* the header */
  while (rc == -ENOENT && fgets(line, sizeof line, f)) {
    unsigned la, lp, ra, rp, st, owner;
    if (sscanf(line, " %*u: %x:%x %x:%x %x %*x:%*x %*x:%*x %*x %u", &la, &lp, &ra, &rp, &st,
               &owner) != 6)
      continue;
    if (la == local->sin_addr.s_addr && lp == ntohs(local->sin_port) &&
        ra == remote->sin_addr.s_addr && rp == ntohs(remote->sin_port)) {
      *uid = (uid_t)owner;
      rc = 0;
    }
  }
  fclose(f);
  return rc;
}

int ltc_peer_uid(int fd, uid_t *uid) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return -errno;
  if (ss.ss_family == AF_UNIX) {
    struct ucred cred;
    socklen_t cl = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0) return -errno;
    *uid = cred.uid;
    return 0;
  }
  if (ss.ss_family != AF_INET) return -EAFNOSUPPORT;
  struct sockaddr_in ours, theirs;
  memcpy(&ours, &ss, sizeof ours);
  len = sizeof theirs;
  if (getpeername(fd, (struct sockaddr *)&theirs, &len) < 0) return -errno;
  /* the peer's socket: its local end is our remote end, and the other way round */
  return tcp_owner(&theirs, &ours, uid);
}

bool ltc_peer_allowed(int fd, bool remote_ok) {
  struct sockaddr_in peer;
  socklen_t len = sizeof peer;
  uid_t uid;
  if (getpeername(fd, (struct sockaddr *)&peer, &len) == 0 && peer.sin_family == AF_INET &&
      !ltc_addr_is_loopback(&peer))
    return remote_ok;
  return ltc_peer_uid(fd, &uid) == 0 && (uid == getuid() || uid == 0);
}

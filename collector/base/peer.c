/* peer.c: see peer.h. */
#define _GNU_SOURCE
#include "base/peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/addr.h"

/* The uid of the TCP socket whose local end is local and whose remote end is remote, asked of
 * the kernel by its four numbers (sock_diag over netlink: one exact answer, where reading
 * /proc/net/tcp would be a walk that can miss sockets made or closed meanwhile). */
static int tcp_owner(const struct sockaddr_in *local, const struct sockaddr_in *remote,
                     uid_t *uid) {
  int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (nl < 0) return -errno;
  struct {
    struct nlmsghdr h;
    struct inet_diag_req_v2 r;
  } req = {
      .h = {.nlmsg_len = sizeof req, .nlmsg_type = SOCK_DIAG_BY_FAMILY,
            .nlmsg_flags = NLM_F_REQUEST},
      .r = {.sdiag_family = AF_INET, .sdiag_protocol = IPPROTO_TCP, .idiag_states = ~0u,
            .id = {.idiag_sport = local->sin_port, .idiag_dport = remote->sin_port,
                   .idiag_src = {local->sin_addr.s_addr}, .idiag_dst = {remote->sin_addr.s_addr},
                   .idiag_cookie = {INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE}}},
  };
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  int rc = -ENOENT;
  if (sendto(nl, &req, sizeof req, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
    rc = -errno;
  } else {
    long buf[1024]; /* aligned for the headers */
    ssize_t n = recv(nl, buf, sizeof buf, 0);
    const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
    if (n < 0)
      rc = -errno;
    else if (NLMSG_OK(h, (size_t)n) && h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
             h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
      *uid = ((const struct inet_diag_msg *)NLMSG_DATA(h))->idiag_uid;
      rc = 0;
    }
  }
  close(nl);
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

/* access.h: who the daemon's web side answers (docs/architecture.md, "Who may connect"): a
 * process of the daemon's own user (or root) on this machine, asking by a name of this daemon
 * (Host), from no web page or from the daemon's own pages or an origin the user allowed
 * (Origin). Everything else is refused, and counted. */
#ifndef LTC_ACCESS_H
#define LTC_ACCESS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#define LTC_ACCESS_MAX_ORIGINS 16

typedef struct ltc_access {
  struct sockaddr_in bound;  /* the address and port listened on */
  const char *origins[LTC_ACCESS_MAX_ORIGINS]; /* --allow-origin, exactly as given */
  size_t norigins;
  /* refusals so far, by reason (read by the status API; updated on the web thread) */
  unsigned long refused_user, refused_host, refused_origin;
} ltc_access;

/* A connection from fd's peer may go on: it is remote (the user bound beyond loopback, and
 * said so), or a local process of this user or of root. */
bool ltc_access_peer(ltc_access *a, int fd);
/* host (a Host header's value, NULL when there was none) names this daemon: a loopback name
 * (127.0.0.1, localhost, [::1]) or the address it is bound to, with its port. */
bool ltc_access_host(ltc_access *a, const char *host);
/* origin (an Origin header's value, NULL when there was none, as from a program that is not a
 * browser) may use the API: none, this daemon's own pages, or one of --allow-origin. */
bool ltc_access_origin(ltc_access *a, const char *origin);

#endif

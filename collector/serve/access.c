/* access.c: see access.h. */
#define _GNU_SOURCE
#include "serve/access.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/addr.h"
#include "base/peer.h"

bool ltc_access_peer(ltc_access *a, int fd) {
  bool ok = ltc_peer_allowed(fd, !ltc_addr_is_loopback(&a->bound));
  if (!ok) __atomic_add_fetch(&a->refused_user, 1, __ATOMIC_RELAXED);
  return ok;
}

/* host[:port] (n bytes) is one of this daemon's names, with its port (none: port 80). */
static bool names_us(const ltc_access *a, const char *host, size_t n) {
  const char *colon = NULL;
  if (n && host[0] == '[') { /* an IPv6 literal: the port is after its bracket */
    const char *rb = memchr(host, ']', n);
    if (!rb) return false;
    if (rb + 1 < host + n && rb[1] != ':') return false;
    if (rb + 1 < host + n) colon = rb + 1;
  } else {
    colon = memrchr(host, ':', n);
  }
  size_t hl = colon ? (size_t)(colon - host) : n;
  unsigned long port = 80;
  if (colon) {
    char digits[8];
    size_t dl = n - hl - 1;
    if (dl == 0 || dl >= sizeof digits) return false;
    memcpy(digits, colon + 1, dl);
    digits[dl] = 0;
    char *end;
    port = strtoul(digits, &end, 10);
    if (*end) return false;
  }
  if (port != ntohs(a->bound.sin_port)) return false;
  char bound[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a->bound.sin_addr, bound, sizeof bound);
  const char *names[] = {"127.0.0.1", "localhost", "[::1]", bound};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (strlen(names[i]) == hl && strncasecmp(host, names[i], hl) == 0) return true;
  return false;
}

bool ltc_access_host(ltc_access *a, const char *host) {
  bool ok = host && *host && names_us(a, host, strlen(host));
  if (!ok) __atomic_add_fetch(&a->refused_host, 1, __ATOMIC_RELAXED);
  return ok;
}

bool ltc_access_origin(ltc_access *a, const char *origin) {
  if (!origin) return true; /* not a browser: the Host and user checks are what applies */
  bool ok = false;
  for (size_t i = 0; i < a->norigins && !ok; i++) ok = strcasecmp(origin, a->origins[i]) == 0;
  if (!ok && strncasecmp(origin, "http://", 7) == 0)
    ok = names_us(a, origin + 7, strlen(origin + 7));
  if (!ok) __atomic_add_fetch(&a->refused_origin, 1, __ATOMIC_RELAXED);
  return ok;
}

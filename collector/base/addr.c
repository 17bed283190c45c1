/* addr.c: see addr.h. */
#include "base/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ltc_addr_parse(const char *text, struct sockaddr_in *out, ltc_err *err) {
  const char *colon = text ? strrchr(text, ':') : NULL;
  char host[64];
  if (!colon || (size_t)(colon - text) >= sizeof host)
    return ltc_fail(err, -EINVAL, "wants ADDRESS:PORT, not '%s'", text ? text : "");
  memcpy(host, text, (size_t)(colon - text));
  host[colon - text] = 0;
  if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");
  char *end;
  long port = strtol(colon + 1, &end, 10);
  memset(out, 0, sizeof *out);
  out->sin_family = AF_INET;
  if (end == colon + 1 || *end || port < 0 || port > 65535 ||
      inet_pton(AF_INET, host, &out->sin_addr) != 1)
    return ltc_fail(err, -EINVAL, "wants ADDRESS:PORT, not '%s'", text);
  out->sin_port = htons((uint16_t)port);
  return 0;
}

int ltc_addr_is_loopback(const struct sockaddr_in *a) {
  return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
}

/* addr.h: "ADDRESS:PORT" for the daemon's listeners (its HTTP side and TCP ingest): one
 * parser, one way to say what is wrong with one. */
#ifndef LTC_ADDR_H
#define LTC_ADDR_H

#include <netinet/in.h>

#include "base/err.h"

/* Parses text as an IPv4 address and a port (0 to 65535; 0: any free one). 0, or -EINVAL
 * with why in err. */
int ltc_addr_parse(const char *text, struct sockaddr_in *out, ltc_err *err);
/* True for an address of this machine alone (127.0.0.0/8). */
int ltc_addr_is_loopback(const struct sockaddr_in *a);

#endif

/* listen.h: where traced programs stream to: a Unix socket of the user's own (0600) or a TCP
 * port on an address given, as the spec a program is given in LOOPTRACE (unix:PATH,
 * tcp:ADDR:PORT); and the default socket, which `serve` listens on and `record` looks for. */
#ifndef LTC_LISTEN_H
#define LTC_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

typedef struct ltc_listener {
  int fd;              /* listening, non-blocking */
  char spec[320];      /* what programs are given: the port the kernel chose for port 0 */
  char unlink[300];    /* the socket file to remove when done ("" for TCP) */
} ltc_listener;

/* Listens on spec. 0, or -errno with why in err (-EADDRINUSE: a collector answers there;
 * -EPERM: a TCP address beyond loopback, unless allow_remote). */
int ltc_listen(const char *spec, bool allow_remote, ltc_listener *out, ltc_err *err);
/* Stops listening and removes the socket file. */
void ltc_listener_close(ltc_listener *l);

/* The daemon's default ingest socket, per user: $XDG_RUNTIME_DIR/looptrace/ingest.sock, else
 * ${TMPDIR:-/tmp}/looptrace-UID/ingest.sock. The directory is made (0700) when missing; one
 * that is there must be a directory of this user's that no one else may use, else -EPERM
 * says whose it is: another user who made it first would be handed this user's traces. */
int ltc_default_ingest_socket(char *buf, size_t len, ltc_err *err);
/* True when a collector answers on the Unix socket at path, and the socket is this user's. */
bool ltc_collector_listens(const char *path);

/* A socket of this process's own to take a stream on (record's program, dump-ring's dump):
 * DIR/name in a new private directory (0700) made from dir, a mkdtemp template changed in
 * place; path gets its name. The listening fd, or -errno with why in err. */
int ltc_private_socket(char *dir, const char *name, char *path, size_t len, ltc_err *err);
/* Closes it and removes the socket and its directory. */
void ltc_private_close(int fd, const char *dir, const char *path);

#endif

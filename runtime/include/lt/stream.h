/* lt/stream.h: buffered streams over a socket or pipe (asyncio's StreamReader and StreamWriter
 * in one object), and TCP connections and servers made of them (open_connection,
 * start_server), with name resolution offloaded to the executor as asyncio does. */
#ifndef LT_STREAM_H
#define LT_STREAM_H

#include <sys/types.h>

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lt_stream lt_stream;

/* A stream over fd, which it takes over (made non-blocking; closed by lt_stream_close).
 * NULL + errno: EPERM outside a loop, EBADF, ENOMEM. */
lt_stream *lt_stream_new(int fd);
int lt_stream_fd(const lt_stream *s);
/* The longest line or separator search readline / readuntil buffer (asyncio's limit, 64 KiB
 * by default). */
int lt_stream_set_limit(lt_stream *s, size_t limit);

/* ---- reading (StreamReader); each waits with the reason "stream" ---- */
/* At most n bytes once there are some: the count, 0 at end of file, or -errno. */
ssize_t lt_stream_read_at(lt_stream *s, void *buf, size_t n, const lt_srcloc *site);
#define lt_stream_read(s, buf, n) lt_stream_read_at((s), (buf), (n), LT_HERE)
/* Exactly n bytes: n, or -ENODATA when the stream ends first (asyncio's IncompleteReadError;
 * the bytes there were stay in the stream for lt_stream_read). */
ssize_t lt_stream_readexactly_at(lt_stream *s, void *buf, size_t n, const lt_srcloc *site);
#define lt_stream_readexactly(s, buf, n) lt_stream_readexactly_at((s), (buf), (n), LT_HERE)
/* Everything up to and including sep (seplen > 0) into buf (cap bytes): the count; -ENODATA
 * when the stream ends first (what there was stays), -EMSGSIZE when no separator is within
 * the limit or cap (LimitOverrunError; the data stays). */
ssize_t lt_stream_readuntil_at(lt_stream *s, const void *sep, size_t seplen, void *buf,
                               size_t cap, const lt_srcloc *site);
#define lt_stream_readuntil(s, sep, seplen, buf, cap) \
  lt_stream_readuntil_at((s), (sep), (seplen), (buf), (cap), LT_HERE)
/* A line, "\n" included: the count; at end of file what is left (maybe 0 bytes) without
 * "\n", as asyncio's readline; -EMSGSIZE as readuntil. */
ssize_t lt_stream_readline_at(lt_stream *s, char *buf, size_t cap, const lt_srcloc *site);
#define lt_stream_readline(s, buf, cap) lt_stream_readline_at((s), (buf), (cap), LT_HERE)
/* The stream ended and its buffer is empty. */
bool lt_stream_at_eof(const lt_stream *s);

/* ---- writing (StreamWriter) ---- */
/* Sends what the kernel takes now and buffers the rest; never waits. 0 or -errno (-EPIPE once
 * the peer is gone, -EINVAL after lt_stream_write_eof). */
int lt_stream_write(lt_stream *s, const void *buf, size_t n);
/* Waits until everything written was handed to the kernel: 0 or -errno, -ECANCELED. */
int lt_stream_drain_at(lt_stream *s, const lt_srcloc *site);
#define lt_stream_drain(s) lt_stream_drain_at((s), LT_HERE)
/* Drains, then shuts the sending side down (the peer reads end of file). */
int lt_stream_write_eof_at(lt_stream *s, const lt_srcloc *site);
#define lt_stream_write_eof(s) lt_stream_write_eof_at((s), LT_HERE)
/* How many written bytes wait in the stream's buffer. */
size_t lt_stream_buffered(const lt_stream *s);
/* Closes the fd and frees the stream (what is still buffered is dropped: drain first). */
void lt_stream_close(lt_stream *s);

/* ---- TCP ---- */
/* asyncio.open_connection: resolves host (on the loop's executor, as getaddrinfo is there),
 * connects to the first address that answers, returns its stream in *out. 0, -errno, or a
 * resolver failure as -EHOSTUNREACH (the message says which). */
int lt_open_connection_at(const char *host, const char *port, lt_stream **out,
                          const lt_srcloc *site);
#define lt_open_connection(host, port, out) lt_open_connection_at((host), (port), (out), LT_HERE)

/* asyncio.start_server: each connection runs handler(stream, arg) as a task of its own; the
 * stream is closed when the handler returns. */
typedef int (*lt_stream_handler)(lt_stream *s, void *arg);
typedef struct lt_server lt_server;
/* Listens on host:port (host NULL: 127.0.0.1; port "0": any free port); NULL + errno. */
lt_server *lt_start_server(const char *host, const char *port, lt_stream_handler handler,
                           void *arg);
/* The port it listens on. */
int lt_server_port(const lt_server *srv);
/* Stops accepting (connections already handed to handlers go on) and frees the server. */
void lt_server_close(lt_server *srv);

#ifdef __cplusplus
}
#endif
#endif

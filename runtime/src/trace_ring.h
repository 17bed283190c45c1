/* trace_ring.h: the flight recorder's private interface (trace_ring.c), and what it asks of
 * the sink (trace_sink.c): opening a dump's destination and writing a stream's hello. */
#ifndef LT_TRACE_RING_H
#define LT_TRACE_RING_H

#include <stddef.h>
#include <stdint.h>

/* What a dump's hello says beyond a stream's (lt/wire.h, LT_HELLO_FLIGHT). */
typedef struct lt__hello_flight {
  int64_t from_ns, to_ns; /* the first and last record in the ring, on the trace clock */
  uint64_t lost;          /* records that fell out of the ring and are not in the preamble */
  uint64_t number;        /* 1 for the process's first dump, 2 for the next, ... */
} lt__hello_flight;

/* "SIZE" of ring:SIZE (bytes, or with K, M, G; at least 256 KiB). 0 or -EINVAL. */
int lt__ring_parse_size(const char *s, size_t *out);
/* Starts keeping chunks (at most size bytes of them), and the signal's thread. */
int lt__ring_open(size_t size, const char *label);
void lt__ring_close(void);
/* A track's chunk (header + records), copied in; the oldest fall out to make room. */
int lt__ring_put(const void *buf, size_t len);
/* Where `looptrace dump-ring PID` leaves its request: the collector's socket directory
 * ($XDG_RUNTIME_DIR/looptrace, else ${TMPDIR:-/tmp}/looptrace-UID), ring-PID.req. */
int lt__ring_request_path(int pid, char *buf, size_t len);

/* Sink (trace_sink.c): a dump's destination (file:, unix:, tcp:) opened blocking, or -errno;
 * and the stream's hello on fd, with the flight recording's fields when fl is not NULL. */
int lt__sink_open_dump(const char *spec);
int lt__sink_write_hello(int fd, const char *label, const lt__hello_flight *fl);

#endif

/* daemon.h: the collector daemon (`looptrace serve`): its ingest thread, which stores every
 * stream and carries out the web thread's commands, and its web thread (web.h). */
#ifndef LTC_DAEMON_H
#define LTC_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ltc_daemon_config {
  const char *db;               /* the database (a path: the web thread opens it too) */
  const char *http;             /* ADDR:PORT of the UI and API (port 0: any free one) */
  const char *web_root;         /* the UI's files */
  const char *const *ingest;    /* where programs stream to (listen.h specs) */
  size_t ningest;
  size_t client_queue;          /* live records queued for one websocket client, at most */
  const char *const *allow_origin; /* web pages of these origins may use the API too */
  size_t nallow_origin;
  bool allow_remote;            /* --http / TCP ingest may be beyond loopback */
  /* ingest's bounds (each refusal counted: GET /api/status) */
  size_t max_connections;       /* producers at once */
  int64_t hello_timeout_ns;     /* a connection must send its hello within this */
  uint32_t max_chunk;           /* bytes of one chunk */
  uint64_t max_buffered;        /* bytes of unfinished chunks, over all connections */
} ltc_daemon_config;

/* The bounds' defaults (docs/architecture.md, "Bounds"). */
#define LTC_DEFAULT_MAX_CONNECTIONS 4096
#define LTC_DEFAULT_HELLO_TIMEOUT_NS 10000000000 /* 10 s */
#define LTC_DEFAULT_MAX_CHUNK (1u << 20)         /* the runtime's chunks are ~64 KiB */
#define LTC_DEFAULT_MAX_BUFFERED (64u << 20)

/* Runs the daemon until SIGTERM or SIGINT. Says what it does on stdout and what fails on
 * stderr (as "looptrace serve: ..."); returns the exit status: 0, or 1 when it could not
 * start or could not store what it took. */
int ltc_daemon_run(const ltc_daemon_config *cfg);

#endif

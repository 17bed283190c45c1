/* daemon.h: the collector daemon (`looptrace serve`): its ingest thread, which stores every
 * stream and carries out the web thread's commands, and its web thread (web.h). */
#ifndef LTC_DAEMON_H
#define LTC_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

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
} ltc_daemon_config;

/* Runs the daemon until SIGTERM or SIGINT. Says what it does on stdout and what fails on
 * stderr (as "looptrace serve: ..."); returns the exit status: 0, or 1 when it could not
 * start or could not store what it took. */
int ltc_daemon_run(const ltc_daemon_config *cfg);

#endif

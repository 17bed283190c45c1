/* serve.c: `looptrace serve`: the collector daemon's command line (serve/daemon.c runs it). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "lt/wire.h"
#include "serve/daemon.h"

#define CLIENT_MAX_RECORDS (256 * 1024) /* live records queued for one client, by default */
#define MAX_INGEST 8

static const char serve_usage[] =
    "usage: looptrace serve [--db FILE | --store clickhouse://HOST:PORT/DB]\n"
    "                       [--http ADDR:PORT] [--web DIR]\n"
    "                       [--ingest unix:PATH | --ingest tcp:127.0.0.1:PORT]...\n"
    "  The collector: stores the trace of every program that streams to it, and serves the\n"
    "  browser UI and its API (docs/api.md).\n"
    "  --db FILE     the database (default: $LOOPTRACE_DB or\n"
    "                ~/.local/share/looptrace/looptrace.db)\n"
    "  --store clickhouse://HOST:PORT/DB  sessions in ClickHouse instead, over its HTTP\n"
    "                interface, shared with other hosts' daemons: this one lists and serves\n"
    "                them all (docs/fleet.md)\n"
    "  --http A:P    where the UI and API listen (default 127.0.0.1:7777; port 0 picks a free\n"
    "                one). Only your own processes (and root's) are answered, by this\n"
    "                daemon's names, and no other site's pages (docs/architecture.md)\n"
    "  --allow-origin ORIGIN  pages of ORIGIN (e.g. https://tools.example) may use the API\n"
    "  --allow-remote an address beyond loopback, for --http or a TCP --ingest, is meant:\n"
    "                anyone who reaches it can read and delete your traces (refused without)\n"
    "  --web DIR     the UI's files (default: $LOOPTRACE_WEB, else the web/ of this build)\n"
    "  --client-queue N  live records queued for one websocket client before it is told to\n"
    "                resync from the database (default 262144)\n"
    "  --ingest SPEC where programs stream to (default: a Unix socket of your own, printed at\n"
    "                start); programs find it with LOOPTRACE=SPEC. TCP binds only the address\n"
    "                given (use 127.0.0.1 for this machine alone); port 0 picks a free one.\n"
    "  Bounds on what programs streaming to it may take (each refusal is counted in\n"
    "  GET /api/status):\n"
    "  --max-connections N  producers at once (default 4096; at the limit, the one that has\n"
    "                waited longest for its hello makes room)\n"
    "  --hello-timeout S    seconds a new connection has to send its hello (default 10)\n"
    "  --max-chunk BYTES    one chunk of a stream, at most (default 1M; K, M, G allowed)\n"
    "  --max-buffered BYTES unfinished chunks held over all connections (default 64M): past\n"
    "                it, the stream that holds most is ended\n"
    "  SIGTERM or ^C stops it: streams still running are stored as interrupted.\n";

typedef struct serve_args {
  const char *ingest[MAX_INGEST];
  size_t ningest;
  size_t client_queue, max_connections;
  int64_t hello_timeout_ns;
  uint64_t max_chunk, max_buffered;
  const char *origins[16];
  size_t norigins;
} serve_args;

static int take_origin(void *user, const char *v) {
  serve_args *a = user;
  if (a->norigins == sizeof a->origins / sizeof *a->origins || strncmp(v, "http", 4) != 0)
    return -1;
  a->origins[a->norigins++] = v;
  return 0;
}

static int take_ingest(void *user, const char *v) {
  serve_args *a = user;
  if (a->ningest == MAX_INGEST) return -1;
  a->ingest[a->ningest++] = v;
  return 0;
}

/* A count from 1 to max, or bytes with an optional K, M or G after them. */
static int count(const char *v, unsigned long long max, bool bytes, unsigned long long *out) {
  char *end;
  unsigned long long n = strtoull(v, &end, 10);
  if (bytes && (*end == 'K' || *end == 'M' || *end == 'G'))
    n <<= *end == 'K' ? 10 : *end == 'M' ? 20 : 30, end++;
  if (end == v || *end || v[0] == '-' || n == 0 || n > max) return -1;
  *out = n;
  return 0;
}

static int take_client_queue(void *user, const char *v) {
  unsigned long long n;
  if (count(v, 1ull << 30, false, &n) < 0) return -1;
  ((serve_args *)user)->client_queue = (size_t)n;
  return 0;
}

static int take_max_connections(void *user, const char *v) {
  unsigned long long n;
  if (count(v, 1 << 20, false, &n) < 0) return -1;
  ((serve_args *)user)->max_connections = (size_t)n;
  return 0;
}

static int take_hello_timeout(void *user, const char *v) {
  unsigned long long n;
  if (count(v, 86400, false, &n) < 0) return -1;
  ((serve_args *)user)->hello_timeout_ns = (int64_t)n * 1000000000;
  return 0;
}

static int take_max_chunk(void *user, const char *v) {
  unsigned long long n;
  if (count(v, LT_WIRE_MAX_CHUNK, true, &n) < 0) return -1;
  ((serve_args *)user)->max_chunk = n;
  return 0;
}

static int take_max_buffered(void *user, const char *v) {
  unsigned long long n;
  if (count(v, 1ull << 40, true, &n) < 0) return -1;
  ((serve_args *)user)->max_buffered = n;
  return 0;
}

int ltc_cmd_serve(int argc, char **argv) {
  const char *db = NULL, *store = NULL, *http = "127.0.0.1:7777", *web_root = NULL;
  bool allow_remote = false;
  serve_args a = {.client_queue = CLIENT_MAX_RECORDS,
                  .max_connections = LTC_DEFAULT_MAX_CONNECTIONS,
                  .hello_timeout_ns = LTC_DEFAULT_HELLO_TIMEOUT_NS,
                  .max_chunk = LTC_DEFAULT_MAX_CHUNK,
                  .max_buffered = LTC_DEFAULT_MAX_BUFFERED};
  const ltc_opt opts[] = {LTC_OPT_VALUE("--db", &db),
                          LTC_OPT_VALUE("--store", &store),
                          LTC_OPT_VALUE("--http", &http),
                          LTC_OPT_VALUE("--web", &web_root),
                          LTC_OPT_TAKE("--ingest", take_ingest),
                          LTC_OPT_TAKE("--client-queue", take_client_queue),
                          LTC_OPT_TAKE("--allow-origin", take_origin),
                          LTC_OPT_TAKE("--max-connections", take_max_connections),
                          LTC_OPT_TAKE("--hello-timeout", take_hello_timeout),
                          LTC_OPT_TAKE("--max-chunk", take_max_chunk),
                          LTC_OPT_TAKE("--max-buffered", take_max_buffered),
                          LTC_OPT_FLAG("--allow-remote", &allow_remote),
                          LTC_OPT_END};
  ltc_cmdline c = {"serve", serve_usage, opts, NULL, &a};
  int rest, rc = ltc_cmdline_parse(&c, argc, argv, &rest);
  if (rc) return rc == 1 ? 0 : rc;
  if (rest < argc) {
    fprintf(stderr, "looptrace serve: unexpected argument '%s'\n%s", argv[rest], serve_usage);
    return 2;
  }
  if (db && store) {
    fprintf(stderr, "looptrace serve: --db and --store both name the store: give one\n%s",
            serve_usage);
    return 2;
  }
  if (store) db = store;
  if (!web_root) web_root = getenv("LOOPTRACE_WEB");
  if (!web_root || !*web_root) web_root = LT_WEB_DIR;
  char path[4096];
  if (!db) db = ltc_store_default_path(path, sizeof path);
  ltc_daemon_config cfg = {.db = db, .http = http, .web_root = web_root, .ingest = a.ingest,
                           .ningest = a.ningest, .client_queue = a.client_queue,
                           .allow_origin = a.origins, .nallow_origin = a.norigins,
                           .allow_remote = allow_remote, .max_connections = a.max_connections,
                           .hello_timeout_ns = a.hello_timeout_ns,
                           .max_chunk = (uint32_t)a.max_chunk, .max_buffered = a.max_buffered};
  if (allow_remote)
    fprintf(stderr, "looptrace serve: --allow-remote: whoever reaches a non-loopback address "
                    "given can read, relabel and delete every session, and stream into it\n");
  return ltc_daemon_run(&cfg);
}

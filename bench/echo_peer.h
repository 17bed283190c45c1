/* echo_peer.h: what the C echo peers of bench_echo share (echo_lt.c on the runtime, echo_uv.c
 * on libuv): their command line, the latency histogram, the listening socket (SO_REUSEPORT,
 * so that each loop of the multi-loop variant has its own), and the one JSON line each prints
 * for bench_echo to read. The asyncio peer (echo_asyncio.py) does the same in Python. */
#ifndef LT_BENCH_ECHO_PEER_H
#define LT_BENCH_ECHO_PEER_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct echo_args {
  int clients;    /* connections, spread over the loops */
  double seconds; /* how long the clients ping-pong */
  int loops;      /* 1, or one per core: each its own thread, listener and clients */
  int size;       /* bytes per message */
} echo_args;

static inline int echo_parse(int argc, char **argv, echo_args *a) {
  *a = (echo_args){.clients = 100, .seconds = 2, .loops = 1, .size = 64};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--clients") == 0) a->clients = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--seconds") == 0) a->seconds = atof(argv[i + 1]);
    else if (strcmp(argv[i], "--loops") == 0) a->loops = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--size") == 0) a->size = atoi(argv[i + 1]);
    else return -1;
  }
  if (argc % 2 == 0 || a->clients < 1 || a->loops < 1 || a->size < 1 || a->size > 65536 ||
      a->seconds <= 0)
    return -1;
  return 0;
}

static inline int64_t echo_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Latencies in log-linear buckets: 16 per power of two of ns (6 % wide at most). */
typedef struct echo_hist {
  uint64_t n[64 * 16];
  uint64_t count;
} echo_hist;

static inline void echo_hist_add(echo_hist *h, int64_t ns) {
  uint64_t v = ns > 16 ? (uint64_t)ns : 16;
  int e = 63 - __builtin_clzll(v);                 /* >= 4 */
  unsigned sub = (unsigned)(v >> (e - 4)) & 15u;   /* the 4 bits below the top one */
  h->n[e * 16 + sub]++;
  h->count++;
}

static inline void echo_hist_merge(echo_hist *into, const echo_hist *h) {
  for (int i = 0; i < 64 * 16; i++) into->n[i] += h->n[i];
  into->count += h->count;
}

/* The q-quantile in µs (the middle of its bucket). */
static inline double echo_hist_quantile_us(const echo_hist *h, double q) {
  uint64_t want = (uint64_t)(q * (double)h->count), seen = 0;
  for (int i = 0; i < 64 * 16; i++) {
    seen += h->n[i];
    if (h->n[i] && seen > want) {
      int e = i / 16, sub = i % 16;
      double lo = (double)(16 + sub) * (double)(1ull << (e - 4));
      return lo * (1 + 1.0 / (16 + sub) / 2) / 1000.0;
    }
  }
  return 0;
}

/* A non-blocking listening socket on 127.0.0.1:port (0: any) with SO_REUSEPORT; its port in
 * *bound. -1 on failure. */
static inline int echo_listen(int port, int *bound) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
      bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 4096) != 0 ||
      getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
    perror("echo peer: listen");
    return -1;
  }
  *bound = ntohs(sa.sin_port);
  return fd;
}

static inline void echo_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static inline double echo_cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* What each loop of a peer measures; the first member of the peer's own loop context. */
typedef struct echo_loop {
  const echo_args *args;
  int port, listener, clients;
  int failed; /* the loop's error (a negative errno), reported by echo_run */
  uint64_t roundtrips;
  echo_hist hist;
  int64_t started, ended;
} echo_loop;

static inline void echo_report(uint64_t roundtrips, double seconds, const echo_hist *h,
                               double cpu_s);

/* Runs args->loops threads of run(ctx), the contexts (size bytes each, an echo_loop first)
 * given their listeners on one port and their share of the clients; then prints the report.
 * The exit status. */
static inline int echo_run(const echo_args *args, void *ctxs, size_t size, void *(*run)(void *),
                           const char *who) {
  enum { MAX_LOOPS = 64 };
  int loops = args->loops < MAX_LOOPS ? args->loops : MAX_LOOPS, port = 0;
  echo_loop *at[MAX_LOOPS];
  for (int i = 0; i < loops; i++) {
    at[i] = (echo_loop *)((char *)ctxs + (size_t)i * size);
    at[i]->args = args;
    at[i]->clients = args->clients / loops + (i < args->clients % loops);
    if ((at[i]->listener = echo_listen(port, &port)) < 0) return 1;
  }
  double cpu0 = echo_cpu_s();
  pthread_t th[MAX_LOOPS];
  for (int i = 0; i < loops; i++) {
    at[i]->port = port;
    pthread_create(&th[i], NULL, run, at[i]);
  }
  uint64_t rts = 0;
  double secs = 0;
  static echo_hist all;
  int status = 0;
  for (int i = 0; i < loops; i++) {
    pthread_join(th[i], NULL);
    if (at[i]->failed) {
      fprintf(stderr, "%s: loop %d: %s\n", who, i, strerror(-at[i]->failed));
      status = 1;
    }
    rts += at[i]->roundtrips;
    double s = (double)(at[i]->ended - at[i]->started) / 1e9;
    if (s > secs) secs = s;
    echo_hist_merge(&all, &at[i]->hist);
  }
  if (status == 0) echo_report(rts, secs, &all, echo_cpu_s() - cpu0);
  return status;
}

/* The line bench_echo reads. */
static inline void echo_report(uint64_t roundtrips, double seconds, const echo_hist *h,
                               double cpu_s) {
  printf("{\"roundtrips\": %llu, \"seconds\": %.4f, \"p50_us\": %.2f, \"p99_us\": %.2f, "
         "\"cpu_s\": %.4f}\n",
         (unsigned long long)roundtrips, seconds, echo_hist_quantile_us(h, 0.5),
         echo_hist_quantile_us(h, 0.99), cpu_s);
}

#endif

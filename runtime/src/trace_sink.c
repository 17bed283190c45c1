/* trace_sink.c: the process's trace sink: opening it (file, Unix socket, TCP, or the flight
 * recorder's ring), the stream's hello (with the shuffle seed, if any), writing chunks from
 * every track under one lock, the block and drop policies, the END chunk, and carrying on
 * untraced (said once) when the sink goes away. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "trace.h"
#include "trace_ring.h"

typedef enum sink_kind { SINK_FILE = 1, SINK_SOCKET, SINK_RING } sink_kind;

static struct {
  pthread_mutex_t mu;
  atomic_int active;     /* the sink is open and healthy */
  int fd;
  sink_kind kind;
  lt_trace_mode mode;
  bool virtual_default;  /* LOOPTRACE_CLOCK=virtual when the stream began */
  char spec[256];
  uint8_t *pending;      /* drop mode: the unwritten rest of a chunk that must go first */
  size_t pending_len, pending_off;
  uint32_t next_track;
} g_sink = {.mu = PTHREAD_MUTEX_INITIALIZER, .fd = -1};

static int64_t clock_ns(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

bool lt__sink_active(void) { return atomic_load_explicit(&g_sink.active, memory_order_acquire); }
bool lt__sink_virtual_default(void) { return g_sink.virtual_default; }

uint32_t lt__sink_new_track_id(void) {
  pthread_mutex_lock(&g_sink.mu);
  uint32_t id = ++g_sink.next_track;
  pthread_mutex_unlock(&g_sink.mu);
  return id;
}

/* ---- opening ---- */

/* A connected stream socket, or -errno. */
static int connect_socket(int family, const struct sockaddr *sa, socklen_t len) {
  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (connect(fd, sa, len) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

static int open_unix(const char *path) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof sa.sun_path) return -ENAMETOOLONG;
  strcpy(sa.sun_path, path);
  return connect_socket(AF_UNIX, (struct sockaddr *)&sa, sizeof sa);
}

static int open_tcp(const char *hostport) {
  char host[128];
  const char *colon = strrchr(hostport, ':');
  if (!colon || colon == hostport || (size_t)(colon - hostport) >= sizeof host) return -EINVAL;
  memcpy(host, hostport, (size_t)(colon - hostport));
  host[colon - hostport] = 0;
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end || port <= 0 || port > 65535) return -EINVAL;
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (strcmp(host, "localhost") == 0) strcpy(host, "127.0.0.1");
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) return -EINVAL;
  return connect_socket(AF_INET, (struct sockaddr *)&sa, sizeof sa);
}

static int open_spec(const char *spec, sink_kind *kind) {
  if (strncmp(spec, "file:", 5) == 0 && spec[5]) {
    *kind = SINK_FILE;
    int fd = open(spec + 5, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    return fd < 0 ? -errno : fd;
  }
  *kind = SINK_SOCKET;
  if (strncmp(spec, "unix:", 5) == 0 && spec[5]) return open_unix(spec + 5);
  if (strncmp(spec, "tcp:", 4) == 0 && spec[4]) return open_tcp(spec + 4);
  return -EINVAL;
}

/* ---- raw writes ---- */

#define LAST_CHUNK_WAIT_NS 1000000000 /* drop mode: how long a track's last chunk may wait */

static void sink_died(int err) {
  if (!atomic_exchange(&g_sink.active, 0)) return;
  if (err == -ETIMEDOUT)
    fprintf(stderr, "looptrace: trace sink %s took nothing for %d ms at the end; its last "
                    "records are lost\n", g_sink.spec, (int)(LAST_CHUNK_WAIT_NS / 1000000));
  else
    fprintf(stderr, "looptrace: trace sink %s failed (%s); the program goes on untraced\n",
            g_sink.spec, strerror(-err));
}

/* Writes some of buf; returns bytes written, -EAGAIN, or another -errno. */
static ssize_t write_some(const uint8_t *buf, size_t len) {
  for (;;) {
    ssize_t n = g_sink.kind == SINK_SOCKET ? send(g_sink.fd, buf, len, MSG_NOSIGNAL)
                                           : write(g_sink.fd, buf, len);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return -EAGAIN;
    return -errno;
  }
}

/* Waits for the sink to take more: for ever (deadline 0), or until deadline (CLOCK_MONOTONIC
 * ns), then -ETIMEDOUT. */
static int wait_writable(int64_t deadline) {
  int ms = -1;
  if (deadline) {
    int64_t left = deadline - clock_ns(CLOCK_MONOTONIC);
    if (left <= 0) return -ETIMEDOUT;
    ms = (int)((left + 999999) / 1000000);
  }
  struct pollfd p = {.fd = g_sink.fd, .events = POLLOUT};
  poll(&p, 1, ms);
  return 0;
}

/* Writes all of buf, waiting for the sink whenever it is full (until deadline, when not 0). */
static int write_all(const uint8_t *buf, size_t len, int64_t deadline) {
  while (len > 0) {
    ssize_t n = write_some(buf, len);
    if (n == -EAGAIN) {
      int rc = wait_writable(deadline);
      if (rc < 0) return rc;
      continue;
    }
    if (n < 0) return (int)n;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Drop mode: finish the rest of a half-written chunk first; -EAGAIN while it is not done. */
static int flush_pending(void) {
  while (g_sink.pending_off < g_sink.pending_len) {
    ssize_t n = write_some(g_sink.pending + g_sink.pending_off,
                           g_sink.pending_len - g_sink.pending_off);
    if (n < 0) return (int)n;
    g_sink.pending_off += (size_t)n;
  }
  g_sink.pending_len = g_sink.pending_off = 0;
  return 0;
}

int lt__sink_write(const void *buf, size_t len, int64_t *waited_ns, bool last) {
  *waited_ns = 0;
  if (!lt__sink_active()) return -EPIPE;
  /* the flight recorder keeps it in memory (its own lock); no memory: dropped, and counted */
  if (g_sink.kind == SINK_RING) return lt__ring_put(buf, len) == 0 ? 0 : -EAGAIN;
  pthread_mutex_lock(&g_sink.mu);
  int rc = 0;
  if (g_sink.mode == LT_TRACE_DROP && last) {
    /* A track's last chunk waits for the sink, a while: a program in drop mode never waits
     * for its sink, at its end neither, so a sink that stalls loses the end, not the exit. */
    int64_t deadline = clock_ns(CLOCK_MONOTONIC) + LAST_CHUNK_WAIT_NS;
    rc = flush_pending();
    while (rc == -EAGAIN && (rc = wait_writable(deadline)) == 0) rc = flush_pending();
    if (rc == 0) rc = write_all(buf, len, deadline);
  } else if (g_sink.mode == LT_TRACE_BLOCK) {
    int64_t t0 = clock_ns(CLOCK_MONOTONIC);
    rc = write_all(buf, len, 0);
    *waited_ns = clock_ns(CLOCK_MONOTONIC) - t0;
  } else {
    rc = flush_pending();
    if (rc == 0) {
      ssize_t n = write_some(buf, len);
      if (n == -EAGAIN) {
        rc = -EAGAIN; /* nothing of it went out: drop it whole */
      } else if (n < 0) {
        rc = (int)n;
      } else if ((size_t)n < len) {
        /* Part of it went out: the rest must follow before anything else. */
        uint8_t *p = realloc(g_sink.pending, len - (size_t)n);
        if (!p) {
          rc = -ENOMEM;
        } else {
          memcpy(p, (const uint8_t *)buf + n, len - (size_t)n);
          g_sink.pending = p;
          g_sink.pending_len = len - (size_t)n;
          g_sink.pending_off = 0;
        }
      }
    }
  }
  if (rc < 0 && rc != -EAGAIN) sink_died(rc);
  pthread_mutex_unlock(&g_sink.mu);
  return rc == -EAGAIN ? -EAGAIN : rc < 0 ? -EPIPE : 0;
}

/* ---- the hello ---- */

typedef struct bytes {
  uint8_t *p;
  size_t len, cap;
} bytes;

static void put(bytes *b, const void *src, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = (b->cap ? b->cap * 2 : 256) + n;
    uint8_t *p = realloc(b->p, cap);
    if (!p) return;
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, src, n);
  b->len += n;
}
static void put_u32(bytes *b, uint32_t v) { put(b, &v, 4); }
static void put_i64(bytes *b, int64_t v) { put(b, &v, 8); }
static void put_str(bytes *b, const char *s, size_t n) {
  put_u32(b, (uint32_t)n);
  put(b, s, n);
}

/* The program's argv, from /proc/self/cmdline (NUL-separated). */
static size_t read_cmdline(char *buf, size_t cap) {
  int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, cap - 1);
  close(fd);
  return n > 0 ? (size_t)n : 0;
}

/* The stream's magic, version and hello, in *out (malloc'd), or NULL without memory. */
static uint8_t *build_hello(const char *label, const lt__hello_flight *fl, size_t *out_len) {
  static char cmd[16384];
  size_t n = read_cmdline(cmd, sizeof cmd);
  uint32_t argc = 0;
  for (size_t i = 0; i < n; i++)
    if (cmd[i] == 0) argc++;
  char exe[4096];
  ssize_t elen = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (elen < 0) elen = 0;
  exe[elen] = 0;

  bytes h = {0};
  put_u32(&h, (uint32_t)getpid());
  uint8_t clock[4] = {g_sink.virtual_default ? LT_WIRE_CLOCK_VIRTUAL : LT_WIRE_CLOCK_REAL};
  put(&h, clock, 4);
  put_i64(&h, clock_ns(CLOCK_REALTIME));
  put_i64(&h, clock_ns(CLOCK_MONOTONIC));
  put_u32(&h, argc);
  put_str(&h, exe, (size_t)elen);
  put_str(&h, label ? label : "", label ? strlen(label) : 0);
  for (size_t i = 0, start = 0; i < n; i++)
    if (cmd[i] == 0) {
      put_str(&h, cmd + start, i - start);
      start = i + 1;
    }
  /* The extension after argv (readers that predate it ignore it): flags, bit 0 shuffle mode,
   * and its seed, so that a shuffled run can be replayed. */
  uint64_t seed = 0;
  bool shuffled = lt__shuffle_env(&seed);
  put_u32(&h, (shuffled ? LT_HELLO_SHUFFLED : 0) | (fl ? LT_HELLO_FLIGHT : 0));
  put_u32(&h, 0);
  put(&h, &seed, 8);
  if (fl) { /* a flight recording: the window it covers, what fell out before it, its number */
    put_i64(&h, fl->from_ns);
    put_i64(&h, fl->to_ns);
    put(&h, &fl->lost, 8);
    put(&h, &fl->number, 8);
  }
  bytes s = {0};
  put(&s, LT_WIRE_MAGIC, LT_WIRE_MAGIC_LEN);
  put_u32(&s, LT_WIRE_VERSION);
  put_u32(&s, (uint32_t)h.len);
  put(&s, h.p, h.len);
  free(h.p);
  *out_len = s.len;
  return s.p;
}

static int write_hello(const char *label) {
  size_t len;
  uint8_t *p = build_hello(label, NULL, &len);
  int rc = p ? write_all(p, len, 0) : -ENOMEM;
  free(p);
  return rc;
}

int lt__sink_write_hello(int fd, const char *label, const lt__hello_flight *fl) {
  size_t len;
  uint8_t *p = build_hello(label, fl, &len);
  if (!p) return -ENOMEM;
  int rc = 0;
  for (size_t off = 0; off < len && rc == 0;) {
    ssize_t n = write(fd, p + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) rc = n < 0 ? -errno : -EIO;
    else off += (size_t)n;
  }
  free(p);
  return rc;
}

int lt__sink_open_dump(const char *spec) {
  sink_kind kind;
  if (strncmp(spec, "ring:", 5) == 0) return -EINVAL;
  return open_spec(spec, &kind);
}

/* LOOPTRACE=ring:SIZE, or lt_trace_start("ring:SIZE", ...): nothing is written until a dump. */
static int start_ring(const char *spec, const char *label, lt_trace_mode mode) {
  size_t size;
  int rc = lt__ring_parse_size(spec + 5, &size);
  if (rc == 0) rc = lt__ring_open(size, label);
  if (rc < 0) return rc;
  g_sink.kind = SINK_RING;
  g_sink.mode = mode;
  snprintf(g_sink.spec, sizeof g_sink.spec, "%s", spec);
  return 0;
}

/* ---- start and stop ---- */

static void stop_at_exit(void) { lt_trace_stop(); }

int lt_trace_start(const char *sink, const char *label, lt_trace_mode mode) {
  if (!sink) return -EINVAL;
  pthread_mutex_lock(&g_sink.mu);
  if (lt__sink_active() || g_sink.fd >= 0 || g_sink.kind == SINK_RING) {
    pthread_mutex_unlock(&g_sink.mu);
    return -EALREADY;
  }
  const char *clk = getenv("LOOPTRACE_CLOCK");
  g_sink.virtual_default = clk && strcmp(clk, "virtual") == 0;
  if (strncmp(sink, "ring:", 5) == 0) {
    int rc = start_ring(sink, label, mode);
    if (rc == 0) atomic_store(&g_sink.active, 1);
    pthread_mutex_unlock(&g_sink.mu);
    if (rc == 0 && lt__tls_loop && !lt__tls_loop->track) lt__trace_attach(lt__tls_loop);
    return rc;
  }
  sink_kind kind;
  int fd = open_spec(sink, &kind);
  if (fd < 0) {
    pthread_mutex_unlock(&g_sink.mu);
    return fd;
  }
  g_sink.fd = fd;
  g_sink.kind = kind;
  g_sink.mode = mode;
  snprintf(g_sink.spec, sizeof g_sink.spec, "%s", sink);
  int rc = write_hello(label);
  if (rc < 0) {
    close(fd);
    g_sink.fd = -1;
    pthread_mutex_unlock(&g_sink.mu);
    return rc;
  }
  if (mode == LT_TRACE_DROP && kind == SINK_SOCKET)
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  static bool registered;
  if (!registered) {
    registered = true;
    atexit(stop_at_exit);
  }
  atomic_store(&g_sink.active, 1);
  pthread_mutex_unlock(&g_sink.mu);
  /* The loop already running on this thread, if any, is traced from here on. */
  if (lt__tls_loop && !lt__tls_loop->track) lt__trace_attach(lt__tls_loop);
  return 0;
}

int lt__sink_open_from_env(void) {
  const char *spec = getenv("LOOPTRACE");
  if (!spec || !*spec || lt__sink_active()) return 0;
  const char *m = getenv("LOOPTRACE_MODE");
  lt_trace_mode mode = m && strcmp(m, "drop") == 0 ? LT_TRACE_DROP : LT_TRACE_BLOCK;
  int rc = lt_trace_start(spec, getenv("LOOPTRACE_LABEL"), mode);
  if (rc < 0 && rc != -EALREADY)
    fprintf(stderr, "looptrace: cannot trace to LOOPTRACE=%s (%s); running untraced\n", spec,
            strerror(-rc));
  return rc;
}

bool lt_trace_enabled(void) { return lt__sink_active(); }

int lt_trace_stop(void) {
  if (lt__tls_loop && lt__tls_loop->track) lt__trace_detach(lt__tls_loop);
  pthread_mutex_lock(&g_sink.mu);
  if (g_sink.kind == SINK_RING) { /* what the ring held goes with it, unwritten */
    atomic_store(&g_sink.active, 0);
    lt__ring_close();
    g_sink.kind = 0;
    pthread_mutex_unlock(&g_sink.mu);
    return 0;
  }
  if (g_sink.fd < 0) {
    pthread_mutex_unlock(&g_sink.mu);
    return -ENOENT;
  }
  int rc = 0;
  if (atomic_exchange(&g_sink.active, 0)) {
    /* drop mode waits for the sink a while at the end, never for ever (lt__sink_write) */
    int64_t deadline =
        g_sink.mode == LT_TRACE_DROP ? clock_ns(CLOCK_MONOTONIC) + LAST_CHUNK_WAIT_NS : 0;
    rc = flush_pending();
    while (rc == -EAGAIN && (rc = wait_writable(deadline)) == 0) rc = flush_pending();
    struct {
      lt_wire_chunk c;
      lt_wire_event e;
    } end = {{LT_WIRE_CHUNK_MAGIC, sizeof(lt_wire_event), 0, 1, 0},
             {sizeof(lt_wire_event), LT_EV_END, 0, 0, clock_ns(CLOCK_MONOTONIC)}};
    if (rc == 0) rc = write_all((const uint8_t *)&end, sizeof end, deadline);
  }
  close(g_sink.fd);
  g_sink.fd = -1;
  free(g_sink.pending);
  g_sink.pending = NULL;
  g_sink.pending_len = g_sink.pending_off = 0;
  pthread_mutex_unlock(&g_sink.mu);
  return rc;
}

/* stream.c: lt_stream, asyncio's StreamReader and StreamWriter over one non-blocking fd: a read
 * buffer that readline / readuntil / readexactly search and consume (asyncio's limit applies
 * to a search), and a write buffer for what the kernel did not take at once, flushed by drain.
 * Every wait is on the fd's readiness, recorded with the reason "stream". */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "waiters.h"

#define DEFAULT_LIMIT (64 * 1024) /* asyncio.streams._DEFAULT_LIMIT */
#define READ_CHUNK (64 * 1024)

typedef struct buf {
  char *data;
  size_t start, len, cap; /* the bytes are data[start .. start+len) */
} buf;

struct lt_stream {
  lt__obj obj;
  lt_loop *loop;
  int fd;
  size_t limit;
  buf in, out;
  bool eof;       /* the peer's end of file was read */
  bool eof_sent;  /* write_eof ran */
  int error;      /* a write failed for good: -errno */
};

static void stream_destroy(lt__obj *o) {
  lt_stream *s = lt__container_of(o, lt_stream, obj);
  if (s->fd >= 0) close(s->fd);
  free(s->in.data);
  free(s->out.data);
  free(s);
}

lt_stream *lt_stream_new(int fd) {
  lt_loop *loop = lt__loop_check("lt_stream_new");
  if (!loop) {
    errno = EPERM;
    return NULL;
  }
  if (fd < 0 || lt_set_nonblocking(fd) < 0) {
    errno = EBADF;
    return NULL;
  }
  lt_stream *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  lt__obj_register(loop, &s->obj, stream_destroy);
  s->loop = loop;
  s->fd = fd;
  s->limit = DEFAULT_LIMIT;
  return s;
}

int lt_stream_fd(const lt_stream *s) { return s ? s->fd : -1; }

int lt_stream_set_limit(lt_stream *s, size_t limit) {
  if (!s || limit == 0) return -EINVAL;
  s->limit = limit;
  return 0;
}

bool lt_stream_at_eof(const lt_stream *s) { return s && s->eof && s->in.len == 0; }
size_t lt_stream_buffered(const lt_stream *s) { return s ? s->out.len : 0; }

void lt_stream_close(lt_stream *s) {
  if (!s || lt__sync_check(s->loop, "lt_stream_close") < 0) return;
  lt__obj_release(&s->obj);
}

/* ---- buffers ---- */

/* Room for n more bytes at the end of b. */
static int buf_reserve(buf *b, size_t n) {
  if (b->start + b->len + n <= b->cap) return 0;
  if (b->start > 0) { /* move the bytes down first */
    memmove(b->data, b->data + b->start, b->len);
    b->start = 0;
    if (b->len + n <= b->cap) return 0;
  }
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + n) cap *= 2;
  char *d = realloc(b->data, cap);
  if (!d) return -ENOMEM;
  b->data = d;
  b->cap = cap;
  return 0;
}

static void buf_consume(buf *b, size_t n) {
  b->start += n;
  b->len -= n;
  if (b->len == 0) b->start = 0;
}

/* ---- reading ---- */

static lt_task *stream_task(lt_stream *s, const char *who) {
  if (!s) {
    lt__misuse("%s on NULL", who);
    return NULL;
  }
  return lt__sync_task(s->loop, who);
}

/* Reads once more into the buffer, waiting for data (_wait_for_data): 1 when bytes came, 0 at
 * end of file, or -errno. */
static int fill(lt_stream *s, lt_task *t, const lt_srcloc *site) {
  if (s->eof) return 0;
  int rc = buf_reserve(&s->in, READ_CHUNK);
  if (rc < 0) return rc;
  for (;;) {
    ssize_t n = read(s->fd, s->in.data + s->in.start + s->in.len, READ_CHUNK);
    if (n > 0) {
      s->in.len += (size_t)n;
      return 1;
    }
    if (n == 0) {
      s->eof = true;
      return 0;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -errno;
    rc = lt__wait_fd_as(t, s->fd, LT_READABLE, LT__WAIT_STREAM, site);
    if (rc < 0) return rc;
  }
}

ssize_t lt_stream_read_at(lt_stream *s, void *out, size_t n, const lt_srcloc *site) {
  lt_task *t = stream_task(s, "lt_stream_read");
  if (!t) return s ? -EPERM : -EINVAL;
  if (n == 0) return 0;
  lt__obj_retain(&s->obj);
  ssize_t rc = 0;
  if (s->in.len == 0) rc = fill(s, t, site);
  if (rc >= 0) {
    size_t k = s->in.len < n ? s->in.len : n;
    memcpy(out, s->in.data + s->in.start, k);
    buf_consume(&s->in, k);
    rc = (ssize_t)k;
  }
  lt__obj_release(&s->obj);
  return rc;
}

ssize_t lt_stream_readexactly_at(lt_stream *s, void *out, size_t n, const lt_srcloc *site) {
  lt_task *t = stream_task(s, "lt_stream_readexactly");
  if (!t) return s ? -EPERM : -EINVAL;
  lt__obj_retain(&s->obj);
  ssize_t rc = 0;
  while (rc >= 0 && s->in.len < n) {
    rc = fill(s, t, site);
    if (rc == 0) rc = -ENODATA; /* IncompleteReadError: the bytes stay */
  }
  if (rc >= 0) {
    memcpy(out, s->in.data + s->in.start, n);
    buf_consume(&s->in, n);
    rc = (ssize_t)n;
  }
  lt__obj_release(&s->obj);
  return rc;
}

/* The offset just past sep in the buffer, searching from `from`, or 0. */
static size_t find_sep(const buf *b, size_t from, const void *sep, size_t seplen) {
  if (b->len < seplen) return 0;
  const char *d = b->data + b->start;
  for (size_t i = from; i + seplen <= b->len; i++)
    if (memcmp(d + i, sep, seplen) == 0) return i + seplen;
  return 0;
}

/* readuntil's search: > 0 the length through sep; -ENODATA, -EMSGSIZE or a read's error. */
static ssize_t until(lt_stream *s, lt_task *t, const void *sep, size_t seplen, size_t cap,
                     const lt_srcloc *site) {
  size_t max = s->limit < cap ? s->limit : cap, from = 0;
  for (;;) {
    size_t end = find_sep(&s->in, from, sep, seplen);
    if (end) return end > max ? -EMSGSIZE : (ssize_t)end;
    if (s->in.len > max) return -EMSGSIZE;
    from = s->in.len >= seplen ? s->in.len - seplen + 1 : 0;
    int rc = fill(s, t, site);
    if (rc < 0) return rc;
    if (rc == 0) return -ENODATA;
  }
}

ssize_t lt_stream_readuntil_at(lt_stream *s, const void *sep, size_t seplen, void *out,
                               size_t cap, const lt_srcloc *site) {
  lt_task *t = stream_task(s, "lt_stream_readuntil");
  if (!t) return s ? -EPERM : -EINVAL;
  if (!sep || seplen == 0) {
    lt__misuse("lt_stream_readuntil: the separator is empty");
    return -EINVAL;
  }
  lt__obj_retain(&s->obj);
  ssize_t rc = until(s, t, sep, seplen, cap, site);
  if (rc > 0) {
    memcpy(out, s->in.data + s->in.start, (size_t)rc);
    buf_consume(&s->in, (size_t)rc);
  }
  lt__obj_release(&s->obj);
  return rc;
}

ssize_t lt_stream_readline_at(lt_stream *s, char *out, size_t cap, const lt_srcloc *site) {
  lt_task *t = stream_task(s, "lt_stream_readline");
  if (!t) return s ? -EPERM : -EINVAL;
  lt__obj_retain(&s->obj);
  ssize_t rc = until(s, t, "\n", 1, cap, site);
  if (rc == -ENODATA) { /* readline returns what is left at end of file */
    rc = s->in.len > cap ? -EMSGSIZE : (ssize_t)s->in.len;
  }
  if (rc > 0) {
    memcpy(out, s->in.data + s->in.start, (size_t)rc);
    buf_consume(&s->in, (size_t)rc);
  }
  lt__obj_release(&s->obj);
  return rc;
}

/* ---- writing ---- */

/* Hands the kernel what it takes now: 0 (maybe with bytes left) or -errno. */
static int flush_now(lt_stream *s) {
  while (s->out.len > 0) {
    ssize_t n = send(s->fd, s->out.data + s->out.start, s->out.len, MSG_NOSIGNAL);
    if (n < 0 && errno == ENOTSOCK) n = write(s->fd, s->out.data + s->out.start, s->out.len);
    if (n > 0) {
      buf_consume(&s->out, (size_t)n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    s->error = n < 0 ? -errno : -EPIPE;
    return s->error;
  }
  return 0;
}

int lt_stream_write(lt_stream *s, const void *data, size_t n) {
  if (!s) return -EINVAL;
  int rc = lt__sync_check(s->loop, "lt_stream_write");
  if (rc < 0) return rc;
  if (s->eof_sent) {
    lt__misuse("lt_stream_write after lt_stream_write_eof");
    return -EINVAL;
  }
  if (s->error) return s->error;
  if ((rc = buf_reserve(&s->out, n)) < 0) return rc;
  memcpy(s->out.data + s->out.start + s->out.len, data, n);
  s->out.len += n;
  return flush_now(s);
}

int lt_stream_drain_at(lt_stream *s, const lt_srcloc *site) {
  lt_task *t = stream_task(s, "lt_stream_drain");
  if (!t) return s ? -EPERM : -EINVAL;
  lt__obj_retain(&s->obj);
  int rc = s->error;
  while (rc == 0 && (rc = flush_now(s)) == 0 && s->out.len > 0) {
    rc = lt__wait_fd_as(t, s->fd, LT_WRITABLE, LT__WAIT_STREAM, site);
    if (rc > 0) rc = 0;
  }
  lt__obj_release(&s->obj);
  return rc;
}

int lt_stream_write_eof_at(lt_stream *s, const lt_srcloc *site) {
  int rc = lt_stream_drain_at(s, site);
  if (rc < 0) return rc;
  s->eof_sent = true;
  if (shutdown(s->fd, SHUT_WR) == 0) return 0;
  if (errno != ENOTSOCK) return -errno;
  close(s->fd); /* a pipe: its only end of file is its close */
  s->fd = -1;
  return 0;
}

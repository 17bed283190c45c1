/* io.c: waiting for a file descriptor's readiness (lt_wait_fd). Owns the loop's per-fd watcher
 * table (loop->io, created on first use, freed by a close hook) and the fds' epoll
 * registrations: an fd is in the epoll set only while some task waits on it, with exactly the
 * directions that are waited for. Readable and writable waiters are independent.
 *
 * asyncio's add_reader/add_writer model: on an event the watcher's handle is appended to the
 * ready queue (it runs in this same iteration) and resolves the waiter's future; the task wakes
 * in the next one. Waiting is one-shot: the watcher is removed as soon as it fires. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "internal.h"

/* One fd's watcher: what epoll's data.ptr points at while the fd is registered. */
typedef struct fd_watch {
  lt__io_watch w;        /* first: epoll hands this back */
  int fd;
  uint32_t registered;   /* the epoll mask now registered (0: not in the epoll set) */
  bool orphan;           /* fd was closed while registered: epoll may still point here */
  lt_future *reader;     /* the future of the task waiting for LT_READABLE, or NULL */
  lt_future *writer;     /* ... for LT_WRITABLE (the same future when one task waits for both) */
} fd_watch;

typedef struct io_state {
  fd_watch **byfd;       /* indexed by fd; NULL where nobody waits */
  size_t cap;
} io_state;

static void io_close(lt_loop *loop, void *arg) {
  io_state *io = arg;
  /* Every task has finished: the watchers left (if any) have no waiter to wake. The futures
   * are loop objects and are freed with the loop. */
  for (size_t i = 0; i < io->cap; i++) free(io->byfd[i]);
  free(io->byfd);
  free(io);
  loop->io = NULL;
}

static io_state *io_get(lt_loop *loop) {
  if (loop->io) return loop->io;
  io_state *io = calloc(1, sizeof *io);
  if (!io) return NULL;
  if (lt__loop_on_close(loop, io_close, io) < 0) {
    free(io);
    return NULL;
  }
  loop->io = io;
  return io;
}

/* Brings fd's epoll registration in line with its waiters: ADD, MOD or DEL. */
static int sync_epoll(lt_loop *loop, fd_watch *fw) {
  uint32_t want = (fw->reader ? EPOLLIN : 0u) | (fw->writer ? EPOLLOUT : 0u);
  if (want == fw->registered) return 0;
  struct epoll_event ev = {.events = want, .data.ptr = &fw->w};
  int rc;
  if (want == 0) {
    rc = epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fw->fd, &ev);
    if (rc < 0 && errno == EBADF) {
      /* The fd was closed while a task waited on it. If a dup() keeps the file open, epoll
       * still holds the registration and can report events pointing here: this watcher
       * must outlive it (it stays, inert, until the fd number is reused or the loop ends). */
      fw->orphan = true;
      rc = 0;
    } else if (rc < 0 && errno == ENOENT) {
      rc = 0; /* already out of the epoll set */
    }
  } else if (fw->registered == 0) {
    rc = epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fw->fd, &ev);
    if (rc < 0 && errno == EEXIST) rc = epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fw->fd, &ev);
  } else {
    rc = epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fw->fd, &ev);
    /* The fd was closed (dropping it from epoll) and its number reused: register afresh. */
    if (rc < 0 && errno == ENOENT) rc = epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fw->fd, &ev);
  }
  if (rc < 0) return -errno;
  /* The loop polls only while something is watched (see run_once): keep its count true. */
  if (!fw->registered && want) loop->io_watched++;
  if (fw->registered && !want) loop->io_watched--;
  fw->registered = want;
  return 0;
}

/* Frees fd's watcher once nobody waits on it. Never called while epoll events are being
 * dispatched (only from a task), so no pending event can point at it. */
static void maybe_free(io_state *io, fd_watch *fw) {
  if (fw->reader || fw->writer || fw->registered || fw->orphan) return;
  io->byfd[fw->fd] = NULL;
  free(fw);
}

/* The watcher's handle (asyncio: the reader/writer Handle run from _ready): resolves the
 * waiter's future with the ready directions, unless it was cancelled in the meantime. */
static void fire_run(lt__ready *r) {
  lt_future *f = r->a;
  lt_loop *loop = f->loop;
  if (f->state == LT_FUTURE_PENDING) {
    /* The fd is what woke the task (the timeline draws the arrow from it). */
    uint8_t kind = loop->waker_kind;
    uint64_t id = loop->waker_id;
    loop->waker_kind = LT_WAKER_IO;
    loop->waker_id = (uint64_t)(uintptr_t)r->b;
    lt__future_complete(f, LT_FUTURE_RESULT, 0, (void *)(uintptr_t)r->cb.word);
    loop->waker_kind = kind;
    loop->waker_id = id;
  }
  lt__obj_release(f->owner);
}

static void fire(lt_loop *loop, fd_watch *fw, lt_future *f, int ready) {
  lt__obj_retain(f->owner); /* the handle keeps the future alive until it has run */
  lt__ready r = {.run = fire_run, .cb.word = (uintptr_t)ready, .a = f,
                 .b = (void *)(uintptr_t)fw->fd};
  lt__ready_push(loop, &r);
}

static void fd_event(lt_loop *loop, lt__io_watch *w, uint32_t events) {
  fd_watch *fw = (fd_watch *)w;
  bool broken = events & (EPOLLERR | EPOLLHUP); /* errors and hang-ups wake both directions */
  lt_future *rd = fw->reader && (broken || (events & EPOLLIN)) ? fw->reader : NULL;
  lt_future *wr = fw->writer && (broken || (events & EPOLLOUT)) ? fw->writer : NULL;
  if (rd == wr) {
    /* One task waits for both: it wakes once, with whatever is ready of what it asked for. */
    if (rd) {
      int ready = (broken || (events & EPOLLIN) ? LT_READABLE : 0) |
                  (broken || (events & EPOLLOUT) ? LT_WRITABLE : 0);
      fw->reader = fw->writer = NULL;
      fire(loop, fw, rd, ready);
    }
  } else {
    if (rd) {
      if (fw->writer == rd) fw->writer = NULL;
      fw->reader = NULL;
      fire(loop, fw, rd, LT_READABLE);
    }
    if (wr) {
      if (fw->reader == wr) fw->reader = NULL;
      fw->writer = NULL;
      fire(loop, fw, wr, LT_WRITABLE);
    }
  }
  /* Waiting is one-shot: stop watching the directions that just fired. Should that fail, the
   * stale registration's next event finds no waiter and this tries again. */
  sync_epoll(loop, fw);
}

static int fd_valid(int fd) {
  if (fd < 0 || fcntl(fd, F_GETFD) < 0) return -EBADF;
  return 0;
}

int lt_wait_fd_at(int fd, int events, const lt_srcloc *site) {
  lt_task *t = lt__task_check("lt_wait_fd");
  if (!t) return -EPERM;
  if (events & ~(LT_READABLE | LT_WRITABLE) || events == 0) {
    lt__misuse("lt_wait_fd: events must be LT_READABLE, LT_WRITABLE or both, got %d", events);
    return -EINVAL;
  }
  int rc = fd_valid(fd);
  if (rc < 0) return rc;
  lt_loop *loop = t->fut.loop;
  io_state *io = io_get(loop);
  if (!io) return -ENOMEM;
  if ((size_t)fd >= io->cap) {
    size_t cap = io->cap ? io->cap : 64;
    while (cap <= (size_t)fd) cap *= 2;
    fd_watch **n = realloc(io->byfd, cap * sizeof *n);
    if (!n) return -ENOMEM;
    memset(n + io->cap, 0, (cap - io->cap) * sizeof *n);
    io->byfd = n;
    io->cap = cap;
  }
  fd_watch *fw = io->byfd[fd];
  if (fw && (((events & LT_READABLE) && fw->reader) || ((events & LT_WRITABLE) && fw->writer)))
    return -EBUSY;
  if (!fw) {
    fw = calloc(1, sizeof *fw);
    if (!fw) return -ENOMEM;
    fw->w.on_event = fd_event;
    fw->fd = fd;
    io->byfd[fd] = fw;
  }
  lt_future *f = lt_future_new();
  if (!f) {
    maybe_free(io, fw);
    return -ENOMEM;
  }
  if (events & LT_READABLE) fw->reader = f;
  if (events & LT_WRITABLE) fw->writer = f;
  rc = sync_epoll(loop, fw);
  if (rc == 0) {
    void *value = NULL;
    rc = lt__task_park_detail(t, f, LT__WAIT_IO, (uint64_t)fd, &value, site);
    if (rc == 0) rc = (int)(uintptr_t)value & events;
  }
  /* Cancelled (or failed to register): take this waiter's registration away. The table may
   * have grown while the task slept, so look the watcher up again. */
  fw = io->byfd[fd];
  if (fw) {
    if (fw->reader == f) fw->reader = NULL;
    if (fw->writer == f) fw->writer = NULL;
    sync_epoll(loop, fw);
    maybe_free(io, fw);
  }
  lt_future_release(f);
  return rc;
}

/* io.c: waiting for a file descriptor's readiness (lt_wait_fd). Owns the loop's per-fd watcher
 * table (loop->io, created on first use, freed by a close hook) and the fds' epoll
 * registrations. Readable and writable waiters are independent.
 *
 * asyncio's add_reader/add_writer model: on an event the watcher's handle is appended to the
 * ready queue (it runs in this same iteration) and resolves the waiter's future; the task wakes
 * in the next one. Waiting is one-shot. A wait of lt_read's (lt__read_fd) gives the handle its
 * buffer: the handle reads, as sock_recv's reader callback does.
 *
 * Registration: an fd waited on joins the epoll set once and stays in it, EPOLLONESHOT, so an
 * event disarms it in the kernel and the next wait re-arms it with one EPOLL_CTL_MOD (it was an
 * fcntl to validate the fd, an ADD and a DEL per wait: 625 ns against 150 here). The MOD is
 * also what keeps this safe without knowing when the program closes an fd: after a close()
 * the kernel forgets the registration, and the MOD of the next wait on that number (whatever
 * file it names now) fails with ENOENT and becomes an ADD, or with EBADF, which the wait
 * returns. A wait that ends without its event (cancelled) disarms what nobody waits for, so a
 * loop never polls for an fd no task waits on. A watcher lives as long as the loop: epoll may
 * still hold its address for a file closed under it but kept open by a dup(). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "internal.h"

/* One direction's waiter: its future, reused wait after wait (a new id each time, as
 * asyncio makes a new one), and the wait's number, so that a fire queued for an earlier wait
 * (cancelled meanwhile) cannot resolve a later one. */
typedef struct fd_wait {
  lt_future fut;
  uint32_t gen;
  void *buf;  /* lt_read's wait: the handle reads into buf (n bytes at most), as asyncio's */
  size_t n;   /* sock_recv reads in its reader callback; NULL: readiness only */
} fd_wait;

/* One fd's watcher: what epoll's data.ptr points at while the fd is registered. */
typedef struct fd_watch {
  lt__io_watch w;        /* first: epoll hands this back */
  lt__obj obj;           /* owns the futures; never released, not on the loop's list */
  int fd;
  bool in_set;           /* ADDed to the epoll set (for the file at fd then) */
  uint32_t armed;        /* directions armed now (an event disarms them all: EPOLLONESHOT) */
  lt_future *reader;     /* the future of the task waiting for LT_READABLE, or NULL */
  lt_future *writer;     /* ... for LT_WRITABLE (the same future when one task waits for both) */
  fd_wait rd, wr;        /* the futures: rd serves a wait for both directions */
} fd_watch;

typedef struct io_state {
  fd_watch **byfd;       /* indexed by fd; NULL where nobody ever waited */
  size_t cap;
} io_state;

static void io_close(lt_loop *loop, void *arg) {
  io_state *io = arg;
  /* Every task has finished: no waiter is left, and nothing will run the ready queue. */
  for (size_t i = 0; i < io->cap; i++) {
    fd_watch *fw = io->byfd[i];
    if (!fw) continue;
    lt__future_fini(&fw->rd.fut);
    lt__future_fini(&fw->wr.fut);
    free(fw);
  }
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

static void fd_event(lt_loop *loop, lt__io_watch *w, uint32_t events);

static void watch_destroy(lt__obj *o) { (void)o; /* never: the watcher keeps its reference */ }

/* fd's watcher, made on first use; NULL (-ENOMEM in *rc) when out of memory. */
static fd_watch *watch_get(lt_loop *loop, io_state *io, int fd, int *rc) {
  if ((size_t)fd >= io->cap) {
    size_t cap = io->cap ? io->cap : 64;
    while (cap <= (size_t)fd) cap *= 2;
    fd_watch **n = realloc(io->byfd, cap * sizeof *n);
    if (!n) {
      *rc = -ENOMEM;
      return NULL;
    }
    memset(n + io->cap, 0, (cap - io->cap) * sizeof *n);
    io->byfd = n;
    io->cap = cap;
  }
  fd_watch *fw = io->byfd[fd];
  if (fw) return fw;
  fw = calloc(1, sizeof *fw);
  if (!fw) {
    *rc = -ENOMEM;
    return NULL;
  }
  fw->w.on_event = fd_event;
  fw->fd = fd;
  lt__list_init(&fw->obj.link);
  fw->obj.refs = 1;
  fw->obj.destroy = watch_destroy;
  /* the futures stay zero (no id taken) until a wait sets them up */
  io->byfd[fd] = fw;
  return fw;
}

/* Arms fd for the directions waited for (or disarms it): one epoll_ctl, none when it is
 * armed so already. */
static int arm(lt_loop *loop, fd_watch *fw) {
  uint32_t want = (fw->reader ? EPOLLIN : 0u) | (fw->writer ? EPOLLOUT : 0u);
  if (want == fw->armed) return 0;
  struct epoll_event ev = {.events = want | EPOLLONESHOT, .data.ptr = &fw->w};
  int rc;
  if (!fw->in_set) {
    rc = epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fw->fd, &ev);
    if (rc < 0 && errno == EEXIST) rc = epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fw->fd, &ev);
  } else {
    rc = epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fw->fd, &ev);
    /* Closed since (the kernel dropped it), and the number perhaps reused: register afresh. */
    if (rc < 0 && errno == ENOENT && want) rc = epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fw->fd, &ev);
  }
  if (rc < 0 && want) return -errno;
  /* Disarming an fd that is gone (closed under its waiter) leaves nothing armed either. */
  fw->in_set = rc == 0;
  /* The loop polls only while something is armed (see run_once): keep its count true. */
  if (!fw->armed && want) loop->io_watched++;
  if (fw->armed && !want) loop->io_watched--;
  fw->armed = want;
  return 0;
}

/* The watcher's handle (asyncio: the reader/writer Handle run from _ready): resolves the
 * waiter's future with the ready directions, unless that wait is over (cancelled). */
static void fire_run(lt__ready *r) {
  fd_wait *w = r->a;
  lt_future *f = &w->fut;
  lt_loop *loop = f->loop;
  if (w->gen == (uint32_t)(r->cb.word >> 8) && f->state == LT_FUTURE_PENDING) {
    int fd = (int)(uintptr_t)r->b;
    void *value = (void *)(uintptr_t)(r->cb.word & 0xff);
    int err = 0;
    if (w->buf) { /* _sock_recv: read now; nothing there after all: wait on */
      ssize_t got = read(fd, w->buf, w->n);
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        fd_watch *fw = ((io_state *)loop->io)->byfd[fd];
        fw->reader = f;
        if (arm(loop, fw) == 0) return;
        fw->reader = NULL;
      }
      if (got < 0) err = -errno;
      value = (void *)(uintptr_t)(got < 0 ? 0 : got);
    }
    /* The fd is what woke the task (the timeline draws the arrow from it). */
    uint8_t kind = loop->waker_kind;
    uint64_t id = loop->waker_id;
    loop->waker_kind = LT_WAKER_IO;
    loop->waker_id = (uint64_t)(uintptr_t)fd;
    lt__future_complete(f, err ? LT_FUTURE_ERROR : LT_FUTURE_RESULT, err, value);
    loop->waker_kind = kind;
    loop->waker_id = id;
  }
}

static void fire(lt_loop *loop, fd_watch *fw, lt_future *f, int ready) {
  fd_wait *w = f == &fw->rd.fut ? &fw->rd : &fw->wr;
  lt__ready *r = lt__ready_slot(loop);
  r->run = fire_run;
  r->cb.word = (uintptr_t)ready | (uintptr_t)w->gen << 8;
  r->a = w;
  r->b = (void *)(uintptr_t)fw->fd;
}

static void fd_event(lt_loop *loop, lt__io_watch *w, uint32_t events) {
  fd_watch *fw = (fd_watch *)w;
  if (fw->armed) { /* EPOLLONESHOT: the kernel disarmed it as it reported it */
    fw->armed = 0;
    loop->io_watched--;
  }
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
  /* Another task still waits for the other direction: arm it again. Should that fail, its
   * wait goes on until it is cancelled (the fd is gone). */
  if (fw->reader || fw->writer) arm(loop, fw);
}

/* A waiter's future set up for one more wait: what lt__future_init and lt__future_traced do
 * (a new id, pending, traced as a future of its own), without what the future keeps from its
 * first wait (its owner and loop, its one callback slot: a wait registers one callback). */
static void waiter_reset(lt_loop *loop, fd_watch *fw, lt_future *f) {
  if (!f->loop) {
    lt__future_init(f, loop, &fw->obj);
  } else {
    f->state = LT_FUTURE_PENDING;
    f->resolver_kind = LT_WAKER_NONE;
    f->resolver_id = 0;
    f->id = ++loop->next_obj_id;
    f->err = 0;
    f->value = NULL;
    f->ncb = 0;
  }
  lt__future_traced(f);
}

/* Waits for fd; with buf, for lt_read: the readiness handle reads, and the count (or the
 * read's error) is what the wait returns. */
static ssize_t wait_fd(lt_task *t, int fd, int events, void *buf, size_t n,
                       const lt_srcloc *site) {
  if (fd < 0) return -EBADF;
  lt_loop *loop = t->fut.loop;
  io_state *io = io_get(loop);
  if (!io) return -ENOMEM;
  int rc = 0;
  ssize_t got = 0;
  fd_watch *fw = watch_get(loop, io, fd, &rc);
  if (!fw) return rc;
  if (((events & LT_READABLE) && fw->reader) || ((events & LT_WRITABLE) && fw->writer))
    return -EBUSY;
  fd_wait *w = events & LT_READABLE ? &fw->rd : &fw->wr;
  lt_future *f = &w->fut;
  waiter_reset(loop, fw, f); /* a new future as far as anyone can tell */
  w->gen++;
  w->buf = buf;
  w->n = n;
  if (events & LT_READABLE) fw->reader = f;
  if (events & LT_WRITABLE) fw->writer = f;
  rc = arm(loop, fw); /* -EBADF for an fd that is not open */
  if (rc == 0) {
    void *value = NULL;
    rc = lt__task_park_detail(t, f, LT__WAIT_IO, (uint64_t)fd, &value, site);
    if (rc == 0) got = buf ? (ssize_t)(uintptr_t)value : (int)(uintptr_t)value & events;
  }
  w->buf = NULL;
  /* Cancelled (or failed to arm): this waiter goes, and what it armed with it. The table may
   * have grown while the task slept, so look the watcher up again. */
  fw = io->byfd[fd];
  bool mine = fw->reader == f || fw->writer == f;
  if (fw->reader == f) fw->reader = NULL;
  if (fw->writer == f) fw->writer = NULL;
  if (mine) arm(loop, fw);
  return rc < 0 ? rc : got;
}

int lt__wait_fd(lt_task *t, int fd, int events, const lt_srcloc *site) {
  return (int)wait_fd(t, fd, events, NULL, 0, site);
}

ssize_t lt__read_fd(lt_task *t, int fd, void *buf, size_t n, const lt_srcloc *site) {
  return wait_fd(t, fd, LT_READABLE, buf, n, site);
}

int lt_wait_fd_at(int fd, int events, const lt_srcloc *site) {
  lt_task *t = lt__task_check("lt_wait_fd");
  if (!t) return -EPERM;
  if (events & ~(LT_READABLE | LT_WRITABLE) || events == 0) {
    lt__misuse("lt_wait_fd: events must be LT_READABLE, LT_WRITABLE or both, got %d", events);
    return -EINVAL;
  }
  return lt__wait_fd(t, fd, events, site);
}

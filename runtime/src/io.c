/* io.c: waiting for a file descriptor's readiness (lt_wait_fd). Owns the loop's per-fd watcher
 * table (loop->io, created on first use, freed by a close hook) and the fds' epoll
 * registrations. Readable and writable waiters are independent.
 *
 * asyncio's add_reader/add_writer model: on an event the watcher's handle is appended to the
 * ready queue (it runs in this same iteration) and resolves the waiter's future; the task wakes
 * in the next one. Waiting is one-shot. A wait of lt_read's (lt__read_fd) gives the handle its
 * buffer: the handle reads, as sock_recv's reader callback does.
 *
 * Registration: an fd waited on joins the epoll set once and stays in it, edge-triggered, with
 * the directions waited for so far (its interest). A wait re-arms it with one EPOLL_CTL_MOD,
 * which makes the kernel look at the fd's readiness again, except in the one case where that
 * is known to be needless: the waiting task was woken by this fd's event in this same step
 * and has seen the direction would block since (EAGAIN, or a short stream read), so the edge
 * that ends the wait is still to come and the registration is the one that reported it
 * (lt__wait_fd_blocked). The MOD is what keeps this safe without knowing when the program
 * closes an fd: after a close() the kernel forgets the registration, and the MOD of the next
 * wait on that number (whatever file it names now) fails with ENOENT and becomes an ADD, or
 * with EBADF, which the wait returns. A direction nobody waits for any more stays in the
 * interest until an event reports it with no waiter, which drops it (lazily: an echo
 * connection's read after read costs no epoll_ctl), and a loop never polls for an fd no task
 * waits on (loop->io_watched counts fds with a waiter). A watcher lives as long as the loop:
 * epoll may still hold its address for a file closed under it but kept open by a dup(). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

/* One direction's waiter: its future, reused wait after wait (a new id each time, as
 * asyncio makes a new one), and the wait's number, so that a fire queued for an earlier wait
 * (cancelled meanwhile) cannot resolve a later one. */
typedef struct fd_wait {
  lt_future fut;
  uint32_t gen;
  void *buf;    /* lt_read's wait: the handle reads into buf (n bytes at most), as asyncio's */
  size_t n;     /* sock_recv reads in its reader callback; NULL: readiness only */
  lt_task *task; /* the waiting task */
} fd_wait;

/* One fd's watcher: what epoll's data.ptr points at while the fd is registered. */
typedef struct fd_watch {
  lt__io_watch w;        /* first: epoll hands this back */
  lt__obj obj;           /* owns the futures; never released, not on the loop's list */
  int fd;
  bool in_set;           /* ADDed to the epoll set (for the file at fd then) */
  bool counted;          /* in loop->io_watched: some task waits on fd */
  bool unchecked;        /* a wait skipped its MOD (in loop->io_unchecked): see lt__io_check */
  uint8_t kind;          /* KIND_*: what a short read tells of the file registered */
  uint32_t interest;     /* EPOLLIN / EPOLLOUT registered (edge-triggered) */
  /* The step in which the registration last woke a waiter (a task and the loop's iteration:
   * a task runs one step per iteration). */
  lt_task *woke_task;
  uint64_t woke_iter;
  lt_future *reader;     /* the future of the task waiting for LT_READABLE, or NULL */
  lt_future *writer;     /* ... for LT_WRITABLE (the same future when one task waits for both) */
  fd_wait rd, wr;        /* the futures: rd serves a wait for both directions */
} fd_watch;

enum { KIND_UNKNOWN, KIND_STREAM, KIND_OTHER }; /* a short read drains a stream socket only */

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

/* Keeps loop->io_watched true: the loop polls only while some task waits on an fd. */
static void count(lt_loop *loop, fd_watch *fw) {
  bool waited = fw->reader || fw->writer;
  if (waited != fw->counted) {
    if (waited) loop->io_watched++;
    else loop->io_watched--;
    fw->counted = waited;
  }
}

/* Registers interest (EPOLLIN / EPOLLOUT, 0: leave the set) for the file at fw->fd: one
 * epoll_ctl, an ADD when the kernel has forgotten the fd (closed since, the number perhaps
 * reused). -errno when the fd is not open. */
static int reg(lt_loop *loop, fd_watch *fw, uint32_t interest) {
  if (fw->unchecked) { /* what the kernel holds for fd is known again */
    fw->unchecked = false;
    loop->io_unchecked--;
  }
  struct epoll_event ev = {.events = interest | EPOLLET, .data.ptr = &fw->w};
  int rc;
  if (!interest) {
    rc = fw->in_set ? epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fw->fd, NULL) : 0;
    fw->in_set = false;
    fw->interest = 0;
    return 0; /* gone already (closed) leaves nothing registered either */
  }
  bool added = !fw->in_set;
  if (added) {
    rc = epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fw->fd, &ev);
    if (rc < 0 && errno == EEXIST) {
      rc = epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fw->fd, &ev);
      added = false;
    }
  } else {
    rc = epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fw->fd, &ev);
    if (rc < 0 && errno == ENOENT) {
      rc = epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fw->fd, &ev);
      added = true;
    }
  }
  if (rc < 0) {
    rc = -errno;
    fw->in_set = false;
    fw->interest = 0;
    return rc;
  }
  if (added) fw->kind = KIND_UNKNOWN; /* a file of its own, perhaps not the last one's kind */
  fw->in_set = true;
  fw->interest = interest;
  return 0;
}

/* Arms fd for the directions waited for: one MOD (the kernel looks at its readiness anew),
 * none when `blocked` says the waiter has just seen those directions would block, in the step
 * the registration woke it: the edge ending the wait is still to come, unless the program
 * closed fd in this step and the number names another file now, which the loop finds out
 * before it sleeps (lt__io_check). */
static int arm(lt_loop *loop, fd_watch *fw, lt_task *t, bool blocked) {
  uint32_t want = (fw->reader ? EPOLLIN : 0u) | (fw->writer ? EPOLLOUT : 0u);
  int rc = 0;
  bool alive = fw->in_set && fw->woke_task == t && fw->woke_iter == loop->iterations;
  if (!blocked || !alive || (want & ~fw->interest)) {
    rc = reg(loop, fw, fw->interest | want);
  } else if (!fw->unchecked) {
    fw->unchecked = true;
    loop->io_unchecked++;
  }
  count(loop, fw);
  return rc;
}

static void mark_empty(lt_task *t, fd_watch *fw, uint64_t iter);

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
      int e = got < 0 ? errno : 0;
      fd_watch *fw = ((io_state *)loop->io)->byfd[fd];
      if (got < 0 && (e == EAGAIN || e == EWOULDBLOCK || e == EINTR)) {
        fw->reader = f;
        int rc = arm(loop, fw, NULL, false); /* the MOD looks at its readiness anew */
        if (rc == 0) return;
        fw->reader = NULL;
        count(loop, fw);
        e = -rc;
      }
      if (got < 0) err = -e;
      /* Drained: the task's next lt_read, in the step this wakes, waits for the edge (the
       * step's iteration is set when it resumes, in wait_fd). */
      else if (got > 0 && (size_t)got < w->n) mark_empty(w->task, fw, UINT64_MAX);
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
  /* A direction reported with nobody to wake leaves the interest (a hang-up nobody waits for
   * takes the fd out of the set): the loop is not told of it again. */
  uint32_t idle = 0;
  if (!rd && !fw->reader && (broken || (events & EPOLLIN))) idle |= EPOLLIN;
  if (!wr && !fw->writer && (broken || (events & EPOLLOUT))) idle |= EPOLLOUT;
  /* Bytes came that nobody waited to read: no fd is known empty any more (lt__io_known_empty;
   * the read there would find them, as asyncio's would). */
  if (idle & EPOLLIN) loop->io_wseq++;
  if (idle & fw->interest) {
    uint32_t keep = fw->interest & ~idle;
    if (broken && !fw->reader && !fw->writer && !rd && !wr) keep = 0;
    /* Should that fail, a waiter left waits on until it is cancelled (the fd is gone). */
    if (reg(loop, fw, keep) < 0) fw->interest = 0;
  }
  count(loop, fw);
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
static ssize_t wait_fd(lt_task *t, int fd, int events, bool blocked, lt__wait_reason reason,
                       void *buf, size_t n, const lt_srcloc *site) {
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
  w->task = t;
  if (events & LT_READABLE) fw->reader = f;
  if (events & LT_WRITABLE) fw->writer = f;
  rc = arm(loop, fw, t, blocked); /* -EBADF for an fd that is not open */
  if (rc == 0) {
    void *value = NULL;
    rc = lt__task_park_detail(t, f, reason, (uint64_t)fd, &value, site);
    if (rc == 0) got = buf ? (ssize_t)(uintptr_t)value : (int)(uintptr_t)value & events;
  }
  w->buf = NULL;
  /* The table may have grown while the task slept, so look the watcher up again. */
  fw = io->byfd[fd];
  if (rc == 0 && (buf || got > 0)) { /* woken by the registration: this step knows it alive */
    fw->woke_task = t;
    fw->woke_iter = loop->iterations;
    if (buf && t->io_empty_fd == fd && t->io_empty_iter == UINT64_MAX)
      t->io_empty_iter = loop->iterations; /* the handler's read came back short */
  }
  /* Cancelled (or failed to arm): this waiter goes; what it registered stays until an event
   * finds nobody waiting. */
  if (fw->reader == f) fw->reader = NULL;
  if (fw->writer == f) fw->writer = NULL;
  count(loop, fw);
  return rc < 0 ? rc : got;
}

void lt__io_check(lt_loop *loop) {
  io_state *io = loop->io;
  for (size_t i = 0; io && loop->io_unchecked > 0 && i < io->cap; i++) {
    fd_watch *fw = io->byfd[i];
    if (!fw || !fw->unchecked) continue;
    uint32_t want = (fw->reader ? EPOLLIN : 0u) | (fw->writer ? EPOLLOUT : 0u);
    if (want) {
      /* Should that fail (closed under its waiter), the wait goes on until it is cancelled. */
      reg(loop, fw, fw->interest | want);
    } else {
      fw->unchecked = false; /* nobody waits: the next wait re-arms it (not woken in step) */
      loop->io_unchecked--;
      fw->woke_task = NULL;
    }
  }
  loop->io_check_polls = 0;
}

int lt__wait_fd(lt_task *t, int fd, int events, const lt_srcloc *site) {
  return (int)wait_fd(t, fd, events, false, LT__WAIT_IO, NULL, 0, site);
}

int lt__wait_fd_as(lt_task *t, int fd, int events, lt__wait_reason reason,
                   const lt_srcloc *site) {
  return (int)wait_fd(t, fd, events, false, reason, NULL, 0, site);
}

int lt__wait_fd_blocked(lt_task *t, int fd, int events, const lt_srcloc *site) {
  return (int)wait_fd(t, fd, events, true, LT__WAIT_IO, NULL, 0, site);
}

ssize_t lt__read_fd(lt_task *t, int fd, void *buf, size_t n, const lt_srcloc *site) {
  return wait_fd(t, fd, LT_READABLE, true, LT__WAIT_IO, buf, n, site);
}

/* The watcher of fd when it is alive in t's step (woken by its registration), else NULL. */
static fd_watch *woke_in_step(lt_task *t, int fd) {
  lt_loop *loop = t->fut.loop;
  io_state *io = loop->io;
  if (!io || fd < 0 || (size_t)fd >= io->cap) return NULL;
  fd_watch *fw = io->byfd[fd];
  if (!fw || !fw->in_set || fw->woke_task != t || fw->woke_iter != loop->iterations) return NULL;
  return fw;
}

/* A short read of fw's fd, for t in its step of iteration iter: a stream socket is empty. */
static void mark_empty(lt_task *t, fd_watch *fw, uint64_t iter) {
  int fd = fw->fd;
  if (!(fw->interest & EPOLLIN)) return;
  if (fw->kind == KIND_UNKNOWN) {
    /* Once per registered file: a short read drains a stream socket, not a datagram one. */
    int type = 0;
    socklen_t len = sizeof type;
    bool stream = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
    fw->kind = stream ? KIND_STREAM : KIND_OTHER;
  }
  if (fw->kind != KIND_STREAM) return;
  t->io_empty_fd = fd;
  t->io_empty_iter = iter;
  t->io_empty_wseq = t->fut.loop->io_wseq;
}

void lt__io_read_short(lt_task *t, int fd) {
  fd_watch *fw = woke_in_step(t, fd);
  if (fw) mark_empty(t, fw, t->fut.loop->iterations);
}

void lt__io_forget(lt_loop *loop, int fd) {
  io_state *io = loop->io;
  if (loop->current && loop->current->io_empty_fd == fd) loop->current->io_empty_fd = -1;
  if (!io || fd < 0 || (size_t)fd >= io->cap || !io->byfd[fd]) return;
  io->byfd[fd]->woke_task = NULL;
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

/* signal.c: lt_add_signal_handler (asyncio's add_signal_handler on its self-pipe): a sigaction
 * handler writes the signal's number into the owning loop's pipe; the loop's read of the pipe
 * (_read_from_self) runs as a callback and schedules each signal's handler (_handle_signal),
 * so a handler runs two loop steps after the poll that saw the byte, as in asyncio. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "internal.h"

/* A loop's self-pipe for signals, while it has a handler. */
typedef struct sigloop {
  lt__io_watch watch;  /* the read end in the loop's epoll set */
  lt_loop *loop;
  int rfd, wfd;
  int handlers;        /* signals this loop handles */
  bool read_scheduled; /* a read_self is in the ready queue */
  bool closed;         /* its last handler went while read_self was queued: that frees it */
} sigloop;

typedef struct handler {
  lt_callback cb;
  void *arg;
  sigloop *owner; /* NULL: no handler */
} handler;

/* The write end the async handler uses, +1 (0: not handled). Written by the owning loop's
 * thread only (under mu), read by the handler in any thread. */
static atomic_int sig_wfd[NSIG];
static handler handlers[NSIG]; /* touched only by the owning loop's thread */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void on_signal(int sig) {
  int saved = errno;
  int fd = atomic_load(&sig_wfd[sig]) - 1;
  if (fd >= 0) {
    unsigned char b = (unsigned char)sig;
    ssize_t n = write(fd, &b, 1); /* a full pipe drops it, as asyncio's wakeup fd does */
    (void)n;
  }
  errno = saved;
}

/* One signal's call, with the callback it had when the byte was read. */
typedef struct call {
  lt_callback cb;
  void *arg;
} call;

static void call_run(void *arg) {
  call c = *(call *)arg;
  free(arg);
  c.cb(c.arg);
}

/* _read_from_self + _process_self_data: each byte read schedules its signal's handler. */
static void read_self(void *arg) {
  sigloop *sl = arg;
  sl->read_scheduled = false;
  if (sl->closed) {
    free(sl);
    return;
  }
  unsigned char buf[64];
  ssize_t n;
  while ((n = read(sl->rfd, buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; i++) {
      handler *h = &handlers[buf[i]];
      if (h->owner != sl) continue; /* removed meanwhile */
      call *c = malloc(sizeof *c);
      if (!c) continue;
      *c = (call){h->cb, h->arg};
      if (lt_call_soon(call_run, c) < 0) free(c);
    }
  }
}

static void pipe_event(lt_loop *loop, lt__io_watch *w, uint32_t events) {
  (void)events;
  sigloop *sl = lt__container_of(w, sigloop, watch);
  if (sl->read_scheduled) return;
  if (lt_call_soon(read_self, sl) == 0) sl->read_scheduled = true;
  (void)loop;
}

/* The loop's sigloop, made on first use (NULL + errno). */
static sigloop **slot_of(lt_loop *loop);

static void sigloop_close(sigloop *sl) {
  epoll_ctl(sl->loop->epfd, EPOLL_CTL_DEL, sl->rfd, NULL);
  close(sl->rfd);
  close(sl->wfd);
  sl->loop->io_watched--; /* the loop polls for it while it is armed (see loop.c) */
  *slot_of(sl->loop) = NULL;
  if (sl->read_scheduled)
    sl->closed = true;
  else
    free(sl);
}

/* Per loop: found by a small table (loops with signal handlers are few). */
#define MAX_LOOPS 64
static struct {
  lt_loop *loop;
  sigloop *sl;
} loops[MAX_LOOPS];

static sigloop **slot_of(lt_loop *loop) {
  for (int i = 0; i < MAX_LOOPS; i++)
    if (loops[i].loop == loop) return &loops[i].sl;
  return NULL;
}

static void release_slot(lt_loop *loop) {
  pthread_mutex_lock(&mu);
  for (int i = 0; i < MAX_LOOPS; i++)
    if (loops[i].loop == loop) {
      loops[i].loop = NULL;
      loops[i].sl = NULL;
    }
  pthread_mutex_unlock(&mu);
}

static int restore_default(int sig) {
  struct sigaction sa = {.sa_handler = SIG_DFL};
  sigemptyset(&sa.sa_mask);
  return sigaction(sig, &sa, NULL) == 0 ? 0 : -errno;
}

static void remove_handler(sigloop *sl, int sig) {
  restore_default(sig);
  pthread_mutex_lock(&mu);
  atomic_store(&sig_wfd[sig], 0);
  handlers[sig] = (handler){0};
  pthread_mutex_unlock(&mu);
  if (--sl->handlers == 0) sigloop_close(sl);
}

/* When the loop ends, its handlers go (asyncio's close() removes them too). */
static void on_loop_close(lt_loop *loop, void *arg) {
  (void)arg;
  sigloop **slot = slot_of(loop);
  for (int sig = 1; slot && *slot && sig < NSIG; sig++)
    if (handlers[sig].owner == *slot) remove_handler(*slot, sig);
  release_slot(loop);
}

static int sigloop_open(lt_loop *loop, sigloop **out) {
  pthread_mutex_lock(&mu);
  sigloop **slot = slot_of(loop);
  bool fresh = !slot;
  if (!slot) slot = slot_of(NULL);
  pthread_mutex_unlock(&mu);
  if (!slot) return -ENOMEM; /* MAX_LOOPS loops with handlers at once */
  if (*slot) {
    *out = *slot;
    return 0;
  }
  sigloop *sl = calloc(1, sizeof *sl);
  if (!sl) return -ENOMEM;
  int fds[2];
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    free(sl);
    return -errno;
  }
  sl->rfd = fds[0];
  sl->wfd = fds[1];
  sl->loop = loop;
  sl->watch.on_event = pipe_event;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &sl->watch};
  int rc = epoll_ctl(loop->epfd, EPOLL_CTL_ADD, sl->rfd, &ev) == 0 ? 0 : -errno;
  if (rc == 0 && fresh) rc = lt__loop_on_close(loop, on_loop_close, NULL);
  if (rc < 0) {
    close(fds[0]);
    close(fds[1]);
    free(sl);
    return rc;
  }
  loop->io_watched++;
  pthread_mutex_lock(&mu);
  for (int i = 0; fresh && i < MAX_LOOPS; i++)
    if (&loops[i].sl == slot) loops[i].loop = loop;
  *slot = sl;
  pthread_mutex_unlock(&mu);
  *out = sl;
  return 0;
}

static int check_sig(int sig, const char *who) {
  if (sig <= 0 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP) {
    lt__misuse("%s: signal %d cannot be handled", who, sig);
    return -EINVAL;
  }
  return 0;
}

int lt_add_signal_handler(int sig, lt_callback cb, void *arg) {
  lt_loop *loop = lt__loop_check("lt_add_signal_handler");
  if (!loop) return -EPERM;
  int rc = check_sig(sig, "lt_add_signal_handler");
  if (rc < 0) return rc;
  if (!cb) {
    lt__misuse("lt_add_signal_handler without a callback");
    return -EINVAL;
  }
  pthread_mutex_lock(&mu);
  sigloop *other = handlers[sig].owner;
  pthread_mutex_unlock(&mu);
  if (other && other->loop != loop) return -EBUSY;
  sigloop *sl = NULL;
  rc = sigloop_open(loop, &sl);
  if (rc < 0) return rc;
  struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
  sigemptyset(&sa.sa_mask);
  pthread_mutex_lock(&mu);
  bool had = handlers[sig].owner == sl;
  handlers[sig] = (handler){cb, arg, sl};
  atomic_store(&sig_wfd[sig], sl->wfd + 1);
  pthread_mutex_unlock(&mu);
  if (!had) sl->handlers++;
  if (sigaction(sig, &sa, NULL) != 0) {
    rc = -errno;
    remove_handler(sl, sig);
    return rc;
  }
  return 0;
}

int lt_remove_signal_handler(int sig) {
  lt_loop *loop = lt__loop_check("lt_remove_signal_handler");
  if (!loop) return -EPERM;
  int rc = check_sig(sig, "lt_remove_signal_handler");
  if (rc < 0) return rc;
  sigloop *sl = handlers[sig].owner;
  if (!sl || sl->loop != loop) return 0;
  remove_handler(sl, sig);
  return 1;
}

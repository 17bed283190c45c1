/* process.c: lt_process, asyncio.create_subprocess_exec's Process: posix_spawnp with the pipes
 * asked for dup'ed onto the child's 0, 1, 2; the exit watched through a pidfd in the loop's
 * epoll set (or, where pidfd_open is missing, as under valgrind, by a thread blocked in
 * waitpid: asyncio 3.11's ThreadedChildWatcher), reaped by a callback (the child watcher's
 * _process_exited) that resolves the future every lt_process_wait parks on (reason
 * "process"). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

struct lt_process {
  lt__obj obj;         /* the user's reference, and the watch's while it is armed */
  lt_loop *loop;
  pid_t pid;
  int pidfd;           /* -1 once reaped */
  lt__io_watch watch;
  lt_future exit;      /* resolved with the returncode once reaped */
  int returncode;
  bool exited;
  bool reap_scheduled;
  lt_stream *pipes[3]; /* stdin, stdout, stderr: the parent's ends, or NULL */
};

static void process_destroy(lt__obj *o) {
  lt_process *p = lt__container_of(o, lt_process, obj);
  lt__future_fini(&p->exit);
  if (p->pidfd >= 0) close(p->pidfd); /* the loop has ended: the child is not reaped here */
  free(p);
}

static void unwatch(lt_process *p) {
  epoll_ctl(p->loop->epfd, EPOLL_CTL_DEL, p->pidfd, NULL);
  close(p->pidfd);
  p->pidfd = -1;
  p->loop->io_watched--; /* the loop polls for it while it is armed (see loop.c) */
}

/* _process_exited: record the returncode (r: waitpid's result), wake every waiter. */
static void exited(lt_process *p, pid_t r, int status) {
  p->returncode = r < 0 ? 255 /* reaped by someone else: unknown, as asyncio says */
                  : WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
  p->exited = true;
  if (p->pidfd >= 0) unwatch(p);
  lt_loop *loop = p->loop;
  uint8_t kind = loop->waker_kind; /* the process woke its waiters (the timeline's arrow) */
  uint64_t id = loop->waker_id;
  loop->waker_kind = LT_WAKER_IO;
  loop->waker_id = (uint64_t)p->pid;
  lt__future_complete(&p->exit, LT_FUTURE_RESULT, 0, (void *)(intptr_t)p->returncode);
  loop->waker_kind = kind;
  loop->waker_id = id;
  lt__obj_release(&p->obj); /* the watch's */
}

static void reap(void *arg) {
  lt_process *p = arg;
  p->reap_scheduled = false;
  int status = 0;
  pid_t r = waitpid(p->pid, &status, WNOHANG);
  if (r != 0) exited(p, r, status); /* 0: not yet (a spurious wake-up): keep watching */
  lt__obj_release(&p->obj); /* the scheduled reap's */
}

/* ---- without a pidfd: a thread waits (it touches nothing of the loop's but the call) ---- */

typedef struct waiter_thread {
  lt_loop *loop;
  lt_process *p; /* read on the loop's thread only */
  pid_t pid, r;
  int status;
} waiter_thread;

static void thread_reaped(void *arg) {
  waiter_thread *w = arg;
  exited(w->p, w->r, w->status);
  free(w);
}

static void *wait_thread(void *arg) {
  waiter_thread *w = arg;
  do w->r = waitpid(w->pid, &w->status, 0);
  while (w->r < 0 && errno == EINTR);
  if (lt_call_soon_threadsafe(w->loop, thread_reaped, w) < 0) free(w); /* the loop is gone */
  return NULL;
}

static int watch_by_thread(lt_process *p) {
  waiter_thread *w = calloc(1, sizeof *w);
  if (!w) return -ENOMEM;
  *w = (waiter_thread){.loop = p->loop, .p = p, .pid = p->pid};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_t th;
  int rc = pthread_create(&th, &attr, wait_thread, w);
  pthread_attr_destroy(&attr);
  if (rc != 0) free(w);
  return -rc;
}

static void pidfd_event(lt_loop *loop, lt__io_watch *w, uint32_t events) {
  (void)events;
  lt_process *p = lt__container_of(w, lt_process, watch);
  if (p->reap_scheduled || p->exited) return;
  lt__obj_retain(&p->obj);
  if (lt_call_soon(reap, p) == 0)
    p->reap_scheduled = true;
  else
    lt__obj_release(&p->obj);
  (void)loop;
}

/* The pipes asked for: fds[i][0] read end, fds[i][1] write end; -1 where not asked. */
static int make_pipes(unsigned flags, int fds[3][2]) {
  static const unsigned want[3] = {LT_PROCESS_STDIN_PIPE, LT_PROCESS_STDOUT_PIPE,
                                   LT_PROCESS_STDERR_PIPE};
  for (int i = 0; i < 3; i++) {
    fds[i][0] = fds[i][1] = -1;
    if ((flags & want[i]) && pipe2(fds[i], O_CLOEXEC) != 0) return -errno;
  }
  return 0;
}

static void close_pipes(int fds[3][2]) {
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 2; j++)
      if (fds[i][j] >= 0) close(fds[i][j]);
}

/* Whether file can be run (as execvp would find it): 0, -ENOENT or -EACCES. posix_spawnp
 * reports this too, but not everywhere (not under valgrind): asyncio raises at once. */
static int find_program(const char *file) {
  if (strchr(file, '/')) return access(file, X_OK) == 0 ? 0 : -errno;
  const char *path = getenv("PATH");
  if (!path) path = "/bin:/usr/bin";
  int rc = -ENOENT;
  char buf[4096];
  for (const char *p = path;; p++) {
    const char *end = strchrnul(p, ':');
    int n = snprintf(buf, sizeof buf, "%.*s/%s", (int)(end - p), end == p ? "." : p, file);
    if (n > 0 && (size_t)n < sizeof buf) {
      if (access(buf, X_OK) == 0) return 0;
      if (errno == EACCES) rc = -EACCES;
    }
    if (!*end) return rc;
    p = end;
  }
}

static int spawn(const char *file, char *const argv[], unsigned flags, int fds[3][2],
                 pid_t *pid) {
  int found = find_program(file);
  if (found < 0) return found;
  posix_spawn_file_actions_t fa;
  if (posix_spawn_file_actions_init(&fa) != 0) return -ENOMEM;
  /* the child's ends onto 0, 1, 2 (dup2 clears their close-on-exec) */
  if (fds[0][0] >= 0) posix_spawn_file_actions_adddup2(&fa, fds[0][0], 0);
  if (flags & LT_PROCESS_STDIN_DEVNULL)
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (fds[1][1] >= 0) posix_spawn_file_actions_adddup2(&fa, fds[1][1], 1);
  if (fds[2][1] >= 0) posix_spawn_file_actions_adddup2(&fa, fds[2][1], 2);
  if (flags & LT_PROCESS_STDERR_STDOUT) posix_spawn_file_actions_adddup2(&fa, 1, 2);
  extern char **environ;
  int rc = posix_spawnp(pid, file, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  return -rc;
}

lt_process *lt_create_subprocess_exec(const char *file, char *const argv[], unsigned flags) {
  lt_loop *loop = lt__loop_check("lt_create_subprocess_exec");
  if (!loop) {
    errno = EPERM;
    return NULL;
  }
  if (!file || !argv || !argv[0]) {
    lt__misuse("lt_create_subprocess_exec needs a program and argv (with argv[0])");
    errno = EINVAL;
    return NULL;
  }
  lt_process *p = calloc(1, sizeof *p);
  int fds[3][2];
  int rc = p ? make_pipes(flags, fds) : -ENOMEM;
  if (rc == 0) rc = spawn(file, argv, flags, fds, &p->pid);
  if (rc < 0) {
    if (p) close_pipes(fds);
    free(p);
    errno = -rc;
    return NULL;
  }
  /* the child has its ends: the parent keeps the others */
  int mine[3] = {fds[0][1], fds[1][0], fds[2][0]};
  for (int i = 0; i < 3; i++) {
    int theirs = i == 0 ? fds[0][0] : fds[i][1];
    if (theirs >= 0) close(theirs);
  }
  lt__obj_register(loop, &p->obj, process_destroy);
  p->loop = loop;
  lt__future_init(&p->exit, loop, &p->obj);
  lt__future_traced(&p->exit);
  for (int i = 0; i < 3; i++)
    if (mine[i] >= 0 && !(p->pipes[i] = lt_stream_new(mine[i]))) close(mine[i]);
  p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
  p->watch.on_event = pidfd_event;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &p->watch};
  int rc2 = p->pidfd < 0 ? -errno : 0;
  if (rc2 == 0 && epoll_ctl(loop->epfd, EPOLL_CTL_ADD, p->pidfd, &ev) != 0) {
    rc2 = -errno;
    close(p->pidfd);
    p->pidfd = -1;
  }
  if (rc2 == 0)
    loop->io_watched++;
  else
    rc2 = watch_by_thread(p);
  if (rc2 < 0) {
    lt__misuse("lt_create_subprocess_exec: cannot watch process %d (%s): killed", (int)p->pid,
               lt_strerror(rc2));
    kill(p->pid, SIGKILL);
    waitpid(p->pid, NULL, 0);
    lt_process_free(p);
    errno = -rc2;
    return NULL;
  }
  lt__obj_retain(&p->obj); /* the watch's, until reaped */
  return p;
}

pid_t lt_process_pid(const lt_process *p) { return p ? p->pid : -1; }
lt_stream *lt_process_stdin(lt_process *p) { return p ? p->pipes[0] : NULL; }
lt_stream *lt_process_stdout(lt_process *p) { return p ? p->pipes[1] : NULL; }
lt_stream *lt_process_stderr(lt_process *p) { return p ? p->pipes[2] : NULL; }

int lt_process_returncode(const lt_process *p, int *returncode) {
  if (!p) return -EINVAL;
  if (!p->exited) return -EAGAIN;
  if (returncode) *returncode = p->returncode;
  return 0;
}

int lt_process_wait_at(lt_process *p, int *returncode, const lt_srcloc *site) {
  lt_task *t = lt__task_check("lt_process_wait");
  if (!t) return -EPERM;
  if (!p) {
    lt__misuse("lt_process_wait on NULL");
    return -EINVAL;
  }
  int rc = 0;
  if (!p->exited) {
    lt__obj_retain(&p->obj);
    rc = lt__task_park_detail(t, &p->exit, LT__WAIT_PROCESS, (uint64_t)p->pid, NULL, site);
    lt__obj_release(&p->obj);
  }
  if (rc == 0 && returncode) *returncode = p->returncode;
  return rc;
}

int lt_process_send_signal(lt_process *p, int sig) {
  if (!p) return -EINVAL;
  if (p->exited) return -ESRCH; /* asyncio: ProcessLookupError */
  return kill(p->pid, sig) == 0 ? 0 : -errno;
}

int lt_process_terminate(lt_process *p) { return lt_process_send_signal(p, SIGTERM); }
int lt_process_kill(lt_process *p) { return lt_process_send_signal(p, SIGKILL); }

void lt_process_free(lt_process *p) {
  if (!p || p->loop != lt__tls_loop) return;
  for (int i = 0; i < 3; i++) {
    lt_stream_close(p->pipes[i]);
    p->pipes[i] = NULL;
  }
  lt__obj_release(&p->obj);
}

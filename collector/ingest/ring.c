/* ring.c: asking a flight recorder for a dump (see ring.h). */
#define _GNU_SOURCE
#include "ingest/ring.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


int ltc_ring_signal(const char *name) {
  if (strncmp(name, "SIG", 3) == 0) name += 3;
  if (strcmp(name, "USR1") == 0) return SIGUSR1;
  if (strcmp(name, "USR2") == 0) return SIGUSR2;
  char *end;
  long v = strtol(name, &end, 10);
  return *end || end == name || v <= 0 || v >= NSIG || v == SIGKILL || v == SIGSTOP ? 0
                                                                                    : (int)v;
}

/* The flight recorder's thread is named lt-ring: without it, the signal would do what its
 * default does (USR2 ends the process). */
static bool runs_ring(int pid) {
  char dir[64];
  snprintf(dir, sizeof dir, "/proc/%d/task", pid);
  DIR *d = opendir(dir);
  if (!d) return false;
  bool found = false;
  for (struct dirent *e; !found && (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char path[400], comm[32] = "";
    snprintf(path, sizeof path, "%s/%s/comm", dir, e->d_name);
    FILE *f = fopen(path, "re");
    if (!f) continue;
    found = fgets(comm, sizeof comm, f) && strncmp(comm, "lt-ring\n", 8) == 0;
    fclose(f);
  }
  closedir(d);
  return found;
}

/* The value of name in process pid's environment, into buf ("" when it has none). */
static void env_of(int pid, const char *name, char *buf, size_t len) {
  char path[64], env[65536];
  snprintf(path, sizeof path, "/proc/%d/environ", pid);
  buf[0] = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, env, sizeof env - 1);
  close(fd);
  if (n <= 0) return;
  env[n] = 0;
  size_t k = strlen(name);
  for (char *p = env; p < env + n; p += strlen(p) + 1)
    if (strncmp(p, name, k) == 0 && p[k] == '=') {
      snprintf(buf, len, "%s", p + k + 1);
      return;
    }
}

/* Where process pid looks for its request (the runtime's lt__ring_request_path): its
 * $XDG_RUNTIME_DIR/looptrace, else ${TMPDIR:-/tmp}/looptrace-UID; made (0700) when missing,
 * and it must be this user's alone. */
static int request_dir(int pid, char *dir, size_t len, ltc_err *err) {
  char run[256], tmp[256];
  env_of(pid, "XDG_RUNTIME_DIR", run, sizeof run);
  env_of(pid, "TMPDIR", tmp, sizeof tmp);
  if (run[0])
    snprintf(dir, len, "%s/looptrace", run);
  else
    snprintf(dir, len, "%s/looptrace-%u", tmp[0] ? tmp : "/tmp", (unsigned)getuid());
  if (mkdir(dir, 0700) < 0 && errno != EEXIST)
    return ltc_fail(err, -errno, "cannot make %s: %s", dir, strerror(errno));
  struct stat st;
  if (lstat(dir, &st) < 0) return ltc_fail(err, -errno, "%s: %s", dir, strerror(errno));
  if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077))
    return ltc_fail(err, -EPERM, "%s is not a directory of yours alone", dir);
  return 0;
}

int ltc_ring_request(int pid, const char *spec, int signo, ltc_err *err) {
  if (pid <= 0) return ltc_fail(err, -EINVAL, "%d is not a process id", pid);
  if (kill(pid, 0) < 0)
    return ltc_fail(err, errno == ESRCH ? -ENOENT : -errno, "process %d: %s", pid,
                    errno == ESRCH ? "no such process" : strerror(errno));
  if (!runs_ring(pid))
    return ltc_fail(err, -ENOENT,
                    "process %d does not run the flight recorder (start it with "
                    "LOOPTRACE=ring:SIZE); it was not signalled", pid);
  /* the runtime looks in its default socket's directory, as its environment names it */
  char dir[300];
  int rc = request_dir(pid, dir, sizeof dir, err);
  if (rc < 0) return rc;
  char path[400], tmp[420];
  snprintf(path, sizeof path, "%s/ring-%d.req", dir, pid);
  snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return ltc_fail(err, -errno, "%s: %s", tmp, strerror(errno));
  size_t n = strlen(spec);
  bool ok = write(fd, spec, n) == (ssize_t)n && write(fd, "\n", 1) == 1;
  close(fd);
  if (!ok || rename(tmp, path) < 0) {
    rc = -errno;
    unlink(tmp);
    return ltc_fail(err, rc ? rc : -EIO, "writing %s: %s", path, strerror(errno));
  }
  if (kill(pid, signo) < 0) {
    rc = -errno;
    unlink(path);
    return ltc_fail(err, rc, "signalling process %d: %s", pid, strerror(-rc));
  }
  return 0;
}

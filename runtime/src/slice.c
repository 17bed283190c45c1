/* slice.c: the loop thread's time slice: asks Linux's EEVDF scheduler (6.12 and later) for a
 * short one, so that a loop waking for a timer or a read takes its CPU at once instead of
 * waiting for a busy neighbour's slice to run out.
 *
 * Under EEVDF a woken task preempts the running one only when its slice is shorter; with the
 * default slice (0.75 ms × (1 + log2 CPUs)) a wake-up that lands on a CPU running a browser,
 * a compiler or the collector waits out the rest of that task's slice. The kernel takes the
 * slice in sched_attr.sched_runtime for fair policies and reports it back in sched_getattr;
 * older kernels accept the field and ignore it, which the read-back tells. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* struct sched_attr as the kernel has it since 3.14 (SCHED_ATTR_SIZE_VER0, 48 bytes): our own
 * copy, since glibc and linux/sched/types.h disagree on who declares it. */
typedef struct lt__sched_attr {
  uint32_t size;
  uint32_t policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime;
  uint64_t deadline;
  uint64_t period;
} lt__sched_attr;

#define SLICE_MIN_NS 100000LL    /* the kernel clamps to 0.1 ms..100 ms: we refuse instead */
#define SLICE_MAX_NS 100000000LL

static int get_attr(lt__sched_attr *a) {
  memset(a, 0, sizeof *a);
  return syscall(SYS_sched_getattr, 0, a, sizeof *a, 0) == 0 ? 0 : -errno;
}

int lt_set_slice(int64_t slice_ns) {
  if (slice_ns != 0 && (slice_ns < SLICE_MIN_NS || slice_ns > SLICE_MAX_NS)) return -ERANGE;
  lt__sched_attr a;
  int rc = get_attr(&a);
  if (rc < 0) return rc == -ENOSYS ? -EOPNOTSUPP : rc;
  if (a.policy != SCHED_OTHER && a.policy != SCHED_BATCH && a.policy != SCHED_IDLE)
    return -EINVAL; /* real-time and deadline threads have no fair slice */
  /* The same policy and nice (sched_setattr sets both): only the slice changes. */
  lt__sched_attr set = {.size = sizeof set, .policy = a.policy, .nice = a.nice,
                        .runtime = (uint64_t)slice_ns};
  if (syscall(SYS_sched_setattr, 0, &set, 0) != 0) return -errno;
  if (slice_ns == 0) return 0;
  if ((rc = get_attr(&a)) < 0) return rc;
  return a.runtime == (uint64_t)slice_ns ? 0 : -EOPNOTSUPP;
}

/* LOOPTRACE_SLICE_US: unset or empty leaves the slice alone; else microseconds, 100..100000.
 * Returns the slice lt_run set (to undo when it returns), or 0. */
int64_t lt__slice_from_env(void) {
  const char *v = getenv("LOOPTRACE_SLICE_US");
  if (!v || !*v) return 0;
  char *end;
  errno = 0;
  long long us = strtoll(v, &end, 10);
  int rc = errno || *end || us <= 0 || us > SLICE_MAX_NS / 1000 ? -ERANGE : lt_set_slice(us * 1000);
  if (rc == 0) return us * 1000;
  static atomic_int said; /* once per process, not once per loop */
  if (atomic_fetch_add(&said, 1) == 0)
    fprintf(stderr, "looptrace: LOOPTRACE_SLICE_US=%s: %s; the slice stays the kernel's\n", v,
            rc == -ERANGE      ? "not a slice (whole microseconds from 100 to 100000)"
            : rc == -EOPNOTSUPP ? "this kernel has no custom slices (Linux 6.12 and later do)"
                                : strerror(-rc));
  return 0;
}

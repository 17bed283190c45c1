#define _GNU_SOURCE
/* print.c: lt_print, a line to stdout from a task, flushed at once. */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

int lt_print(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  flockfile(stdout);
  int n = vfprintf(stdout, fmt, ap);
  putc_unlocked('\n', stdout);
  fflush_unlocked(stdout);
  funlockfile(stdout);
  va_end(ap);
  return n < 0 ? -EIO : n + 1;
}

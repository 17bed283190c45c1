/* print.c: lt_print, a line to stdout from a task, flushed at once and, when tracing, recorded
 * as a mark where it was printed: the program's output reads on its own timeline. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

int lt_print(const char *fmt, ...) {
  char small[1024];
  char *line = small;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return -EINVAL;
  if ((size_t)n >= sizeof small) {
    line = malloc((size_t)n + 1);
    if (!line) return -ENOMEM;
    va_start(ap, fmt);
    vsnprintf(line, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  flockfile(stdout);
  fwrite_unlocked(line, 1, (size_t)n, stdout);
  putc_unlocked('\n', stdout);
  int rc = fflush_unlocked(stdout);
  funlockfile(stdout);
  lt_mark("%s", line);
  if (line != small) free(line);
  return rc == 0 ? n + 1 : -EIO;
}

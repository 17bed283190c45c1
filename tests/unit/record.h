/* record.h: a tiny event log for tests: rec("T1 start") appends words, and rec_is("...")
 * compares the whole log, so an ordering test states the exact order it expects. */
#ifndef LT_TEST_RECORD_H
#define LT_TEST_RECORD_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static char rec_log[8192];

static inline void rec_reset(void) { rec_log[0] = 0; }

__attribute__((format(printf, 1, 2))) static inline void rec(const char *fmt, ...) {
  size_t len = strlen(rec_log);
  if (len && len < sizeof rec_log - 1) rec_log[len++] = ' ';
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(rec_log + len, sizeof rec_log - len, fmt, ap);
  va_end(ap);
}

#define rec_is(expected) assert_string_equal(rec_log, (expected))

#endif

/* fuzz_util.c: what the libFuzzer harnesses share (see fuzz_util.h). */
#define _GNU_SOURCE
#include "fuzz_util.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/utf8.h"

lt_fuzz_rng lt_fuzz_rng_of(const uint8_t *data, size_t size) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; i++) h = (h ^ data[i]) * 1099511628211ull;
  return (lt_fuzz_rng){h | 1};
}

uint64_t lt_fuzz_next(lt_fuzz_rng *r) { /* xorshift64* */
  r->s ^= r->s >> 12;
  r->s ^= r->s << 25;
  r->s ^= r->s >> 27;
  return r->s * 2685821657736338717ull;
}

size_t lt_fuzz_piece(lt_fuzz_rng *r, size_t left) {
  uint64_t x = lt_fuzz_next(r);
  size_t n;
  switch (x & 3) {
  case 0: n = 1 + (x >> 8) % 4; break;    /* a byte or a few: splits inside every header */
  case 1: n = 1 + (x >> 8) % 64; break;
  case 2: n = 1 + (x >> 8) % 4096; break;
  default: n = left; break;               /* the rest at once */
  }
  return n < left ? n : left;
}

static char dir[128];

static void remove_dir(void) {
  if (!dir[0]) return;
  DIR *d = opendir(dir);
  struct dirent *e;
  char p[512];
  while (d && (e = readdir(d)))
    if (e->d_name[0] != '.') {
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      unlink(p);
    }
  if (d) closedir(d);
  rmdir(dir);
}

const char *lt_fuzz_path(const char *name) {
  static char path[256];
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "%s/lt-fuzz-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(dir)) lt_fuzz_fail(__FILE__, __LINE__, "mkdtemp: %s", strerror(errno));
    atexit(remove_dir);
  }
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return path;
}

void lt_fuzz_check_json(const char *what, const char *text, size_t len) {
  LT_FUZZ_ASSERT(text, "%s: no reply", what);
  LT_FUZZ_ASSERT(ltc_utf8_valid(text, len), "%s: the reply is not UTF-8: %.200s", what, text);
  cJSON *back = cJSON_ParseWithLength(text, len);
  LT_FUZZ_ASSERT(back, "%s: the reply is not JSON: %.200s", what, text);
  cJSON_Delete(back);
}

void lt_fuzz_check_err(const char *what, const ltc_err *err) {
  int st = ltc_err_http_status(err->code);
  LT_FUZZ_ASSERT(st == 400 || st == 404 || st == 413, "%s failed (%d): %s", what, st, err->msg);
}

void lt_fuzz_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s:%d: ", file, line);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  abort();
}

/* fuzz_seeded.c: streams stored as sessions, the seeds among them, for the harnesses that
 * read a store (see fuzz_util.h); apart from fuzz_util.c so that fuzz_decode links the
 * decoder alone and its coverage speaks of it alone. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_util.h"

int64_t lt_fuzz_store(ltc_store *w, const uint8_t *data, size_t size, lt_fuzz_rng *rng,
                      ltc_stream_result *res) {
  ltc_err err = {0};
  ltc_stream *st = ltc_stream_new(w, NULL);
  LT_FUZZ_ASSERT(st, "out of memory");
  for (size_t off = 0; off < size;) {
    size_t n = lt_fuzz_piece(rng, size - off);
    LT_FUZZ_ASSERT(ltc_stream_feed(st, data + off, n, &err) == 0, "feed: %s", err.msg);
    off += n;
  }
  LT_FUZZ_ASSERT(ltc_stream_finish(st, false, res, &err) == 0, "finish: %s", err.msg);
  LT_FUZZ_ASSERT(ltc_store_commit(w, &err) == 0, "commit: %s", err.msg);
  return res->session;
}

int lt_fuzz_store_seeds(ltc_store *w) {
  DIR *d = opendir(LT_FUZZ_SEEDS);
  LT_FUZZ_ASSERT(d, "no seeds in %s (ctest's fuzz_seeds makes them)", LT_FUZZ_SEEDS);
  struct dirent *e;
  int n = 0;
  char p[512];
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    snprintf(p, sizeof p, "%s/%s", LT_FUZZ_SEEDS, e->d_name);
    FILE *f = fopen(p, "rb");
    if (!f) continue;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, got;
    do {
      if (len == cap && !(buf = realloc(buf, cap = cap ? 2 * cap : 65536))) abort();
      got = fread(buf + len, 1, cap - len, f);
      len += got;
    } while (got > 0);
    fclose(f);
    lt_fuzz_rng rng = lt_fuzz_rng_of(buf, len);
    ltc_stream_result res;
    if (lt_fuzz_store(w, buf, len, &rng, &res) > 0) n++;
    free(buf);
  }
  closedir(d);
  LT_FUZZ_ASSERT(n > 0, "no seed session stored from %s", LT_FUZZ_SEEDS);
  return n;
}

void lt_fuzz_open_seeded(const char *name, ltc_store **writer, ltc_store **reader) {
  ltc_err err = {0};
  const char *db = lt_fuzz_path(name);
  LT_FUZZ_ASSERT(ltc_store_open(db, writer, &err) == 0, "open %s: %s", db, err.msg);
  lt_fuzz_store_seeds(*writer);
  LT_FUZZ_ASSERT(ltc_store_open_reader(db, reader, &err) == 0, "reader: %s", err.msg);
}

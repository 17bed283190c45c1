/* fuzz_util.h: what the libFuzzer harnesses share: a split of the input into pieces chosen
 * by the input itself, a private temporary directory, and the checks every reply must pass
 * (JSON that parses, UTF-8 only) (fuzz_util.c); streams stored as sessions, the seeds among
 * them (fuzz_seeded.c). */
#ifndef LT_FUZZ_UTIL_H
#define LT_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "ingest/stream.h"
#include "store/store.h"

/* A small deterministic generator, seeded from the input's bytes (FNV-1a). */
typedef struct lt_fuzz_rng {
  uint64_t s;
} lt_fuzz_rng;
lt_fuzz_rng lt_fuzz_rng_of(const uint8_t *data, size_t size);
uint64_t lt_fuzz_next(lt_fuzz_rng *r);
/* The length of the next piece of what is left (1..left): mostly short, sometimes long. */
size_t lt_fuzz_piece(lt_fuzz_rng *r, size_t left);

/* A directory of this process's own (under /dev/shm when there is one: SQLite's syncs cost
 * nothing there), removed at exit; the path of NAME in it. */
const char *lt_fuzz_path(const char *name);

/* Stores a stream (all of it, in the pieces rng picks) as a session of w and commits; the
 * session's id (0 when no hello came). Aborts when the store fails. */
int64_t lt_fuzz_store(ltc_store *w, const uint8_t *data, size_t size, lt_fuzz_rng *rng,
                      ltc_stream_result *res);
/* Stores every seed trace (LT_FUZZ_SEEDS) as a session of w; how many. Aborts without any. */
int lt_fuzz_store_seeds(ltc_store *w);
/* A database NAME in the private directory, holding the seeds, opened to write and to read
 * (as the daemon's web thread reads). Aborts when it cannot. */
void lt_fuzz_open_seeded(const char *name, ltc_store **writer, ltc_store **reader);

/* Aborts unless text (len bytes) is valid UTF-8 and parses as JSON. */
void lt_fuzz_check_json(const char *what, const char *text, size_t len);
/* Aborts when err says the store failed (damaged block, SQLite error): a read of what the
 * store itself wrote must succeed or refuse the request. */
void lt_fuzz_check_err(const char *what, const ltc_err *err);
/* Aborts with why when cond is false. */
#define LT_FUZZ_ASSERT(cond, ...)                                                              \
  do {                                                                                         \
    if (!(cond)) lt_fuzz_fail(__FILE__, __LINE__, __VA_ARGS__);                                \
  } while (0)
void lt_fuzz_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

#endif

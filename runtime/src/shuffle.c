/* shuffle.c: shuffle mode, the one deliberate break of the loop's FIFO rule. With
 * LOOPTRACE_SHUFFLE=SEED in the environment, every iteration still runs exactly the callbacks
 * that were ready when it began, but in an order drawn from a seeded generator instead of the
 * order they were scheduled in: code that silently depends on FIFO order shows itself. The
 * same seed gives the same permutations, so a shuffled run can be replayed exactly (under the
 * virtual clock, where nothing else varies). The seed travels in the trace stream's hello.
 *
 * The generator is splitmix64. The process's first loop starts from SEED itself, its n-th
 * (counting from 0) from SEED + n * golden ratio, so that loops on several threads do not
 * shuffle alike. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool env_on;
static uint64_t env_seed;
static atomic_uint_fast64_t loops_seeded;

/* LOOPTRACE_SHUFFLE: unset, empty or "off" is FIFO; else a seed (decimal, or 0x hex). */
static void read_env(void) {
  const char *v = getenv("LOOPTRACE_SHUFFLE");
  if (!v || !*v || strcmp(v, "off") == 0) return;
  char *end;
  errno = 0;
  unsigned long long seed = strtoull(v, &end, 0);
  if (errno || *end || v[0] == '-') {
    fprintf(stderr,
            "looptrace: LOOPTRACE_SHUFFLE=%s is not a seed (a whole number from 0 to "
            "2^64-1); the ready queue stays FIFO\n",
            v);
    return;
  }
  env_on = true;
  env_seed = seed;
}

bool lt__shuffle_env(uint64_t *seed) {
  pthread_once(&once, read_env);
  *seed = env_seed;
  return env_on;
}

static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void lt__shuffle_init(lt_loop *loop) {
  uint64_t seed;
  loop->shuffle = lt__shuffle_env(&seed);
  if (!loop->shuffle) return;
  uint64_t n = atomic_fetch_add(&loops_seeded, 1);
  loop->shuffle_state = seed + n * 0x9e3779b97f4a7c15ull;
}

void lt__shuffle_batch(lt_loop *loop, size_t n) {
  lt__ring *q = &loop->ready;
  /* Fisher-Yates over the first n entries of the ring, from the back. */
  for (size_t i = n - 1; i > 0; i--) {
    size_t j = (size_t)(((unsigned __int128)splitmix64(&loop->shuffle_state) * (i + 1)) >> 64);
    lt__ready *a = &q->buf[(q->head + i) & q->mask], *b = &q->buf[(q->head + j) & q->mask];
    lt__ready t = *a;
    *a = *b;
    *b = t;
  }
}

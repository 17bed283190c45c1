/* distinct.c: telling repeated futures in a list apart (asyncio iterates set(fs)). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "distinct.h"

typedef struct sortkey {
  uintptr_t f;
  size_t index;
} sortkey;

static int cmp_key(const void *a, const void *b) {
  const sortkey *x = a, *y = b;
  if (x->f != y->f) return x->f < y->f ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

int lt__find_duplicates(lt_future *const *futs, size_t n, bool *dup) {
  sortkey *k = malloc((n ? n : 1) * sizeof *k);
  if (!k) return -ENOMEM;
  for (size_t i = 0; i < n; i++) k[i] = (sortkey){(uintptr_t)futs[i], i};
  qsort(k, n, sizeof *k, cmp_key);
  for (size_t i = 0; i < n; i++) dup[k[i].index] = i > 0 && k[i].f == k[i - 1].f;
  free(k);
  return 0;
}

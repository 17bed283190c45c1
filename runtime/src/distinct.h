/* distinct.h: private to the combinators that take a list of futures as asyncio takes a set
 * (as_completed, wait): which entries repeat one given earlier. */
#ifndef LT_DISTINCT_H
#define LT_DISTINCT_H

#include <stdbool.h>
#include <stddef.h>

#include "lt/future.h"

/* dup[i] = whether futs[i] is also futs[j] for some j < i. 0, or -ENOMEM. */
int lt__find_duplicates(lt_future *const *futs, size_t n, bool *dup);

#endif

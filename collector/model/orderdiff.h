/* orderdiff.h: comparing orderings (ordering.h). Two orderings are aligned by a shortest edit
 * script over their step keys (Myers' O((N+M)D) diff, after the common prefix and suffix are
 * set aside): every step of either run is kept ('='), only in the first ('-') or only in the
 * second ('+'). Several orderings are grouped: runs whose steps are all the same form one
 * group, and likewise runs that printed the same lines. */
#ifndef LTC_ORDERDIFF_H
#define LTC_ORDERDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/ordering.h"

/* Beyond this many differences the middle part is not aligned step by step: all of the
 * first run's middle is '-', then all of the second's '+' (and approximate is set). */
#define LTC_ODIFF_MAX_D 2000

typedef struct ltc_dop {
  char op;      /* '=', '-', '+' */
  int64_t a, b; /* step indices; -1 on the side it is missing from */
} ltc_dop;

typedef struct ltc_odiff {
  ltc_dop *ops; /* the whole alignment, in order */
  size_t nops;
  size_t common;    /* '=' ops */
  bool same;        /* no '-' or '+' at all */
  size_t first;     /* index in ops of the first divergence (when !same) */
  bool approximate; /* more than LTC_ODIFF_MAX_D differences: see above */
} ltc_odiff;

/* 0 or -ENOMEM. */
int ltc_odiff_run(const ltc_ordering *a, const ltc_ordering *b, ltc_odiff *out);
void ltc_odiff_free(ltc_odiff *d);

/* How many leading steps a and b share. */
size_t ltc_ordering_common_prefix(const ltc_ordering *a, const ltc_ordering *b);
/* Same steps throughout. */
bool ltc_ordering_equal(const ltc_ordering *a, const ltc_ordering *b);
/* Same printed lines (MARK steps' text), in the same order; *line (when not NULL) gets the
 * first line where they differ (the shorter one's count when one is a prefix). */
bool ltc_ordering_same_output(const ltc_ordering *a, const ltc_ordering *b, size_t *line);
/* The i-th printed line of o, or NULL past the last; lines counts them. */
const char *ltc_ordering_line(const ltc_ordering *o, size_t i);
size_t ltc_ordering_lines(const ltc_ordering *o);

/* Groups n orderings: group[i] gets the group of o[i]; groups are numbered from 0 by size,
 * largest first (ties: the group whose first run comes first). by_output groups by printed
 * lines instead of steps. Returns the number of groups, or -ENOMEM. */
int ltc_ordering_group(ltc_ordering *const *o, size_t n, bool by_output, int *group);

#endif

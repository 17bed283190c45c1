/* names.h: task names by (track, task id), learnt from TASK_CREATE records as a stream or a
 * stored session is read back; dump and export both name tasks through it. */
#ifndef LTC_NAMES_H
#define LTC_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "base/map-inl.h"

typedef struct ltc_names {
  ltc_map map; /* of struct ltc_name_entry; zero it, or start with LTC_NAMES_INIT */
} ltc_names;

/* 0, or -ENOMEM (the task stays unnamed). */
int ltc_names_put(ltc_names *n, uint32_t track, uint32_t task, const char *name);
/* The name, or NULL when unknown ("loop" for task 0). */
const char *ltc_names_get(const ltc_names *n, uint32_t track, uint64_t task);
void ltc_names_free(ltc_names *n);

#endif

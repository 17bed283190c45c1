/* names.h: task names by (track, task id), learnt from TASK_CREATE records as a stream or a
 * stored session is read back; dump and export both name tasks through it. */
#ifndef LTC_NAMES_H
#define LTC_NAMES_H

#include <stddef.h>
#include <stdint.h>

typedef struct ltc_names {
  struct ltc_name_slot {
    uint64_t key; /* track << 32 | task; the slot is empty when name is NULL */
    char *name;
  } *slots;
  size_t cap, len;
} ltc_names;

void ltc_names_put(ltc_names *n, uint32_t track, uint32_t task, const char *name);
/* The name, or NULL when unknown ("loop" for task 0). */
const char *ltc_names_get(const ltc_names *n, uint32_t track, uint64_t task);
void ltc_names_free(ltc_names *n);

#endif

/* names.c: the (track, task) -> name map (see names.h). */
#include "wire/names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct ltc_name_entry {
  uint64_t key; /* ltc_map_key(track, task) */
  char *name;
} name_entry;

int ltc_names_put(ltc_names *n, uint32_t track, uint32_t task, const char *name) {
  if (!n->map.size) n->map = LTC_MAP_OF(name_entry);
  char *copy = strdup(name ? name : "?");
  name_entry *e = copy ? ltc_map_put(&n->map, ltc_map_key(track, task), NULL) : NULL;
  if (!e) {
    free(copy);
    return -ENOMEM;
  }
  free(e->name);
  e->name = copy;
  return 0;
}

const char *ltc_names_get(const ltc_names *n, uint32_t track, uint64_t task) {
  if (task == 0) return "loop";
  const name_entry *e = ltc_map_find(&n->map, ltc_map_key(track, task));
  return e ? e->name : NULL;
}

void ltc_names_free(ltc_names *n) {
  for (size_t i = 0; i < n->map.cap; i++) free(((name_entry *)ltc_map_at(&n->map, i))->name);
  ltc_map_free(&n->map);
}

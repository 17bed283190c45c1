/* names.c: the (track, task) -> name map (see names.h). */
#include "names.h"

#include <stdlib.h>
#include <string.h>

static size_t slot_of(const ltc_names *n, uint64_t key) {
  size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull >> 32) & (n->cap - 1);
  while (n->slots[i].name && n->slots[i].key != key) i = (i + 1) & (n->cap - 1);
  return i;
}

void ltc_names_put(ltc_names *n, uint32_t track, uint32_t task, const char *name) {
  if ((n->len + 1) * 2 > n->cap) {
    ltc_names bigger = {.cap = n->cap ? n->cap * 2 : 256, .len = n->len};
    bigger.slots = calloc(bigger.cap, sizeof *bigger.slots);
    if (!bigger.slots) return;
    for (size_t i = 0; i < n->cap; i++)
      if (n->slots[i].name) bigger.slots[slot_of(&bigger, n->slots[i].key)] = n->slots[i];
    free(n->slots);
    *n = bigger;
  }
  uint64_t key = (uint64_t)track << 32 | task;
  size_t i = slot_of(n, key);
  if (n->slots[i].name)
    free(n->slots[i].name);
  else
    n->len++;
  n->slots[i].key = key;
  n->slots[i].name = strdup(name ? name : "?");
}

const char *ltc_names_get(const ltc_names *n, uint32_t track, uint64_t task) {
  if (task == 0) return "loop";
  if (!n->cap) return NULL;
  size_t i = slot_of(n, (uint64_t)track << 32 | (uint32_t)task);
  return n->slots[i].name;
}

void ltc_names_free(ltc_names *n) {
  for (size_t i = 0; i < n->cap; i++) free(n->slots[i].name);
  free(n->slots);
  n->slots = NULL;
  n->cap = n->len = 0;
}

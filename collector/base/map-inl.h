/* map-inl.h: the collector's one hash table (as libuv keeps its heap in heap-inl.h): open
 * addressing over nonzero u64 keys, entries of any struct that begins with its uint64_t key
 * (0 marks an empty slot), grown at half full. Used for strings and sites by id, task names
 * and task states by (track, task), timers by (track, id), interned texts by hash. Entries
 * move when the table grows: hold keys, not pointers, across a put. */
#ifndef LTC_MAP_INL_H
#define LTC_MAP_INL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct ltc_map {
  unsigned char *slots; /* cap entries of size bytes each */
  size_t size, cap, len;
} ltc_map;

/* An empty map of entries of type T. */
#define LTC_MAP_OF(T) ((ltc_map){NULL, sizeof(T), 0, 0})

/* The key of (track, id): never 0, whatever the id (ids are 32 bits on the wire; so is a
 * track's number, below 2^31). */
static inline uint64_t ltc_map_key(uint32_t track, uint64_t id) {
  return 1ull << 63 | (uint64_t)(track & 0x7fffffffu) << 32 | (uint32_t)id;
}
static inline uint32_t ltc_map_key_track(uint64_t key) {
  return (uint32_t)(key >> 32) & 0x7fffffffu;
}
static inline uint32_t ltc_map_key_id(uint64_t key) { return (uint32_t)key; }

static inline void *ltc_map_at(const ltc_map *m, size_t i) { return m->slots + i * m->size; }
static inline uint64_t ltc_map_key_at(const ltc_map *m, size_t i) {
  uint64_t k;
  memcpy(&k, ltc_map_at(m, i), sizeof k);
  return k;
}

/* Where key is, or the empty slot where it would go. */
static inline size_t ltc_map__slot(const ltc_map *m, uint64_t key) {
  size_t i = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & (m->cap - 1);
  for (;; i = (i + 1) & (m->cap - 1)) {
    uint64_t k = ltc_map_key_at(m, i);
    if (k == key || k == 0) return i;
  }
}

static inline void *ltc_map_find(const ltc_map *m, uint64_t key) {
  if (!m->cap || !key) return NULL;
  size_t i = ltc_map__slot(m, key);
  return ltc_map_key_at(m, i) ? ltc_map_at(m, i) : NULL;
}

/* The entry of key, made (zeroed but for its key) when new; *fresh (when not NULL) says
 * which. NULL without memory (or for key 0). */
static inline void *ltc_map_put(ltc_map *m, uint64_t key, bool *fresh) {
  if (!key) return NULL;
  if ((m->len + 1) * 2 > m->cap) {
    ltc_map grown = {NULL, m->size, m->cap ? m->cap * 2 : 64, m->len};
    grown.slots = calloc(grown.cap, grown.size);
    if (!grown.slots) return NULL;
    for (size_t i = 0; i < m->cap; i++) {
      uint64_t k = ltc_map_key_at(m, i);
      if (k) memcpy(ltc_map_at(&grown, ltc_map__slot(&grown, k)), ltc_map_at(m, i), m->size);
    }
    free(m->slots);
    *m = grown;
  }
  size_t i = ltc_map__slot(m, key);
  void *e = ltc_map_at(m, i);
  bool made = ltc_map_key_at(m, i) == 0;
  if (made) {
    memcpy(e, &key, sizeof key);
    m->len++;
  }
  if (fresh) *fresh = made;
  return e;
}

/* Frees the slots (not what entries point to: walk them first with ltc_map_at). */
static inline void ltc_map_free(ltc_map *m) {
  free(m->slots);
  *m = (ltc_map){NULL, m->size, 0, 0};
}

#endif

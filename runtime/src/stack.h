/* stack.h: task stacks: mmap'd with a PROT_NONE guard page below, so an overflow faults instead
 * of corrupting memory, and pooled per loop so spawning a task costs no syscall. */
#ifndef LT_STACK_H
#define LT_STACK_H

#include <stddef.h>

typedef struct lt__stack {
  void *lo;          /* lowest usable byte (just above the guard page) */
  size_t size;       /* usable bytes */
  unsigned vg_id;    /* valgrind's id for the registered stack */
} lt__stack;

typedef struct lt__stack_pool {
  lt__stack *free;   /* stacks of the pool's size, ready for reuse */
  size_t count, cap, limit;
  size_t size;       /* the size pooled stacks have */
  size_t live;       /* stacks handed out and not yet put back */
  unsigned explained; /* failures lt__stack_explain has worded */
} lt__stack_pool;

void lt__stack_pool_init(lt__stack_pool *p, size_t stack_size, size_t limit);
void lt__stack_pool_destroy(lt__stack_pool *p);
/* 0 or -ENOMEM (mmap refused, e.g. vm.max_map_count reached: each stack is two mappings, so
 * the default 65530 allows about 32k live stacks). */
int lt__stack_get(lt__stack_pool *p, size_t size, lt__stack *out);
/* Words a failed lt__stack_get(p, size, ...) = rc for the user, with the limit it likely hit
 * (in full the first time per pool, briefly after that). */
void lt__stack_explain(char *buf, size_t len, lt__stack_pool *p, size_t size, int rc);
void lt__stack_put(lt__stack_pool *p, lt__stack *s);

#endif

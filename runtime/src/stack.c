/* stack.c: guarded, pooled task stacks (see stack.h). */
#include "stack.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define LT_HAVE_VALGRIND 1
#endif
#endif

#include "sanitizer.h"

static size_t page_size(void) {
  static size_t ps;
  if (!ps) ps = (size_t)sysconf(_SC_PAGESIZE);
  return ps;
}

static size_t round_to_pages(size_t n) {
  size_t ps = page_size();
  return (n + ps - 1) / ps * ps;
}

/* A stack costs two entries in the process's memory map: mprotect splits the mapping into the
 * guard page and the usable part. The kernel caps the entries at vm.max_map_count (65530 by
 * default), so at most about 32k stacks can exist at once, fewer as the rest of the process
 * (malloc arenas, libraries, threads) holds its own; past that mmap or mprotect fails with
 * ENOMEM (lt__stack_explain words it for the user). */
static int stack_map(size_t size, lt__stack *out) {
  size_t ps = page_size();
  size = round_to_pages(size);
  /* One mapping, then the lowest page made inaccessible: the stack grows down into it. */
  char *base = mmap(NULL, size + ps, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) return -ENOMEM;
  if (mprotect(base, ps, PROT_NONE) != 0) {
    munmap(base, size + ps);
    return -ENOMEM;
  }
  out->lo = base + ps;
  out->size = size;
#ifdef LT_HAVE_VALGRIND
  out->vg_id = VALGRIND_STACK_REGISTER(out->lo, (char *)out->lo + size);
#else
  out->vg_id = 0;
#endif
  return 0;
}

/* Under ASan a finished task leaves its frames' redzones poisoned, and munmap does not clear
 * them: a stack reused from the pool, or mapped again at the same address, starts afresh. */
static void unpoison(lt__stack *s) {
#ifdef LT_ASAN
  __asan_unpoison_memory_region(s->lo, s->size);
#else
  (void)s;
#endif
}

static void stack_unmap(lt__stack *s) {
  unpoison(s);
#ifdef LT_HAVE_VALGRIND
  VALGRIND_STACK_DEREGISTER(s->vg_id);
#endif
  munmap((char *)s->lo - page_size(), s->size + page_size());
}

/* The first number in path, or -1. */
static long read_long(const char *path) {
  long n = -1;
  FILE *f = fopen(path, "r");
  if (f) {
    if (fscanf(f, "%ld", &n) != 1) n = -1;
    fclose(f);
  }
  return n;
}

void lt__stack_explain(char *buf, size_t len, lt__stack_pool *p, size_t size, int rc) {
  size_t kib = round_to_pages(size ? size : p->size) / 1024;
  if (p->explained++) { /* said in full once per loop: a flood of these says nothing new */
    snprintf(buf, len, "cannot map a %zu KiB stack (%s)", kib, strerror(-rc));
    return;
  }
  long limit = read_long("/proc/sys/vm/max_map_count");
  size_t mapped = p->live + p->count;
  if (limit > 0 && 2 * (long)mapped + 256 >= limit)
    snprintf(buf, len,
             "cannot map a %zu KiB stack (%s): %zu task stacks are mapped, 2 memory mappings "
             "each, and vm.max_map_count is %ld: about %ld tasks can be alive at once; raise it "
             "(sysctl vm.max_map_count) or keep fewer tasks alive",
             kib, strerror(-rc), mapped, limit, limit / 2);
  else
    snprintf(buf, len,
             "cannot map a %zu KiB stack (%s): out of address space or memory (ulimit -v, "
             "overcommit) with %zu task stacks mapped",
             kib, strerror(-rc), mapped);
}

void lt__stack_pool_init(lt__stack_pool *p, size_t stack_size, size_t limit) {
  p->free = NULL;
  p->count = p->cap = 0;
  p->live = p->explained = 0;
  p->limit = limit;
  p->size = round_to_pages(stack_size);
}

void lt__stack_pool_destroy(lt__stack_pool *p) {
  for (size_t i = 0; i < p->count; i++) stack_unmap(&p->free[i]);
  free(p->free);
  p->free = NULL;
  p->count = p->cap = 0;
}

int lt__stack_get(lt__stack_pool *p, size_t size, lt__stack *out) {
  if (size == 0 || round_to_pages(size) == p->size) {
    if (p->count > 0) {
      *out = p->free[--p->count];
      unpoison(out);
      p->live++;
      return 0;
    }
    size = p->size;
  }
  int rc = stack_map(size, out);
  if (rc == 0) {
    unpoison(out);
    p->live++;
  }
  return rc;
}

void lt__stack_put(lt__stack_pool *p, lt__stack *s) {
  p->live--;
  if (s->size == p->size && p->count < p->limit) {
    if (p->count == p->cap) {
      size_t cap = p->cap ? p->cap * 2 : 16;
      lt__stack *n = realloc(p->free, cap * sizeof *n);
      if (n) {
        p->free = n;
        p->cap = cap;
      }
    }
    if (p->count < p->cap) {
      p->free[p->count++] = *s;
      return;
    }
  }
  stack_unmap(s);
}

/* stack.c: guarded, pooled task stacks (see stack.h). */
#include "stack.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define LT_HAVE_VALGRIND 1
#endif
#endif

#if defined(__SANITIZE_ADDRESS__)
#define LT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LT_ASAN 1
#endif
#endif
#ifdef LT_ASAN
#include <sanitizer/asan_interface.h>
#endif

static size_t page_size(void) {
  static size_t ps;
  if (!ps) ps = (size_t)sysconf(_SC_PAGESIZE);
  return ps;
}

static size_t round_to_pages(size_t n) {
  size_t ps = page_size();
  return (n + ps - 1) / ps * ps;
}

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
#ifdef LT_ASAN
  /* The kernel may hand back the address range of a stack unmapped earlier; ASan's shadow for
   * it can still hold that stack's frame redzones, and the next write there (lt__ctx_make's
   * first frame) would be reported as a stack-buffer-overflow. */
  __asan_unpoison_memory_region(out->lo, size);
#endif
#ifdef LT_HAVE_VALGRIND
  out->vg_id = VALGRIND_STACK_REGISTER(out->lo, (char *)out->lo + size);
#else
  out->vg_id = 0;
#endif
  return 0;
}

static void stack_unmap(lt__stack *s) {
#ifdef LT_HAVE_VALGRIND
  VALGRIND_STACK_DEREGISTER(s->vg_id);
#endif
#ifdef LT_ASAN
  /* Leave no poisoned shadow behind for whatever is mapped here next. */
  __asan_unpoison_memory_region(s->lo, s->size);
#endif
  munmap((char *)s->lo - page_size(), s->size + page_size());
}

void lt__stack_pool_init(lt__stack_pool *p, size_t stack_size, size_t limit) {
  p->free = NULL;
  p->count = p->cap = 0;
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
#ifdef LT_ASAN
      /* The last task's frames left their redzones poisoned: this stack starts afresh. */
      __asan_unpoison_memory_region(out->lo, out->size);
#endif
      return 0;
    }
    size = p->size;
  }
  return stack_map(size, out);
}

void lt__stack_put(lt__stack_pool *p, lt__stack *s) {
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

/* ctx_ucontext.c: the portable context switch (makecontext/swapcontext), for architectures
 * without a hand-written one. Correct but slower: swapcontext also saves the signal mask. */
#include <stdint.h>
#include <stdlib.h>

#include "ctx.h"

static void ucontext_entry(unsigned hi, unsigned lo, unsigned ehi, unsigned elo) {
  void *arg = (void *)(((uintptr_t)hi << 16 << 16) | (uintptr_t)lo);
  lt__ctx_entry entry = (lt__ctx_entry)(((uintptr_t)ehi << 16 << 16) | (uintptr_t)elo);
  entry(arg);
  abort(); /* entry never returns */
}

void lt__ctx_make(lt__ctx *ctx, void *stack_lo, size_t stack_size, lt__ctx_entry entry,
                  void *arg) {
  uintptr_t a = (uintptr_t)arg, e = (uintptr_t)entry;
  getcontext(&ctx->uc);
  ctx->uc.uc_stack.ss_sp = stack_lo;
  ctx->uc.uc_stack.ss_size = stack_size;
  ctx->uc.uc_link = NULL;
  makecontext(&ctx->uc, (void (*)(void))ucontext_entry, 4, (unsigned)(a >> 16 >> 16),
              (unsigned)(a & 0xffffffffu), (unsigned)(e >> 16 >> 16),
              (unsigned)(e & 0xffffffffu));
}

void lt__ctx_switch(lt__ctx *from, lt__ctx *to) { swapcontext(&from->uc, &to->uc); }

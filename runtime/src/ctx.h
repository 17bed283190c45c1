/* ctx.h: the coroutine context switch. One implementation is chosen at build time:
 * ctx_x86_64.S (SysV: rbx rbp r12-r15, MXCSR, x87 control word), ctx_aarch64.S (x19-x30, sp,
 * d8-d15) or ctx_ucontext.c (portable, slower: swapcontext saves the signal mask). */
#ifndef LT_CTX_H
#define LT_CTX_H

#include <stddef.h>

#if defined(LT_CTX_UCONTEXT)
#include <ucontext.h>
typedef struct lt__ctx {
  ucontext_t uc;
} lt__ctx;
#else
typedef struct lt__ctx {
  void *sp; /* the saved stack pointer; registers live on the stack below it */
} lt__ctx;
#endif

typedef void (*lt__ctx_entry)(void *arg);

/* Prepares ctx so that the first switch to it calls entry(arg) on the given stack. entry must
 * never return: it switches away for the last time instead. */
void lt__ctx_make(lt__ctx *ctx, void *stack_lo, size_t stack_size, lt__ctx_entry entry,
                  void *arg);
/* Saves the current context into from and resumes to. */
void lt__ctx_switch(lt__ctx *from, lt__ctx *to);

#endif

/* ctx_asm.c: builds the first frame that ctx_x86_64.S / ctx_aarch64.S switch into. */
#include <stdint.h>
#include <string.h>

#include "ctx.h"

void lt__ctx_trampoline(void);

void lt__ctx_make(lt__ctx *ctx, void *stack_lo, size_t stack_size, lt__ctx_entry entry,
                  void *arg) {
  uintptr_t top = ((uintptr_t)stack_lo + stack_size) & ~(uintptr_t)15;
#if defined(__x86_64__)
  /* After the switch pops 8 + 6*8 bytes and rets, rsp = top - 16: 16-byte aligned. */
  uint64_t *sp = (uint64_t *)(top - 16 - 8 - 6 * 8 - 8);
  uint32_t mxcsr;
  uint16_t fpucw;
  __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
  __asm__ volatile("fnstcw %0" : "=m"(fpucw));
  memset(sp, 0, 8 * 8);
  memcpy(&sp[0], &mxcsr, 4);
  memcpy((char *)&sp[0] + 4, &fpucw, 2);
  sp[1] = 0;                              /* r15 */
  sp[2] = 0;                              /* r14 */
  sp[3] = (uint64_t)(uintptr_t)arg;       /* r13 */
  sp[4] = (uint64_t)(uintptr_t)entry;     /* r12 */
  sp[5] = 0;                              /* rbx */
  sp[6] = 0;                              /* rbp */
  sp[7] = (uint64_t)(uintptr_t)lt__ctx_trampoline; /* return address */
  ctx->sp = sp;
#elif defined(__aarch64__)
  uint64_t *sp = (uint64_t *)(top - 176);
  memset(sp, 0, 176);
  sp[0] = (uint64_t)(uintptr_t)entry;     /* x19 */
  sp[1] = (uint64_t)(uintptr_t)arg;       /* x20 */
  sp[11] = (uint64_t)(uintptr_t)lt__ctx_trampoline; /* x30 */
  ctx->sp = sp;
#else
#error "ctx_asm.c: no assembly context switch for this architecture; use LT_CONTEXT=ucontext"
#endif
}

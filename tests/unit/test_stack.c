/* test_stack: task stacks and the context switch, on every variant scripts/test builds (x86-64
 * asm, ASan+UBSan, aarch64 asm under qemu-user, ucontext):
 *   - a task that overflows its stack faults on the guard page below it: in a forked child,
 *     which must die of SIGSEGV after a handler (on an alternate stack) saw the faulting
 *     address inside the guard page. Under ASan too: our sigaction replaces ASan's SEGV
 *     handler (allow_user_segv_handler, on by default), so nothing needs skipping;
 *   - a task gets the stack size it asked for (lt_task_opts.stack_size) and can use nearly all;
 *     a stack that cannot be mapped fails its task with -ENOMEM, and the loop goes on;
 *   - stacks are reused: many tasks, sequential or in waves, do not grow /proc/self/maps, and
 *     a pooled stack reaches the next task as the last one left it;
 *   - callee-saved registers survive a yield while other tasks switch with other values in
 *     them (exact check in assembly: x86-64 rbx rbp r12-r15, aarch64 x19-x28 d8-d15), and so
 *     do the compiler's registers and the stack through deep recursion with a switch per level;
 *   - x86-64 only: the rounding mode (MXCSR and x87 control word) is per task, as both switches
 *     (asm, and glibc's swapcontext) save it. The aarch64 switch does not save FPCR (AAPCS64
 *     does not make it callee-saved), so that test is not built there. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <alloca.h>
#include <errno.h>
#include <fenv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <looptrace.h>

/* noipa: neither inlined nor cloned per constant argument (the frames must be real). */
#define NOINLINE __attribute__((noipa))

static size_t page(void) { return (size_t)sysconf(_SC_PAGESIZE); }

static int run_main(lt_task_fn fn, size_t default_stack) {
  lt_run_opts opts = {.clock = LT_CLOCK_VIRTUAL, .stack_size = default_stack};
  return lt_run(fn, NULL, NULL, &opts);
}

static lt_task *spawn_sized(lt_task_fn fn, void *arg, size_t stack_size) {
  return lt_spawn_at(fn, arg, &(lt_task_opts){.stack_size = stack_size}, LT_HERE);
}

/* Spawns fn(arg) with the given stack and returns its status. */
static int spawn_and_await(lt_task_fn fn, void *arg, size_t stack_size) {
  lt_task *t = spawn_sized(fn, arg, stack_size);
  if (!t) return -errno;
  int rc = lt_await(t, NULL);
  lt_task_release(t);
  return rc;
}

/* ---- overflow: the guard page ---- */

#define OVERFLOW_STACK ((size_t)64 * 1024)

static volatile uintptr_t guard_lo, guard_hi; /* where the fault must land */
static volatile long recurse_limit = 1L << 40;  /* never reached: keeps the recursion finite */
static int guard_pipe = -1;

static NOINLINE long recurse(volatile char *prev, long depth) {
  volatile char buf[512];
  buf[0] = (char)depth;
  buf[sizeof buf - 1] = prev ? prev[0] : 0;
  if (depth >= recurse_limit) return buf[0];
  return recurse(buf, depth + 1) + buf[sizeof buf - 1]; /* not a tail call */
}

static void on_segv(int sig, siginfo_t *si, void *uc) {
  (void)sig;
  (void)uc;
  uintptr_t a = (uintptr_t)si->si_addr;
  if (guard_lo && a >= guard_lo && a < guard_hi) {
    char ok = 'G';
    if (write(guard_pipe, &ok, 1) != 1) _exit(4);
    /* Back to the default action: returning retries the access, which now kills us. */
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigaction(SIGSEGV, &dfl, NULL);
    return;
  }
  _exit(3); /* a fault, but not on the guard page */
}

static int overflow_task(void *arg, void **result) {
  /* The stack is [lo, lo + size) with the guard page [lo - page, lo); this frame sits a few
   * hundred bytes below lo + size. */
  uintptr_t top = (uintptr_t)__builtin_frame_address(0);
  guard_lo = top - OVERFLOW_STACK - page();
  guard_hi = top - OVERFLOW_STACK + page();
  return (int)recurse(NULL, 0);
}

static int overflow_main(void *arg, void **result) {
  return spawn_and_await(overflow_task, NULL, OVERFLOW_STACK);
}

static void test_overflow_hits_guard_page(void **state) {
  (void)state;
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    guard_pipe = fds[1];
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    /* The handler runs on its own stack: the task's is exhausted. Under ASan this replaces
     * ASan's SEGV handler (allow_user_segv_handler), so the test runs there too. */
    static char altstack[64 * 1024];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    if (sigaltstack(&ss, NULL) != 0) _exit(5);
    struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_ONSTACK};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, NULL) != 0) _exit(6);
    run_main(overflow_main, 0);
    _exit(2); /* the overflow went unnoticed */
  }
  close(fds[1]);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  char got = 0;
  ssize_t n = read(fds[0], &got, 1);
  close(fds[0]);
  if (WIFEXITED(status))
    print_error("child exited with %d (2: no fault, 3: fault outside the guard page)\n",
                WEXITSTATUS(status));
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGSEGV);
  assert_int_equal(n, 1);
  assert_int_equal(got, 'G');
}

/* ---- a custom stack size is usable ---- */

static NOINLINE uint64_t use_stack(size_t n) {
  volatile unsigned char *p = alloca(n);
  for (size_t i = 0; i < n; i += 512) p[i] = (unsigned char)i;
  p[n - 1] = 1;
  /* The whole block lies below this frame: the stack really had room for it. */
  if ((uintptr_t)p + n > (uintptr_t)__builtin_frame_address(0)) return 0;
  uint64_t sum = 0;
  for (size_t i = 0; i < n; i += 512) sum += p[i];
  return sum + p[n - 1];
}

/* What a task may not use of its stack: the first frames (task_entry, ours, use_stack's);
 * generous for ASan's bigger frames. */
#define STACK_SLACK ((size_t)8 * 1024)

static int use_stack_task(void *arg, void **result) {
  size_t size = (size_t)(uintptr_t)arg;
  if (use_stack(size - STACK_SLACK) == 0) return -EFAULT;
  if (lt_yield() != 0) return -EINTR; /* and the stack survives a switch */
  return use_stack(size - STACK_SLACK) ? 0 : -EFAULT;
}

static int stack_sizes_main(void *arg, void **result) {
  /* Pooled default, sizes below and above it, one that is not a page multiple. */
  static const size_t sizes[] = {0, 64 * 1024, 100000, 1024 * 1024, 4 * 1024 * 1024};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t want = sizes[i] ? sizes[i] : 128 * 1024; /* 0: the loop default set below */
    int rc = spawn_and_await(use_stack_task, (void *)(uintptr_t)want, sizes[i]);
    if (rc != 0) {
      print_error("stack of %zu bytes: %s\n", want, strerror(-rc));
      return rc;
    }
  }
  return 0;
}

static void test_custom_stack_size_is_usable(void **state) {
  (void)state;
  assert_int_equal(run_main(stack_sizes_main, 128 * 1024), 0);
}

/* A stack that cannot be mapped fails its task with -ENOMEM (and a message on stderr naming
 * the likely limit); the loop and other tasks go on. */
static int unmappable_main(void *arg, void **result) {
  int rc = spawn_and_await(use_stack_task, (void *)(uintptr_t)(64 * 1024), (size_t)1 << 62);
  if (rc != -ENOMEM) {
    print_error("a 2^62-byte stack: %d, expected -ENOMEM\n", rc);
    return -EPROTO;
  }
  return spawn_and_await(use_stack_task, (void *)(uintptr_t)(64 * 1024), 64 * 1024);
}

static void test_unmappable_stack_fails_the_task(void **state) {
  (void)state;
  assert_int_equal(run_main(unmappable_main, 0), 0);
}

/* ---- stacks are pooled and reused ---- */

static int count_maps(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  if (!f) return -1;
  int n = 0, c;
  while ((c = getc(f)) != EOF) n += c == '\n';
  fclose(f);
  return n;
}

static int noop_task(void *arg, void **result) { return lt_yield(); }

static int maps_growth[3];

static int reuse_main(void *arg, void **result) {
  enum { SEQUENTIAL = 500, WAVE = 64, WAVES = 5 };
  lt_task *wave[WAVE];
  /* Warm up: the first task maps a stack, the first wave WAVE of them. */
  int rc = spawn_and_await(noop_task, NULL, 0);
  for (int i = 0; i < WAVE && rc == 0; i++) wave[i] = spawn_sized(noop_task, NULL, 0);
  for (int i = 0; i < WAVE && rc == 0; i++) {
    rc = lt_await(wave[i], NULL);
    lt_task_release(wave[i]);
  }
  if (rc != 0) return rc;

  int before = count_maps();
  for (int i = 0; i < SEQUENTIAL && rc == 0; i++) rc = spawn_and_await(noop_task, NULL, 0);
  maps_growth[0] = count_maps() - before;

  before = count_maps();
  for (int w = 0; w < WAVES && rc == 0; w++) {
    for (int i = 0; i < WAVE; i++) wave[i] = spawn_sized(noop_task, NULL, 0);
    for (int i = 0; i < WAVE; i++) {
      int r = lt_await(wave[i], NULL);
      if (rc == 0) rc = r;
      lt_task_release(wave[i]);
    }
  }
  maps_growth[1] = count_maps() - before;

  /* Stacks of another size than the pool's are unmapped when their task ends. */
  before = count_maps();
  for (int i = 0; i < SEQUENTIAL / 5 && rc == 0; i++)
    rc = spawn_and_await(noop_task, NULL, 3 * LT_DEFAULT_STACK_SIZE);
  maps_growth[2] = count_maps() - before;
  return rc;
}

static void test_stacks_are_reused(void **state) {
  (void)state;
  assert_int_equal(run_main(reuse_main, 0), 0);
  /* Without reuse each task would add two mappings (guard + stack): 1000, 640, 200. A few
   * lines of slack for the allocator (and ASan's) growing its own mappings. */
  print_message("maps growth: sequential %d, waves %d, odd size %d\n", maps_growth[0],
                maps_growth[1], maps_growth[2]);
  for (int i = 0; i < 3; i++) assert_true(maps_growth[i] >= -4 && maps_growth[i] <= 4);
}

/* A task that ends hands its stack to the next one as it is: what the first wrote deep in its
 * stack, the second finds at the same address. A fresh mapping would read as zeros. */
enum { MARK_BYTES = 32 * 1024 };
static volatile unsigned char *mark_at;
static int mark_found;

/* One function and one task body for both, so that the frames are laid out alike. Finding
 * reads memory this call never wrote: that is the point (what the previous task left). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
static NOINLINE void mark_or_find(int find) {
  volatile unsigned char *p = alloca(MARK_BYTES);
  if (!find) {
    for (size_t i = 0; i < MARK_BYTES; i += 64) p[i] = 0xa5;
    mark_at = p;
    return;
  }
  if (p != mark_at) return;
  /* Only the lower half: the end of the first task (task_finish and what it calls) ran on the
   * upper part after the mark was made. */
  mark_found = 1;
  for (size_t i = 0; i < MARK_BYTES / 2; i += 64) mark_found &= p[i] == 0xa5;
}
#pragma GCC diagnostic pop

static int mark_task(void *arg, void **result) {
  mark_or_find(arg != NULL);
  return 0;
}

static int pooled_main(void *arg, void **result) {
  int rc = spawn_and_await(mark_task, NULL, 0);
  return rc ? rc : spawn_and_await(mark_task, &rc, 0);
}

static void test_pooled_stack_is_handed_on(void **state) {
  (void)state;
  mark_found = 0;
  assert_int_equal(run_main(pooled_main, 0), 0);
  assert_true(mark_found);
}

/* ---- callee-saved registers across switches ---- */

#if defined(__x86_64__) || defined(__aarch64__)
/* uint64_t lt_test_yield_keeps_regs(uint64_t seed): loads every callee-saved register with
 * seed + k (x86-64: rbx rbp r12-r15; aarch64: x19-x28 and d8-d15), yields (lt_sleep_at(0, NULL)),
 * and returns the OR of what changed: 0 when all came back. Tasks calling it with different
 * seeds leave different values in the registers at every switch, so whatever the switch (or
 * anything between lt_yield and it) fails to restore shows. */
#define LT_HAVE_YIELD_KEEPS_REGS 1
uint64_t lt_test_yield_keeps_regs(uint64_t seed);
#if defined(__x86_64__)
__asm__(".text\n"
        ".p2align 4\n"
        ".type lt_test_yield_keeps_regs, @function\n"
        "lt_test_yield_keeps_regs:\n"
        "    pushq %rbp\n    pushq %rbx\n    pushq %r12\n    pushq %r13\n    pushq %r14\n"
        "    pushq %r15\n"
        "    subq $8, %rsp\n" /* 16-byte aligned again for the call */
        "    movq %rdi, (%rsp)\n"
        "    movq %rdi, %rbx\n    leaq 1(%rdi), %rbp\n    leaq 2(%rdi), %r12\n"
        "    leaq 3(%rdi), %r13\n    leaq 4(%rdi), %r14\n    leaq 5(%rdi), %r15\n"
        "    xorl %edi, %edi\n    xorl %esi, %esi\n"
        "    call lt_sleep_at\n"
        "    movq (%rsp), %rdi\n"
        "    movq %rbx, %rax\n    xorq %rdi, %rax\n"
        "    leaq 1(%rdi), %rcx\n    xorq %rbp, %rcx\n    orq %rcx, %rax\n"
        "    leaq 2(%rdi), %rcx\n    xorq %r12, %rcx\n    orq %rcx, %rax\n"
        "    leaq 3(%rdi), %rcx\n    xorq %r13, %rcx\n    orq %rcx, %rax\n"
        "    leaq 4(%rdi), %rcx\n    xorq %r14, %rcx\n    orq %rcx, %rax\n"
        "    leaq 5(%rdi), %rcx\n    xorq %r15, %rcx\n    orq %rcx, %rax\n"
        "    addq $8, %rsp\n"
        "    popq %r15\n    popq %r14\n    popq %r13\n    popq %r12\n    popq %rbx\n"
        "    popq %rbp\n"
        "    ret\n"
        ".size lt_test_yield_keeps_regs, .-lt_test_yield_keeps_regs\n");
#else
__asm__(".text\n"
        ".p2align 4\n"
        ".type lt_test_yield_keeps_regs, %function\n"
        "lt_test_yield_keeps_regs:\n"
        "    stp x29, x30, [sp, #-176]!\n"
        "    mov x29, sp\n"
        "    stp x19, x20, [sp, #16]\n    stp x21, x22, [sp, #32]\n"
        "    stp x23, x24, [sp, #48]\n    stp x25, x26, [sp, #64]\n"
        "    stp x27, x28, [sp, #80]\n"
        "    stp d8, d9, [sp, #96]\n    stp d10, d11, [sp, #112]\n"
        "    stp d12, d13, [sp, #128]\n    stp d14, d15, [sp, #144]\n"
        "    str x0, [sp, #160]\n"
        "    .irp r,19,20,21,22,23,24,25,26,27,28\n"
        "    add x\\r, x0, #(\\r - 19)\n"
        "    .endr\n"
        "    .irp r,8,9,10,11,12,13,14,15\n"
        "    add x9, x0, #(\\r + 2)\n"
        "    fmov d\\r, x9\n"
        "    .endr\n"
        "    mov x0, #0\n    mov x1, #0\n"
        "    bl lt_sleep_at\n"
        "    ldr x0, [sp, #160]\n"
        "    mov x9, #0\n"
        "    .irp r,19,20,21,22,23,24,25,26,27,28\n"
        "    add x10, x0, #(\\r - 19)\n    eor x10, x10, x\\r\n    orr x9, x9, x10\n"
        "    .endr\n"
        "    .irp r,8,9,10,11,12,13,14,15\n"
        "    add x10, x0, #(\\r + 2)\n    fmov x11, d\\r\n"
        "    eor x10, x10, x11\n    orr x9, x9, x10\n"
        "    .endr\n"
        "    mov x0, x9\n"
        "    ldp x19, x20, [sp, #16]\n    ldp x21, x22, [sp, #32]\n"
        "    ldp x23, x24, [sp, #48]\n    ldp x25, x26, [sp, #64]\n"
        "    ldp x27, x28, [sp, #80]\n"
        "    ldp d8, d9, [sp, #96]\n    ldp d10, d11, [sp, #112]\n"
        "    ldp d12, d13, [sp, #128]\n    ldp d14, d15, [sp, #144]\n"
        "    ldp x29, x30, [sp], #176\n"
        "    ret\n"
        ".size lt_test_yield_keeps_regs, .-lt_test_yield_keeps_regs\n");
#endif

static int exact_mismatches;

static int exact_regs_task(void *arg, void **result) {
  uint64_t seed = (uint64_t)(uintptr_t)arg;
  for (int i = 0; i < 200; i++)
    if (lt_test_yield_keeps_regs(seed) != 0) exact_mismatches++;
  return 0;
}

static int exact_regs_main(void *arg, void **result) {
  lt_task *t[3];
  for (int k = 0; k < 3; k++)
    t[k] = lt_spawn(exact_regs_task, (void *)(uintptr_t)(0x1000000000000000ull * (k + 1) + 0x100));
  /* And the task that spawned them (its switches go through the same code). */
  if (lt_test_yield_keeps_regs(0x5a5a5a5a5a5a5a00ull) != 0) exact_mismatches++;
  int rc = 0;
  for (int k = 0; k < 3; k++) {
    int r = lt_await(t[k], NULL);
    if (rc == 0) rc = r;
    lt_task_release(t[k]);
  }
  return rc;
}

static void test_callee_saved_registers_survive_yield(void **state) {
  (void)state;
  exact_mismatches = 0;
  assert_int_equal(run_main(exact_regs_main, 0), 0);
  assert_int_equal(exact_mismatches, 0);
}
#endif

/* Deep recursion in C: the compiler's own use of callee-saved registers (and d8-d15 on
 * aarch64) and of the stack, across a switch at every level, while another task switches with
 * other values in those registers. */
static volatile uint64_t seeds[12] = {
    0x0123456789abcdefull, 0x1111111111111111ull, 0x2222222222222222ull, 0x3333333333333333ull,
    0x4444444444444444ull, 0x5555555555555555ull, 0x6666666666666666ull, 0x7777777777777777ull,
    12345, 23456, 34567, 45678};
static int reg_mismatches, deep_done;

/* Keeps twelve values live across the recursion and a switch per level; being read from
 * volatile storage, they cannot be recomputed, only kept in registers or spilled. */
static NOINLINE uint64_t deep(int depth) {
  uint64_t a = seeds[0] ^ (uint64_t)depth, b = seeds[1] + (uint64_t)depth, c = seeds[2] * 3,
           d = seeds[3] - (uint64_t)depth, e = seeds[4] ^ 0xff, f = seeds[5] + 7,
           g = seeds[6] * (uint64_t)(depth + 1), h = seeds[7] >> 3;
  double x = (double)seeds[8] * 0.5 + depth, y = (double)seeds[9] / 3.0,
         z = (double)seeds[10] * 1.25, w = (double)seeds[11] - depth;
  uint64_t below = depth > 0 ? deep(depth - 1) : 0;
  if (lt_yield() != 0) reg_mismatches += 1000;
  if (a != (seeds[0] ^ (uint64_t)depth) || b != seeds[1] + (uint64_t)depth ||
      c != seeds[2] * 3 || d != seeds[3] - (uint64_t)depth || e != (seeds[4] ^ 0xff) ||
      f != seeds[5] + 7 || g != seeds[6] * (uint64_t)(depth + 1) || h != seeds[7] >> 3)
    reg_mismatches++;
  if (x != (double)seeds[8] * 0.5 + depth || y != (double)seeds[9] / 3.0 ||
      z != (double)seeds[10] * 1.25 || w != (double)seeds[11] - depth)
    reg_mismatches++;
  return below + a + b + c + d + e + f + g + h + (uint64_t)(x + y + z + w);
}

static int deep_task(void *arg, void **result) {
  deep(200);
  deep_done = 1;
  return 0;
}

static int scribble_task(void *arg, void **result) {
  while (!deep_done) {
#if defined(LT_HAVE_YIELD_KEEPS_REGS)
    if (lt_test_yield_keeps_regs(0x5a5a5a5a5a5a5a5aull) != 0) reg_mismatches++;
#else
    if (lt_yield() != 0) return -EINTR;
#endif
  }
  return 0;
}

static int registers_main(void *arg, void **result) {
  lt_task *a = lt_spawn(deep_task, NULL), *b = lt_spawn(scribble_task, NULL);
  int rc = lt_await(a, NULL);
  if (rc == 0) rc = lt_await(b, NULL);
  lt_task_release(a);
  lt_task_release(b);
  return rc;
}

static void test_registers_survive_switches(void **state) {
  (void)state;
  reg_mismatches = deep_done = 0;
  assert_int_equal(run_main(registers_main, 0), 0);
  assert_int_equal(reg_mismatches, 0);
}

/* ---- the rounding mode is per task (x86-64) ---- */

#if defined(__x86_64__)
static const int modes[3] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD};
static double expect_q[3];
static int fp_mismatches;

static double two_thirds(void) {
  volatile double two = 2.0, three = 3.0;
  return two / three; /* SSE: rounded per MXCSR */
}

static int fp_task(void *arg, void **result) {
  int k = (int)(intptr_t)arg;
  fesetround(modes[k]); /* sets the x87 control word and MXCSR */
  for (int i = 0; i < 100; i++) {
    if (lt_yield() != 0) return -EINTR;
    if (fegetround() != modes[k]) fp_mismatches++; /* glibc reads the x87 control word */
    if (two_thirds() != expect_q[k]) fp_mismatches++;
  }
  fesetround(FE_TONEAREST);
  return 0;
}

static int fp_main(void *arg, void **result) {
  lt_task *t[3];
  for (int k = 0; k < 3; k++) t[k] = lt_spawn(fp_task, (void *)(intptr_t)k);
  int rc = 0;
  for (int k = 0; k < 3; k++) {
    int r = lt_await(t[k], NULL);
    if (rc == 0) rc = r;
    lt_task_release(t[k]);
  }
  /* The loop's own stack (this task's creator) kept its mode as well. */
  if (fegetround() != FE_TONEAREST) fp_mismatches++;
  return rc;
}

static void test_rounding_mode_is_per_task(void **state) {
  (void)state;
  for (int k = 0; k < 3; k++) {
    fesetround(modes[k]);
    expect_q[k] = two_thirds();
  }
  fesetround(FE_TONEAREST);
  assert_true(expect_q[1] != expect_q[2]); /* the modes give different answers */
  fp_mismatches = 0;
  assert_int_equal(run_main(fp_main, 0), 0);
  assert_int_equal(fp_mismatches, 0);
  assert_int_equal(fegetround(), FE_TONEAREST);
}
#endif

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_overflow_hits_guard_page),
      cmocka_unit_test(test_custom_stack_size_is_usable),
      cmocka_unit_test(test_unmappable_stack_fails_the_task),
      cmocka_unit_test(test_stacks_are_reused),
      cmocka_unit_test(test_pooled_stack_is_handed_on),
#if defined(LT_HAVE_YIELD_KEEPS_REGS)
      cmocka_unit_test(test_callee_saved_registers_survive_yield),
#endif
      cmocka_unit_test(test_registers_survive_switches),
#if defined(__x86_64__)
      cmocka_unit_test(test_rounding_mode_is_per_task),
#endif
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

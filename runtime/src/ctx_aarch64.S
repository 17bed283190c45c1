/* ctx_aarch64.S: context switch for AArch64 (AAPCS64). Saves the callee-saved x19-x28, the frame
 * pointer x29, the link register x30 (the resume address), sp, and the low halves d8-d15.
 * Frame below the saved sp: x19..x30 at [0..96), d8..d15 at [96..160), 176 bytes in all. */
    .text
    .globl lt__ctx_switch
    .type lt__ctx_switch, %function
    .p2align 4
/* void lt__ctx_switch(lt__ctx *from (x0), lt__ctx *to (x1)) */
lt__ctx_switch:
    sub sp, sp, #176
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mov x2, sp
    str x2, [x0]
    ldr x2, [x1]
    mov sp, x2
    ldp x19, x20, [sp, #0]
    ldp x21, x22, [sp, #16]
    ldp x23, x24, [sp, #32]
    ldp x25, x26, [sp, #48]
    ldp x27, x28, [sp, #64]
    ldp x29, x30, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    add sp, sp, #176
    ret
    .size lt__ctx_switch, .-lt__ctx_switch

/* First frame of a new context: x19 = entry, x20 = arg, x30 pointed here. */
    .globl lt__ctx_trampoline
    .type lt__ctx_trampoline, %function
    .p2align 4
lt__ctx_trampoline:
    mov x29, #0
    mov x0, x20
    blr x19
    brk #0
    .size lt__ctx_trampoline, .-lt__ctx_trampoline

    .section .note.GNU-stack,"",%progbits

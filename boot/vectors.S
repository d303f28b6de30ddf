/*
 * vectors.S — the EL1 exception vector table. Nothing is expected to
 * interrupt the player (IRQs are masked, no exceptions are used), so every
 * entry reports what happened over the UART (exceptions.c) and halts.
 * Each entry passes its index 0..15 and ESR/ELR/FAR/SPSR.
 */
    .macro entry index
    .balign 0x80
    mov     x0, #\index
    mrs     x1, esr_el1
    mrs     x2, elr_el1
    mrs     x3, far_el1
    mrs     x4, spsr_el1
    b       exception_report
    .endm

    .section .text.vectors, "ax"
    .balign 0x800
    .global vectors
vectors:
    entry 0
    entry 1
    entry 2
    entry 3
    entry 4
    entry 5
    entry 6
    entry 7
    entry 8
    entry 9
    entry 10
    entry 11
    entry 12
    entry 13
    entry 14
    entry 15

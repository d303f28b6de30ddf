/*
 * start.S — the first instructions: the GPU firmware's ARM stub (or QEMU
 * -kernel) jumps to 0x80000 on core 0, at EL2. Cores 1-3 stay in the stub's
 * spin loop (spin table at 0xd8-0xf0, raspberrypi/tools armstubs/
 * armstub8.S; QEMU's raspi boot stub does the same) until someone writes an
 * entry address there, which piwave never does.
 *
 *  1. any core other than 0 that does arrive parks in `wfe` forever;
 *  2. at EL2: let EL1 run AArch64 with FP/SIMD and the timers untrapped,
 *     then `eret` to EL1 (SP_EL1, interrupts masked);
 *  3. at EL1: FP/SIMD on (CPACR_EL1.FPEN: compiled wasm uses FP registers),
 *     stack, vector table, .bss zeroed, then kmain(CurrentEL, x0 at entry)
 *     — which never returns. x0 at entry is the device tree address the
 *     GPU firmware's stub passes (raspberrypi/tools armstubs/armstub8.S:
 *     `ldr w0, dtb_ptr32`), kept in x19 until then.
 */
    .section .text.boot, "ax"
    .global _start
_start:
    mov     x19, x0                     /* the device tree address from the GPU firmware's stub (0: none) */
    mrs     x0, mpidr_el1
    and     x0, x0, #3
    cbnz    x0, park

    mrs     x0, CurrentEL
    lsr     x0, x0, #2
    cmp     x0, #2
    b.ne    el1_entry

    /* EL2 -> EL1 */
    mov     x0, #(1 << 31)              /* HCR_EL2.RW: EL1 is AArch64 */
    msr     hcr_el2, x0
    mov     x0, #3                      /* CNTHCTL_EL2: EL1 may use the physical timer/counter */
    msr     cnthctl_el2, x0
    msr     cntvoff_el2, xzr
    mov     x0, #0x33ff                 /* CPTR_EL2: no FP/SIMD traps */
    msr     cptr_el2, x0
    msr     hstr_el2, xzr
    ldr     x0, =0x30d00800             /* SCTLR_EL1: RES1 bits, MMU and caches off */
    msr     sctlr_el1, x0
    mov     x0, #0x3c5                  /* SPSR_EL2: EL1h, D A I F masked */
    msr     spsr_el2, x0
    adr     x0, el1_entry
    msr     elr_el2, x0
    eret

el1_entry:
    mov     x0, #(3 << 20)              /* CPACR_EL1.FPEN = 3 */
    msr     cpacr_el1, x0
    isb
    ldr     x0, =__stack_top
    mov     sp, x0
    ldr     x0, =vectors
    msr     vbar_el1, x0
    isb
    ldr     x0, =__bss_start
    ldr     x1, =__bss_end
1:  cmp     x0, x1
    b.hs    2f
    str     xzr, [x0], #8
    b       1b
2:  mrs     x0, CurrentEL
    mov     x1, x19
    bl      kmain
park:
    wfe
    b       park

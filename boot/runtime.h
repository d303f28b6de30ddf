/* runtime.h — what the runtime's files share. */
#ifndef PIWAVE_RUNTIME_H
#define PIWAVE_RUNTIME_H
#include <stdint.h>

/* Halt codes. 0-4 come from the firmware (firmware/abi.ts); the runtime adds: */
#define HALT_HARDWARE 2       /* a peripheral did not respond */
#define HALT_BAD_MMIO 4       /* the sandbox refused an access or a request */
#define HALT_WASM_TRAP 5      /* the firmware trapped (out of bounds, unreachable, ...) */
#define HALT_CPU_EXCEPTION 6  /* a CPU exception (data abort, ...) */
#define HALT_RUNTIME 7        /* the runtime itself failed (out of memory, assert) */

/* Report `code` on the UART and stop for good (low-power wfe loop, or a
 * semihosting exit with that code in the QEMU build). */
_Noreturn void runtime_halt(uint32_t code);
void mmu_init(void);
/* Whether va lies in linear memory's guard range (mmu.c): a translation
 * fault there is a wasm out-of-bounds access, not a runtime crash. */
int mmu_in_linear_guard(uint64_t va);
/* The physical address behind p: linear memory is mapped away from its
 * physical pages (mmu.c); everything else is identity-mapped. */
uintptr_t mmu_phys(const void* p);
/* Stop every DMA chain the DMA service started (abi.c); runtime_halt calls it. */
void dma_stop_all(void);
#endif

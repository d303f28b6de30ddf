/**
 * Where the firmware's linear memory lives, and how large it may grow: one
 * rule that the bare-metal runtime (boot/libc.c, boot/main.c through
 * boot/sandbox.h) and the simulator (host/sim/abi.ts) both follow.
 *
 * - Linear memory starts on a 64 KiB boundary in physical RAM (a wasm page):
 *   the runtime's allocator aligns any block of a page or more to a page,
 *   and the simulator places it at SIM_PHYS. So the low 16 bits of an
 *   offset and of its physical address agree on both, and DMA sees buffers
 *   with the alignment the firmware gave them.
 * - It never moves: the runtime reserves MAX_PAGES behind it, so
 *   memory.grow grows it in place and a running DMA chain keeps reading
 *   the firmware's buffers (the simulator's memory does not move either).
 * - It is at most MAX_PAGES pages (16 MiB). The firmware declares this
 *   maximum in the module (asconfig.json `maximumMemory`); the runtime and
 *   the simulator refuse a module that declares none or a larger one, so
 *   `memory.grow` past it returns -1 as wasm specifies and never reaches
 *   memory outside the sandbox.
 * - DMA control blocks live in runtime memory, never in linear memory
 *   (see the DMA service in firmware/abi.ts); the simulator keeps them at
 *   SIM_RUNTIME_PHYS.
 */
export const enum LinearMemory {
  PAGE_BYTES = 0x10000,
  /** Physical alignment of linear memory's first byte. */
  ALIGN = 0x10000,
  /** Most pages the firmware may have (16 MiB). */
  MAX_PAGES = 256,
  /** Where the simulator places linear memory (ARM physical). */
  SIM_PHYS = 0x01000000,
  /** Where the simulator keeps the runtime's DMA control blocks (ARM physical). */
  SIM_RUNTIME_PHYS = 0x00f00000,
}

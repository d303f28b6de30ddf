/*
 * mmu.c — identity map, caches on.
 *
 * Without the MMU every data access is Device memory: slow, and unaligned
 * accesses fault on a real Cortex-A53/A72 (compiled wasm does unaligned
 * loads; QEMU 7.2 does not model that fault — toolchain notes, design
 * point 2). So before the firmware runs:
 *   - 4 KiB granule, 32-bit (4 GiB) VA = PA, starting at level 1;
 *   - level 1: four 1 GiB entries; the one holding the peripherals (and RAM
 *     below them on the Pi 3) points to a level 2 table of 2 MiB blocks;
 *   - RAM (the first 1 GiB, all the runtime uses): Normal, write-back
 *     cacheable, inner shareable;
 *   - peripherals: Device-nGnRE, never executable;
 *   - everything else: unmapped, so a stray access faults and is reported.
 */
#include <stdint.h>

#include "board.h"
#include "runtime.h"

#define ATTR_NORMAL 0 /* MAIR index 0: 0xFF normal WB RA/WA */
#define ATTR_DEVICE 1 /* MAIR index 1: 0x04 Device-nGnRE */
#define DESC_BLOCK 0x1ull
#define DESC_TABLE 0x3ull
#define AF (1ull << 10)
#define SH_INNER (3ull << 8)
#define PXN (1ull << 53)
#define UXN (1ull << 54)
#define GIB (1ull << 30)
#define MIB2 (1ull << 21)

static uint64_t l1[512] __attribute__((aligned(4096), section(".pagetables")));
static uint64_t l2[512] __attribute__((aligned(4096), section(".pagetables")));

static uint64_t block(uint64_t addr, int device) {
  if (device) return addr | DESC_BLOCK | AF | (ATTR_DEVICE << 2) | PXN | UXN;
  return addr | DESC_BLOCK | AF | SH_INNER | (ATTR_NORMAL << 2);
}

static int is_device(uint64_t addr) {
  return addr >= PERIPHERAL_BASE && addr < (uint64_t)PERIPHERAL_END;
}

void mmu_init(void) {
  const uint64_t fine = PERIPHERAL_BASE & ~(GIB - 1); /* the 1 GiB region mapped in 2 MiB blocks */
  for (int i = 0; i < 512; i++) l1[i] = 0;
  for (uint64_t g = 0; g < 4; g++) {
    uint64_t base = g * GIB;
    if (base == fine) {
      for (uint64_t j = 0; j < 512; j++) {
        uint64_t a = base + j * MIB2;
        if (is_device(a)) l2[j] = block(a, 1);
        else if (a < GIB) l2[j] = block(a, 0);
        else l2[j] = 0;
      }
      l1[g] = (uint64_t)(uintptr_t)l2 | DESC_TABLE;
    } else if (base == 0) {
      l1[g] = block(base, 0);
    } else if (is_device(base)) {
      l1[g] = block(base, 1); /* Pi 3: the ARM local peripherals at 0x40000000 */
    } else {
      l1[g] = 0;
    }
  }
  uint64_t mair = 0xffull | (0x04ull << 8);
  uint64_t tcr = 32ull            /* T0SZ: 4 GiB */
                 | (1ull << 8)    /* IRGN0 write-back */
                 | (1ull << 10)   /* ORGN0 write-back */
                 | (3ull << 12)   /* SH0 inner shareable */
                 | (0ull << 14)   /* TG0 4 KiB */
                 | (1ull << 23)   /* EPD1: no TTBR1 walks */
                 | (1ull << 32);  /* IPS 36 bits */
  __asm__ volatile(
      "msr mair_el1, %0\n"
      "msr tcr_el1, %1\n"
      "msr ttbr0_el1, %2\n"
      "dsb ish\n"
      "isb\n"
      "tlbi vmalle1\n"
      "dsb ish\n"
      "isb\n" ::"r"(mair),
      "r"(tcr), "r"((uint64_t)(uintptr_t)l1)
      : "memory");
  uint64_t sctlr;
  __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
  sctlr |= (1ull << 0) | (1ull << 2) | (1ull << 12); /* M, C, I */
  sctlr &= ~(1ull << 1);                             /* A: unaligned accesses allowed on Normal memory */
  __asm__ volatile("msr sctlr_el1, %0\nisb" ::"r"(sctlr) : "memory");
}

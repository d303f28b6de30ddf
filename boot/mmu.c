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
 *   - the firmware's linear memory a second time, at LINEAR_VA (16 GiB),
 *     with 16 GiB of nothing after it (below);
 *   - everything else: unmapped, so a stray access faults and is reported.
 *
 * Linear memory behind guard pages. wasm2c, built with
 * WASM_RT_MEMCHECK_SIGNAL_HANDLER=1, emits no bounds check before a load or
 * store: it counts on every address from the start of linear memory up to
 * 8 GiB past it (a 32-bit address plus a 32-bit offset, plus the access's
 * size) being either linear memory or a fault. On Linux that is an 8 GiB
 * PROT_NONE mmap and a SIGSEGV handler; here it is the MMU:
 *   - mmap() (called once, by wasm_rt_allocate_memory) reserves the
 *     virtual range [LINEAR_VA, LINEAR_VA + GUARD_SPAN), which nothing
 *     else uses, and takes the physical memory behind it from the heap
 *     (libc.c: LINEAR_MEMORY_MAX_PAGES, 64 KiB aligned);
 *   - mprotect() (instantiation, memory.grow) maps the pages that become
 *     linear memory, 4 KiB at a time, zeroed, never executable;
 *   - the rest of the range stays unmapped: an access there is a
 *     translation fault, which exceptions.c turns into the wasm trap
 *     "out of bounds" (halt 5, as an explicit check gave) — any other
 *     fault remains a crash report.
 * The runtime reaches linear memory through the same virtual addresses;
 * the DMA service asks mmu_phys() for the physical ones.
 * Without the checks the firmware runs ~1.9× fewer instructions
 * (docs/cpu.md); the sandbox probes (tests/sandbox-qemu.test.ts) check every
 * kind of out-of-bounds access still traps.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "board.h"
#include "runtime.h"
#include "sandbox.h"

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

#define DESC_PAGE 0x3ull
#define PAGE 4096ull
/* Where linear memory appears, and how much unmapped room follows its start
 * (≥ 8 GiB + LINEAR_MAX: any 32-bit address + 32-bit offset + 8 bytes). */
#define LINEAR_VA (16ull << 30)
#define GUARD_SPAN (16ull << 30)
#define LINEAR_MAX ((uint64_t)LINEAR_MEMORY_MAX_PAGES * 65536u)

static uint64_t l1[512] __attribute__((aligned(4096), section(".pagetables")));
static uint64_t l2[512] __attribute__((aligned(4096), section(".pagetables")));
/* The first GiB at LINEAR_VA, and the 4 KiB pages of its first LINEAR_MAX bytes. */
static uint64_t l2_linear[512] __attribute__((aligned(4096), section(".pagetables")));
static uint64_t l3_linear[LINEAR_MAX / MIB2][512] __attribute__((aligned(4096), section(".pagetables")));
/* Physical memory behind linear memory (0 until mmap()), and how much of it is mapped. */
static uint8_t* linear_backing;
static uint64_t linear_mapped;

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
  /* Linear memory's range: one level-1 entry, its level-2 table pointing at
   * the level-3 tables of the first LINEAR_MAX bytes, all pages invalid
   * until mprotect(); the rest of GUARD_SPAN has no entries at all. */
  for (int i = 0; i < 512; i++) l2_linear[i] = 0;
  for (uint64_t t = 0; t < LINEAR_MAX / MIB2; t++) {
    for (int i = 0; i < 512; i++) l3_linear[t][i] = 0;
    l2_linear[t] = (uint64_t)(uintptr_t)l3_linear[t] | DESC_TABLE;
  }
  l1[LINEAR_VA / GIB] = (uint64_t)(uintptr_t)l2_linear | DESC_TABLE;
  uint64_t mair = 0xffull | (0x04ull << 8);
  uint64_t tcr = 28ull            /* T0SZ: 64 GiB (36-bit VA, walks start at level 1) */
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

/* ---- linear memory behind guard pages (see the top of the file) ---- */

void* mmap(void* addr, size_t len, int prot, int flags, int fd, long off) {
  (void)flags;
  (void)fd;
  (void)off;
  if (linear_backing || addr || prot != PROT_NONE || len > GUARD_SPAN) return MAP_FAILED;
  linear_backing = malloc(LINEAR_MAX); /* 64 KiB aligned, never moves (libc.c); halts when the heap is full */
  linear_mapped = 0;
  return (void*)(uintptr_t)LINEAR_VA;
}

int mprotect(void* addr, size_t len, int prot) {
  uint64_t start = (uint64_t)(uintptr_t)addr - LINEAR_VA;
  if (!linear_backing || (uint64_t)(uintptr_t)addr < LINEAR_VA || prot != (PROT_READ | PROT_WRITE)) return -1;
  if (start % PAGE || len % PAGE || start > LINEAR_MAX || len > LINEAR_MAX - start) return -1;
  for (uint64_t a = start; a < start + len; a += PAGE) {
    uint64_t* e = &l3_linear[a / MIB2][(a / PAGE) % 512];
    if (*e) continue;
    memset(linear_backing + a, 0, PAGE); /* fresh pages read as zero, as mmap's do */
    *e = (uint64_t)(uintptr_t)(linear_backing + a) | DESC_PAGE | AF | SH_INNER | (ATTR_NORMAL << 2) | PXN | UXN;
  }
  if (start + len > linear_mapped) linear_mapped = start + len;
  /* Table walks read through the cache (TCR IRGN0/ORGN0): make the new
   * entries visible to them. Invalid entries are never in the TLB, so no
   * invalidation is needed. */
  __asm__ volatile("dsb ishst\nisb" ::: "memory");
  return 0;
}

int munmap(void* addr, size_t len) {
  (void)addr;
  (void)len;
  return -1; /* linear memory lives as long as the firmware */
}

int mmu_in_linear_guard(uint64_t va) {
  return linear_backing && va >= LINEAR_VA && va - LINEAR_VA < GUARD_SPAN;
}

uintptr_t mmu_phys(const void* p) {
  uint64_t va = (uint64_t)(uintptr_t)p;
  if (linear_backing && va >= LINEAR_VA && va - LINEAR_VA < LINEAR_MAX) return (uintptr_t)(linear_backing + (va - LINEAR_VA));
  return (uintptr_t)p; /* everything else is identity-mapped */
}

/*
 * main.c — kmain: bring the board up, run the firmware, report how it ended.
 *
 *   1. UART console up, banner (board, exception level);
 *   2. MMU and caches on;
 *   2a. a device tree inside the music region refused (music.c); the music
 *       file itself is checked when the firmware first asks for it (an
 *       `E bundle:` line and halt 1 when it is missing or damaged);
 *   3. instantiate the AOT-translated firmware (wasm2c) and call its main(),
 *      inside wasm_rt_impl_try(): a wasm trap longjmps back here and is
 *      reported as an `F trap:` line;
 *   4. the firmware ends by calling halt(code) (abi.c), which never returns.
 */
#include <stdint.h>

#include "app.h"
#include "board.h"
#include "music.h"
#include "runtime.h"
#include "sandbox.h"
#include "uart.h"
#include "wasm-rt-impl.h"

Z_app_instance_t piwave_app;
size_t heap_used(void);

static const char* const HALT_NAMES[] = {
    "done", "bad asset bundle", "hardware did not respond", "firmware abort",
    "refused by the sandbox", "wasm trap", "CPU exception", "runtime failure",
};

static const char* trap_name(wasm_rt_trap_t t) {
  switch (t) {
    case WASM_RT_TRAP_OOB: return "out-of-bounds access in linear memory or a table";
    case WASM_RT_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable executed (an abort without message, or a bug)";
    case WASM_RT_TRAP_CALL_INDIRECT: return "invalid indirect call";
    case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: return "uncaught exception";
#if !WASM_RT_MERGED_OOB_AND_EXHAUSTION_TRAPS
    case WASM_RT_TRAP_EXHAUSTION: return "call stack exhausted";
#endif
    default: return "unknown trap";
  }
}

#ifdef PIWAVE_QEMU_EXIT
/* QEMU only (-semihosting): SYS_EXIT with ADP_Stopped_ApplicationExit and
 * the code, so QEMU's exit status is the halt code. On a real Pi this
 * instruction would trap: the Pi build never has it. */
static void semihosting_exit(uint32_t code) {
  static volatile uint64_t block[2];
  block[0] = 0x20026;
  block[1] = code;
  register uint64_t x0 __asm__("x0") = 0x18;
  register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;
  __asm__ volatile("hlt #0xf000" ::"r"(x0), "r"(x1) : "memory");
}
#endif

_Noreturn void runtime_halt(uint32_t code) {
  dma_stop_all();
  uart_puts("I runtime: halted with code ");
  uart_dec(code);
  uart_puts(" (");
  uart_puts(code < sizeof HALT_NAMES / sizeof HALT_NAMES[0] ? HALT_NAMES[code] : "unknown");
  uart_puts(")\n");
  uart_drain();
#ifdef PIWAVE_QEMU_EXIT
  semihosting_exit(code);
#endif
  for (;;) __asm__ volatile("wfe");
}

/* The sandbox's memory rule (regs/memory.ts, mirrored by the simulator):
 * the module declares a maximum of at most LINEAR_MEMORY_MAX_PAGES, and
 * linear memory starts on a LINEAR_MEMORY_ALIGN boundary (libc.c's malloc). */
static void check_memory(const wasm_rt_memory_t* m) {
  uart_puts("I runtime: linear memory at ");
  uart_hex(mmu_phys(m->data), 8); /* physical; the firmware sees it at the guarded address (mmu.c) */
  uart_puts(", ");
  uart_dec(m->pages);
  uart_puts(" pages, at most ");
  uart_dec(m->max_pages);
  uart_puts("\nI runtime: linear memory mapped at ");
  uart_hex((uintptr_t)m->data, 9);
  uart_puts(", bounds checked by the MMU (unmapped guard range after it)\n");
  if (m->max_pages > LINEAR_MEMORY_MAX_PAGES) {
    uart_puts("F runtime: the firmware declares ");
    if (m->max_pages >= 65536) uart_puts("no maximum memory");
    else {
      uart_puts("a maximum memory of ");
      uart_dec(m->max_pages);
      uart_puts(" pages");
    }
    uart_puts("; the sandbox allows at most ");
    uart_dec(LINEAR_MEMORY_MAX_PAGES);
    uart_puts(" (build with --maximumMemory ");
    uart_dec(LINEAR_MEMORY_MAX_PAGES);
    uart_puts(" or less)\n");
    runtime_halt(HALT_BAD_MMIO);
  }
  if (mmu_phys(m->data) % LINEAR_MEMORY_ALIGN) {
    uart_puts("F runtime: linear memory is not 64 KiB aligned\n");
    runtime_halt(HALT_RUNTIME);
  }
  uart_drain(); /* the firmware re-initialises the UART */
}

/* current_el: CurrentEL at entry; device_tree: x0 at entry, the device tree
 * address the GPU firmware's ARM stub passes (0 when there is none). */
void kmain(uint64_t current_el, uint64_t device_tree) {
  uart_init();
  uart_puts("\nI runtime: piwave kernel8.img on ");
  uart_puts(BOARD_NAME);
  uart_puts(", entered at EL2, running at EL");
  uart_dec((current_el >> 2) & 3);
  mmu_init();
  uart_puts(", MMU and caches on\n");
  music_check_device_tree(device_tree);
  uart_drain(); /* the firmware re-initialises the UART: let these lines out first */

#ifdef PIWAVE_SELFTEST_EXCEPTION
  /* Test build only: read an unmapped address (mmu.c maps nothing at 2 GiB)
   * to prove a CPU exception is reported. */
  uart_puts("I runtime: self-test: reading unmapped 0x80000000\n");
  (void)*(volatile uint32_t*)(uintptr_t)0x80000000u;
#endif

  wasm_rt_init();
  Z_app_init_module();
  wasm_rt_trap_t trap = (wasm_rt_trap_t)wasm_rt_impl_try();
  if (trap == WASM_RT_TRAP_NONE) {
    Z_app_instantiate(&piwave_app, 0);
    check_memory(&piwave_app.w2c_memory);
    Z_appZ_main(&piwave_app);
    uart_puts("\nF runtime: firmware main() returned without calling halt()\n");
    runtime_halt(HALT_RUNTIME);
  }
  uart_puts("\nF trap: wasm trap: ");
  uart_puts(trap_name(trap));
  uart_puts(" (heap used ");
  uart_dec(heap_used());
  uart_puts(" bytes)\n");
  runtime_halt(HALT_WASM_TRAP);
}

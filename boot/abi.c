/*
 * abi.c — the firmware ABI (firmware/abi.ts) implemented for real, as the
 * imports wasm2c 1.0.32 expects (Z_envZ_<name>).
 *
 *   mmio_read/mmio_write  volatile 32-bit access, only 4-byte aligned and
 *                         inside the allow-list below; anything else is
 *                         refused: an `F mmio:` line names it, then halt(4).
 *   bus_address           phys | 0xC0000000 (linear memory lives below 1 GiB)
 *   cache_clean           dc cvac over the range, then dsb
 *   bundle_size/read      the music file the GPU firmware loaded (music.c)
 *   halt                  report the code, stop
 *
 * With -DPIWAVE_MMIO_TRACE every MMIO access is also printed as
 *   \x1e<R|W> <address> <value>\n     (hex, 8 digits each)
 * the host (host/qemu.ts) splits these records out of the UART stream and
 * formats them with the simulator's register tables. UART accesses are not
 * traced: they carry the firmware's own log.
 */
#include <stdint.h>
#include <string.h>

#include "app.h"
#include "board.h"
#include "music.h"
#include "runtime.h"
#include "uart.h"

extern Z_app_instance_t piwave_app;

struct window {
  uint32_t base;
  uint32_t size;
  const char* name;
};

/* The windows the firmware may touch (firmware/board/index.ts). */
static const struct window ALLOW[] = {
    {PERIPHERAL_BASE + 0x003000u, 0x20, "TIMER"},
    {PERIPHERAL_BASE + 0x007000u, 0x1000, "DMA"},
    {PERIPHERAL_BASE + 0x101000u, 0x2000, "CM"},
    {PERIPHERAL_BASE + 0x200000u, 0x100, "GPIO"},
    {PERIPHERAL_BASE + 0x201000u, 0x90, "UART0"},
    {PERIPHERAL_BASE + PWM_OFFSET, 0x28, "PWM"},
};

static int allowed(uint32_t addr) {
  if (addr & 3) return 0;
  for (unsigned i = 0; i < sizeof ALLOW / sizeof ALLOW[0]; i++)
    if (addr - ALLOW[i].base < ALLOW[i].size) return 1;
  return 0;
}

static _Noreturn void refuse(const char* what, uint32_t addr) {
  uart_puts("\nF mmio: refused ");
  uart_puts(what);
  uart_puts(" ");
  uart_hex(addr, 8);
  uart_puts(addr & 3 ? ": not 4-byte aligned" : ": not in the allow-list (TIMER, DMA, CM, GPIO, UART0, PWM of ");
  if (!(addr & 3)) {
    uart_puts(BOARD_NAME);
    uart_puts(")");
  }
  uart_puts("\n");
  runtime_halt(4);
}

#ifdef PIWAVE_MMIO_TRACE
static void trace(char rw, uint32_t addr, uint32_t value) {
  if (addr - (UART0_BASE) < 0x1000) return;
  uart_putc('\x1e');
  uart_putc(rw);
  uart_putc(' ');
  for (int i = 7; i >= 0; i--) uart_putc("0123456789abcdef"[(addr >> (i * 4)) & 0xf]);
  uart_putc(' ');
  for (int i = 7; i >= 0; i--) uart_putc("0123456789abcdef"[(value >> (i * 4)) & 0xf]);
  uart_putc('\n');
}
#else
#define trace(rw, addr, value) ((void)0)
#endif

u32 Z_envZ_mmio_read(struct Z_env_instance_t* env, u32 addr) {
  (void)env;
  if (!allowed(addr)) refuse("read of", addr);
  __asm__ volatile("dsb sy" ::: "memory");
  u32 v = *(volatile u32*)(uintptr_t)addr;
  __asm__ volatile("dsb sy" ::: "memory");
  trace('R', addr, v);
  return v;
}

void Z_envZ_mmio_write(struct Z_env_instance_t* env, u32 addr, u32 value) {
  (void)env;
  if (!allowed(addr)) refuse("write to", addr);
  trace('W', addr, value);
  __asm__ volatile("dsb sy" ::: "memory");
  *(volatile u32*)(uintptr_t)addr = value;
  __asm__ volatile("dsb sy" ::: "memory");
}

static uint8_t* linear_range(const char* what, u32 ptr, u32 len) {
  wasm_rt_memory_t* mem = &piwave_app.w2c_memory;
  if ((uint64_t)ptr + len > mem->size) {
    uart_puts("\nF abi: ");
    uart_puts(what);
    uart_puts(": range ");
    uart_hex(ptr, 8);
    uart_puts("+");
    uart_dec(len);
    uart_puts(" is outside linear memory (");
    uart_dec(mem->size);
    uart_puts(" bytes)\n");
    runtime_halt(4);
  }
  return mem->data + ptr;
}

u32 Z_envZ_bus_address(struct Z_env_instance_t* env, u32 ptr, u32 len) {
  (void)env;
  uintptr_t phys = (uintptr_t)linear_range("bus_address", ptr, len);
  if (phys + len > (1u << 30)) {
    uart_puts("\nF abi: bus_address: linear memory is above 1 GiB, out of DMA reach\n");
    runtime_halt(4);
  }
  return (u32)(phys | 0xC0000000u);
}

void Z_envZ_cache_clean(struct Z_env_instance_t* env, u32 ptr, u32 len) {
  (void)env;
  uintptr_t p = (uintptr_t)linear_range("cache_clean", ptr, len) & ~(uintptr_t)63;
  uintptr_t end = (uintptr_t)piwave_app.w2c_memory.data + ptr + len;
  for (; p < end; p += 64) __asm__ volatile("dc cvac, %0" ::"r"(p) : "memory");
  __asm__ volatile("dsb sy" ::: "memory");
}

u32 Z_envZ_bundle_size(struct Z_env_instance_t* env) {
  (void)env;
  return music_size();
}

u32 Z_envZ_bundle_read(struct Z_env_instance_t* env, u32 offset, u32 dst, u32 len) {
  u32 size = Z_envZ_bundle_size(env);
  uint8_t* to = linear_range("bundle_read", dst, len);
  if (offset >= size) return 0;
  u32 n = size - offset < len ? size - offset : len;
  memcpy(to, music_data() + offset, n);
  return n;
}

void Z_envZ_halt(struct Z_env_instance_t* env, u32 code) {
  (void)env;
  runtime_halt(code);
}

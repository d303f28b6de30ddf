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

/* ---------------------------------------------------------------------------
 * mailbox_call — the VideoCore property interface (firmware/abi.ts, mailbox
 * block). The firmware's message is copied into the runtime's own 16-byte
 * aligned buffer, every tag is checked against MBOX_TAGS (the simulator's
 * host/sim/mailbox.ts has the same table: tests/mailbox.test.ts compares
 * them), the buffer's bus address goes to the VideoCore on the property
 * channel, and the answer is copied back. The firmware never gives the
 * VideoCore an address. Registers and message format: docs/hardware.md,
 * "Mailbox".
 * ------------------------------------------------------------------------- */
#define MBOX_BASE (PERIPHERAL_BASE + 0x00B880u)
#define MBOX0_READ (MBOX_BASE + 0x00u)   /* VideoCore -> ARM: answers */
#define MBOX0_STATUS (MBOX_BASE + 0x18u) /* EMPTY: nothing to read */
#define MBOX1_WRITE (MBOX_BASE + 0x20u)  /* ARM -> VideoCore: requests */
#define MBOX1_STATUS (MBOX_BASE + 0x38u) /* FULL: no room to write */
#define MBOX_STATUS_FULL 0x80000000u
#define MBOX_STATUS_EMPTY 0x40000000u
#define MBOX_CHANNEL_PROPERTY 8u
#define MBOX_MAX_BYTES 256u
#define MBOX_MAX_VALUE_BYTES 64u
#define MBOX_TIMEOUT_US 250000u
#define MBOX_CODE_REQUEST 0u
#define MBOX_CODE_SUCCESS 0x80000000u
#define MBOX_TAG_SET_CLOCK_RATE 0x00038002u
#define MBOX_CLOCK_ARM 3u
#define MBOX_OK 0u
#define MBOX_NO_ANSWER 1u
#define MBOX_ERROR 2u
#define SYSTEM_TIMER_CLO (PERIPHERAL_BASE + 0x003004u)

/* The allow-list: tag id, smallest value buffer in bytes, name. */
static const struct mbox_tag {
  uint32_t id;
  uint32_t min_bytes;
  const char* name;
} MBOX_TAGS[] = {
    {0x00000001u, 4, "get firmware revision"},
    {0x00010002u, 4, "get board revision"},
    {0x00030002u, 8, "get clock rate"},
    {0x00030004u, 8, "get max clock rate"},
    {0x00030007u, 8, "get min clock rate"},
    {0x00030047u, 8, "get measured clock rate"},
    {0x00038002u, 12, "set clock rate"},
};

static uint32_t mbox_buf[MBOX_MAX_BYTES / 4] __attribute__((aligned(64)));

static _Noreturn void mbox_refuse(const char* why, uint32_t value) {
  uart_puts("\nF mailbox: refused: ");
  uart_puts(why);
  uart_puts(" ");
  uart_hex(value, 8);
  uart_puts("\n");
  runtime_halt(4);
}

/* Check the copied message; never returns when something is not allowed. */
static void mbox_check(u32 len) {
  if (mbox_buf[0] != len) mbox_refuse("word 0 (the message size) differs from len", mbox_buf[0]);
  if (mbox_buf[1] != MBOX_CODE_REQUEST) mbox_refuse("request code is not 0:", mbox_buf[1]);
  u32 off = 8;
  for (;;) {
    if (off + 4 > len) mbox_refuse("no end tag within len, at byte", off);
    uint32_t id = mbox_buf[off / 4];
    if (id == 0) return;
    if (off + 12 > len) mbox_refuse("tag header runs past len, at byte", off);
    uint32_t size = mbox_buf[off / 4 + 1];
    uint32_t req = mbox_buf[off / 4 + 2];
    const struct mbox_tag* t = 0;
    for (unsigned i = 0; i < sizeof MBOX_TAGS / sizeof MBOX_TAGS[0]; i++)
      if (MBOX_TAGS[i].id == id) t = &MBOX_TAGS[i];
    if (!t) mbox_refuse("tag not in the allow-list:", id);
    if ((size & 3) || size < t->min_bytes || size > MBOX_MAX_VALUE_BYTES) mbox_refuse("value buffer size not allowed for this tag:", size);
    if (off + 12 + size > len) mbox_refuse("value buffer runs past len, tag", id);
    if (req > size) mbox_refuse("request size larger than the value buffer:", req);
    if (id == MBOX_TAG_SET_CLOCK_RATE && mbox_buf[off / 4 + 3] != MBOX_CLOCK_ARM) mbox_refuse("set clock rate is allowed for the ARM clock (id 3) only, not id", mbox_buf[off / 4 + 3]);
    off += 12 + size;
  }
}

static inline uint32_t mbox_read(uint32_t addr) {
  __asm__ volatile("dsb sy" ::: "memory");
  uint32_t v = *(volatile uint32_t*)(uintptr_t)addr;
  __asm__ volatile("dsb sy" ::: "memory");
  return v;
}

/* Clean and invalidate the buffer's cache lines: the VideoCore reads and writes RAM directly. */
static void mbox_sync_cache(void) {
  for (uintptr_t p = (uintptr_t)mbox_buf; p < (uintptr_t)mbox_buf + sizeof mbox_buf; p += 64) __asm__ volatile("dc civac, %0" ::"r"(p) : "memory");
  __asm__ volatile("dsb sy" ::: "memory");
}

u32 Z_envZ_mailbox_call(struct Z_env_instance_t* env, u32 ptr, u32 len) {
  (void)env;
  uint8_t* msg = linear_range("mailbox_call", ptr, len);
  if ((len & 3) || len < 12 || len > MBOX_MAX_BYTES) mbox_refuse("len must be a multiple of 4 from 12 to 256 bytes, not", len);
  memset(mbox_buf, 0, sizeof mbox_buf);
  memcpy(mbox_buf, msg, len);
  mbox_check(len);

  uint32_t start = mbox_read(SYSTEM_TIMER_CLO);
  while (mbox_read(MBOX1_STATUS) & MBOX_STATUS_FULL)
    if (mbox_read(SYSTEM_TIMER_CLO) - start >= MBOX_TIMEOUT_US) return MBOX_NO_ANSWER;
  /* Drop stale answers (none are expected: nothing else uses the mailbox). */
  while (!(mbox_read(MBOX0_STATUS) & MBOX_STATUS_EMPTY)) (void)mbox_read(MBOX0_READ);
  mbox_sync_cache();
  uint32_t sent = (uint32_t)((uintptr_t)mbox_buf | 0xC0000000u) | MBOX_CHANNEL_PROPERTY;
  __asm__ volatile("dsb sy" ::: "memory");
  *(volatile uint32_t*)(uintptr_t)MBOX1_WRITE = sent;
  __asm__ volatile("dsb sy" ::: "memory");
  for (;;) {
    if (mbox_read(SYSTEM_TIMER_CLO) - start >= MBOX_TIMEOUT_US) return MBOX_NO_ANSWER;
    if (mbox_read(MBOX0_STATUS) & MBOX_STATUS_EMPTY) continue;
    if (mbox_read(MBOX0_READ) == sent) break;
  }
  mbox_sync_cache();
  if (mbox_buf[1] != MBOX_CODE_SUCCESS) {
    memcpy(msg + 4, &mbox_buf[1], 4); /* only the code: the values are not answers */
    return MBOX_ERROR;
  }
  memcpy(msg, mbox_buf, len);
  return MBOX_OK;
}

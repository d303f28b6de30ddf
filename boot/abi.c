/*
 * abi.c — the firmware ABI (firmware/abi.ts) implemented for real, as the
 * imports wasm2c 1.0.32 expects (Z_envZ_<name>).
 *
 *   mmio_read/mmio_write  volatile 32-bit access, only to the registers of
 *                         the allow-list in sandbox.h (generated from
 *                         regs/allow-list.ts, the list the simulator reads);
 *                         anything else is refused: an `F mmio:` line names
 *                         it and why, then halt(4).
 *   cache_clean           dc cvac over the range, then dsb
 *   bundle_size/read      the music file the GPU firmware loaded (music.c)
 *   halt                  report the code, stop
 *   dma_start/position/stop  the DMA service: the runtime builds the control
 *                         blocks in its own memory and programs the channel;
 *                         the firmware only names buffers in linear memory
 *                         and a destination FIFO (see firmware/abi.ts).
 *   wasm_rt_grow_memory   memory.grow, bounded by the module's maximum and
 *                         LINEAR_MEMORY_MAX_PAGES before wasm2c's own code
 *                         (which computes the new size in 32 bits) runs.
 *
 * With -DPIWAVE_MMIO_TRACE every MMIO access, the firmware's and the DMA
 * service's, is also printed as
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
#include "sandbox.h"
#include "uart.h"

extern Z_app_instance_t piwave_app;

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Why the firmware may not make this access, or 0 when it may. */
static const char* mmio_refusal(uint32_t addr, int write, const char** name) {
  *name = 0;
  if (addr & 3) return "not 4-byte aligned";
  for (unsigned i = 0; i < COUNT(SANDBOX_WINDOWS); i++) {
    const struct sandbox_window* w = &SANDBOX_WINDOWS[i];
    uint32_t off = addr - w->base;
    if (off >= w->size) continue;
    uint64_t bit = 1ull << (off >> 2);
    if (!(w->read_mask & bit)) break;
    if (write && !(w->write_mask & bit)) {
      for (unsigned r = 0; r < COUNT(SANDBOX_READ_ONLY); r++)
        if (SANDBOX_READ_ONLY[r].addr == addr) *name = SANDBOX_READ_ONLY[r].name;
      return "is read-only for the firmware";
    }
    return 0;
  }
  return "not in the sandbox's allow-list for " SANDBOX_BOARD_NAME;
}

static _Noreturn void refuse(const char* what, uint32_t addr, const char* why, const char* name) {
  uart_puts("\nF mmio: refused ");
  uart_puts(what);
  uart_puts(" ");
  uart_hex(addr, 8);
  uart_puts(": ");
  if (name) {
    uart_puts(name);
    uart_puts(" ");
  }
  uart_puts(why);
  uart_puts("\n");
  runtime_halt(HALT_BAD_MMIO);
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

/* The runtime's own register accesses (traced like the firmware's). */
static u32 reg_read(u32 addr) {
  __asm__ volatile("dsb sy" ::: "memory");
  u32 v = *(volatile u32*)(uintptr_t)addr;
  __asm__ volatile("dsb sy" ::: "memory");
  trace('R', addr, v);
  return v;
}

static void reg_write(u32 addr, u32 value) {
  trace('W', addr, value);
  __asm__ volatile("dsb sy" ::: "memory");
  *(volatile u32*)(uintptr_t)addr = value;
  __asm__ volatile("dsb sy" ::: "memory");
}

u32 Z_envZ_mmio_read(struct Z_env_instance_t* env, u32 addr) {
  (void)env;
  const char* name;
  const char* why = mmio_refusal(addr, 0, &name);
  if (why) refuse("read of", addr, why, name);
  return reg_read(addr);
}

void Z_envZ_mmio_write(struct Z_env_instance_t* env, u32 addr, u32 value) {
  (void)env;
  const char* name;
  const char* why = mmio_refusal(addr, 1, &name);
  if (why) refuse("write to", addr, why, name);
  reg_write(addr, value);
}

/* Clean the data cache over [p, p + len) to the point of coherency (DMA sees it). */
static void clean(const void* p, size_t len) {
  uintptr_t a = (uintptr_t)p & ~(uintptr_t)63;
  uintptr_t end = (uintptr_t)p + len;
  for (; a < end; a += 64) __asm__ volatile("dc cvac, %0" ::"r"(a) : "memory");
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
    runtime_halt(HALT_BAD_MMIO);
  }
  return mem->data + ptr;
}

void Z_envZ_cache_clean(struct Z_env_instance_t* env, u32 ptr, u32 len) {
  (void)env;
  clean(linear_range("cache_clean", ptr, len), len);
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

/* ---- DMA service (firmware/abi.ts; the simulator: host/sim/dma-service.ts) ----
 *
 * The control blocks live here, in runtime memory the firmware cannot
 * address, 32-byte aligned by construction. Every check and every register
 * access below is mirrored by the simulator, in the same order, with the
 * same refusal text. */

struct dma_cb {
  u32 ti, source_ad, dest_ad, txfr_len, stride, nextconbk, reserved[2];
};
_Static_assert(sizeof(struct dma_cb) == DMA_CB_BYTES, "a control block is 8 words");

#define DMA_CHANNELS 15u
#define DMA_RESET_POLLS 1000

static struct dma_cb dma_cbs[DMA_CHANNELS][SANDBOX_DMA_MAX_BLOCKS] __attribute__((aligned(DMA_CB_ALIGN)));
static u32 dma_chain_count[DMA_CHANNELS]; /* 0: no chain started */

static u32 dma_reg(u32 channel, u32 reg) {
  return PERIPHERAL_BASE + DMA_OFFSET + channel * DMA_CHANNEL_STRIDE + reg;
}

static u32 dma_bus(const void* p) {
  return (u32)mmu_phys(p) | DMA_BUS_RAM_ALIAS; /* linear memory is mapped away from its physical pages (mmu.c) */
}

static void dma_refusal_begin(const char* call, u32 channel) {
  uart_puts("\nF dma: refused ");
  uart_puts(call);
  uart_puts(" on channel ");
  uart_dec(channel);
  uart_puts(": ");
}

static _Noreturn void dma_refuse(const char* call, u32 channel, const char* why) {
  dma_refusal_begin(call, channel);
  uart_puts(why);
  uart_puts("\n");
  runtime_halt(HALT_BAD_MMIO);
}

/* "block N (0x........+LEN) <why>" */
static _Noreturn void dma_refuse_block(u32 channel, u32 i, u32 off, u32 len, const char* why, u32 size) {
  dma_refusal_begin("dma_start", channel);
  uart_puts("block ");
  uart_dec(i);
  uart_puts(" (");
  uart_hex(off, 8);
  uart_puts("+");
  uart_dec(len);
  uart_puts(") ");
  uart_puts(why);
  if (size) {
    uart_puts(" (");
    uart_dec(size);
    uart_puts(" bytes)");
  }
  uart_puts("\n");
  runtime_halt(HALT_BAD_MMIO);
}

static void dma_check_channel(const char* call, u32 channel) {
  if (channel >= DMA_CHANNELS || !((SANDBOX_DMA_CHANNELS >> channel) & 1))
    dma_refuse(call, channel, "not a channel the runtime lends (0, 2, 4, 5, 6: full channels in the VideoCore's free mask 0x07f5)");
}

/* Busy-wait on the system timer's counter (untraced: its values are wall-clock time). */
static void delay_us(u32 us) {
  volatile u32* clo = (volatile u32*)(uintptr_t)(PERIPHERAL_BASE + 0x3004u);
  u32 start = *clo;
  while (*clo - start < us) {
  }
}

/* CS = RESET, then wait for the engine to clear it (Circle lib/dmachannel.cpp, CDMAChannel's constructor). */
static void dma_reset(u32 channel) {
  u32 cs = dma_reg(channel, DMA_CS);
  reg_write(cs, DMA_CS_RESET);
  for (int i = 0; i < DMA_RESET_POLLS; i++)
    if (!(reg_read(cs) & DMA_CS_RESET)) return;
  uart_puts("\nF dma: channel ");
  uart_dec(channel);
  uart_puts(" stays in RESET\n");
  runtime_halt(HALT_HARDWARE);
}

void Z_envZ_dma_start(struct Z_env_instance_t* env, u32 channel, u32 dest, u32 blocks, u32 count, u32 flags) {
  (void)env;
  static const char call[] = "dma_start";
  dma_check_channel(call, channel);
  if (reg_read(dma_reg(channel, DMA_CS)) & DMA_CS_ACTIVE) dma_refuse(call, channel, "the channel is running (dma_stop it first)");
  const struct sandbox_dma_destination* to = 0;
  for (unsigned i = 0; i < COUNT(SANDBOX_DMA_DESTINATIONS); i++)
    if (SANDBOX_DMA_DESTINATIONS[i].addr == dest) to = &SANDBOX_DMA_DESTINATIONS[i];
  if (!to) {
    dma_refusal_begin(call, channel);
    uart_puts("destination ");
    uart_hex(dest, 8);
    uart_puts(" is not a DMA destination of " SANDBOX_BOARD_NAME "\n");
    runtime_halt(HALT_BAD_MMIO);
  }
  if (flags & ~DMA_SERVICE_RING) {
    dma_refusal_begin(call, channel);
    uart_puts("unknown flags ");
    uart_hex(flags, 8);
    uart_puts("\n");
    runtime_halt(HALT_BAD_MMIO);
  }
  if (count == 0 || count > SANDBOX_DMA_MAX_BLOCKS) {
    dma_refusal_begin(call, channel);
    uart_dec(count);
    uart_puts(" blocks (1 to ");
    uart_dec(SANDBOX_DMA_MAX_BLOCKS);
    uart_puts(")\n");
    runtime_halt(HALT_BAD_MMIO);
  }
  wasm_rt_memory_t* mem = &piwave_app.w2c_memory;
  uint64_t size = mem->size;
  if ((uint64_t)blocks + count * 8u > size) {
    dma_refusal_begin(call, channel);
    uart_puts("block list ");
    uart_hex(blocks, 8);
    uart_puts("+");
    uart_dec(count * 8u);
    uart_puts(" is outside linear memory (");
    uart_dec(size);
    uart_puts(" bytes)\n");
    runtime_halt(HALT_BAD_MMIO);
  }
  u32 off[SANDBOX_DMA_MAX_BLOCKS], len[SANDBOX_DMA_MAX_BLOCKS];
  for (u32 i = 0; i < count; i++) {
    memcpy(&off[i], mem->data + blocks + i * 8, 4); /* the wasm memory is little-endian, like the A53/A72 */
    memcpy(&len[i], mem->data + blocks + i * 8 + 4, 4);
    if ((uint64_t)off[i] + len[i] > size) dma_refuse_block(channel, i, off[i], len[i], "is outside linear memory", (u32)size);
    if ((off[i] & 3) || len[i] == 0 || (len[i] & 3)) dma_refuse_block(channel, i, off[i], len[i], "is not whole, aligned words", 0);
  }
  if (mmu_phys(mem->data) + size > DMA_BUS_REACH || (uintptr_t)&dma_cbs[DMA_CHANNELS] > DMA_BUS_REACH) {
    uart_puts("\nF dma: linear memory or the control blocks lie above 1 GiB, out of DMA reach\n");
    runtime_halt(HALT_RUNTIME);
  }
  /* The chain, in runtime memory. */
  struct dma_cb* cb = dma_cbs[channel];
  u32 ti = (to->dreq << DMA_TI_PERMAP_SHIFT) | DMA_TI_DEST_DREQ | DMA_TI_SRC_INC | DMA_TI_WAIT_RESP | DMA_TI_NO_WIDE_BURSTS;
  for (u32 i = 0; i < count; i++) {
    cb[i].ti = ti;
    cb[i].source_ad = dma_bus(mem->data + off[i]);
    cb[i].dest_ad = to->bus;
    cb[i].txfr_len = len[i];
    cb[i].stride = 0;
    cb[i].nextconbk = i + 1 < count ? dma_bus(&cb[i + 1]) : (flags & DMA_SERVICE_RING) ? dma_bus(&cb[0]) : 0;
    cb[i].reserved[0] = cb[i].reserved[1] = 0;
    clean(mem->data + off[i], len[i]);
  }
  clean(cb, count * sizeof *cb);
  dma_chain_count[channel] = count;
  /* Start it as Circle does (lib/dmachannel.cpp: enable, 1 ms when newly
   * enabled, RESET and wait for it to clear), clear DEBUG's error flags
   * (write 1 to clear, BCM2835 ARM peripherals 4.2.1.2), load, go. */
  u32 enable = PERIPHERAL_BASE + DMA_OFFSET + DMA_ENABLE;
  u32 enabled = reg_read(enable);
  reg_write(enable, enabled | (1u << channel));
  if (!(enabled & (1u << channel))) delay_us(1000); /* a channel just enabled: Circle waits 1 ms */
  dma_reset(channel);
  reg_write(dma_reg(channel, DMA_DEBUG), DMA_DEBUG_ERRORS);
  reg_write(dma_reg(channel, DMA_CONBLK_AD), dma_bus(&cb[0]));
  reg_write(dma_reg(channel, DMA_CS), DMA_CS_WAIT_FOR_OUTSTANDING_WRITES | (8u << DMA_CS_PANIC_PRIORITY_SHIFT) | (8u << DMA_CS_PRIORITY_SHIFT) | DMA_CS_ACTIVE);
}

u32 Z_envZ_dma_position(struct Z_env_instance_t* env, u32 channel) {
  (void)env;
  dma_check_channel("dma_position", channel);
  u32 cs = reg_read(dma_reg(channel, DMA_CS));
  if (cs & DMA_CS_ERROR) return DMA_SERVICE_FAILED;
  u32 at = reg_read(dma_reg(channel, DMA_CONBLK_AD));
  u32 count = dma_chain_count[channel];
  if (!count || !(cs & DMA_CS_ACTIVE) || at == 0) return DMA_SERVICE_IDLE;
  u32 first = dma_bus(&dma_cbs[channel][0]);
  if (at < first || (at - first) % DMA_CB_BYTES || (at - first) / DMA_CB_BYTES >= count) return DMA_SERVICE_FAILED;
  return (at - first) / DMA_CB_BYTES;
}

void Z_envZ_dma_stop(struct Z_env_instance_t* env, u32 channel) {
  (void)env;
  dma_check_channel("dma_stop", channel);
  reg_write(dma_reg(channel, DMA_CS), DMA_CS_ABORT);
  dma_reset(channel);
  u32 enable = PERIPHERAL_BASE + DMA_OFFSET + DMA_ENABLE;
  reg_write(enable, reg_read(enable) & ~(1u << channel));
  dma_chain_count[channel] = 0;
}

/* When the firmware stops for good (halt, trap, refusal, exception), no
 * chain it started may keep feeding the PWM (a ring would loop ~46 ms of
 * sound forever): abort, reset and disable every channel still lent out.
 * Never halts itself (called from runtime_halt). */
void dma_stop_all(void) {
  for (u32 c = 0; c < DMA_CHANNELS; c++) {
    if (!dma_chain_count[c]) continue;
    dma_chain_count[c] = 0;
    u32 cs = dma_reg(c, DMA_CS);
    reg_write(cs, DMA_CS_ABORT);
    reg_write(cs, DMA_CS_RESET);
    for (int i = 0; i < DMA_RESET_POLLS && (reg_read(cs) & DMA_CS_RESET); i++) {
    }
    u32 enable = PERIPHERAL_BASE + DMA_OFFSET + DMA_ENABLE;
    reg_write(enable, reg_read(enable) & ~(1u << c));
  }
}

/* ---- memory.grow ----
 * wasm2c 1.0.32's wasm_rt_grow_memory computes the new size in 32 bits: at
 * 65536 pages it becomes 0 and realloc shrinks linear memory under the
 * firmware. host/kernel.ts renames that function to
 * wasm_rt_grow_memory_unchecked when it compiles wasm-rt-impl.c; the
 * translated firmware calls this one, which refuses (-1, as wasm specifies
 * for a failed grow) anything past the module's declared maximum or
 * LINEAR_MEMORY_MAX_PAGES, counting in 64 bits. */
uint32_t wasm_rt_grow_memory_unchecked(wasm_rt_memory_t* memory, uint32_t delta);

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* memory, uint32_t delta) {
  uint64_t pages = (uint64_t)memory->pages + delta;
  if (pages > memory->max_pages || pages > LINEAR_MEMORY_MAX_PAGES) return (uint32_t)-1;
  if (delta == 0) return memory->pages;
  return wasm_rt_grow_memory_unchecked(memory, delta);
}

/*
 * music.c — the music file: where it is, whether it is there, how big.
 *
 * The music is not linked into kernel8.img. The GPU firmware loads it from
 * the card before starting the ARM, because config.txt says
 *     initramfs music.pwb <MUSIC_BASE>
 * (the Raspberry Pi config.txt documentation, "initramfs": file name and
 * load address; QEMU's equivalent is -device loader,file=…,addr=…). The
 * region [MUSIC_BASE, MUSIC_END) is reserved for it in the memory map
 * (docs/memory-map.md). The GPU firmware tells the kernel nothing about the
 * file without a device tree, so the runtime checks the header itself
 * before the firmware may read a byte:
 *   - the "PWAV" magic at MUSIC_BASE: otherwise no music was loaded (file
 *     missing, config.txt line missing or wrong);
 *   - the header CRC, so the size field can be trusted;
 *   - that size fits the region.
 * The check runs when the firmware first asks for the music (bundle_size or
 * bundle_read), so a firmware that plays none runs without the file. Each
 * failure is one `E bundle:` line and halt 1 (bad asset bundle), before the
 * firmware has read a byte of it. Everything else (version, directory and track CRCs,
 * rates) the firmware checks itself when it opens the bundle
 * (firmware/audio/bundle.ts). bundle_read (abi.c) never reads outside
 * [MUSIC_BASE, MUSIC_BASE + music_size()).
 *
 * The header layout is the asset bundle's (firmware/audio/bundle.ts):
 * magic u32 at 0, version u16 at 4, header size u16 at 6, total size u32 at
 * 12, CRC-32 of bytes 0..27 at 28, all little-endian.
 */
#include <stdint.h>

#include "board.h"
#include "music.h"
#include "runtime.h"
#include "uart.h"

#define MAGIC 0x56415750u /* "PWAV" */
#define HEADER_SIZE 32u

static uint32_t size;
static int opened;

static uint32_t le32(const volatile uint8_t* p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* CRC-32 (IEEE 802.3, reflected 0xEDB88320), bit by bit: only 28 bytes. */
static uint32_t crc32(const volatile uint8_t* p, uint32_t n) {
  uint32_t c = 0xffffffffu;
  for (uint32_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
  }
  return ~c;
}

static void where(void) {
  uart_puts(" at ");
  uart_hex(MUSIC_BASE, 8);
}

static _Noreturn void refuse(void) {
  runtime_halt(1);
}

void music_check_device_tree(uint64_t device_tree) {
  if (device_tree >= MUSIC_BASE && device_tree < MUSIC_END) {
    uart_puts("E bundle: the Pi firmware put a device tree at ");
    uart_hex(device_tree, 8);
    uart_puts(", inside the music: config.txt needs the device_tree_address line piwave build writes\n");
    refuse();
  }
}

/* The header check, on the firmware's first bundle_size or bundle_read: a
 * firmware that plays no music (a probe, a synthesiser) runs without the
 * file; one that asks for music gets the specific refusal. */
static void music_open(void) {
  const volatile uint8_t* h = (const volatile uint8_t*)(uintptr_t)MUSIC_BASE;
  opened = 1;
  uint32_t magic = le32(h);
  if (magic != MAGIC) {
    uart_puts("E bundle: no music");
    where();
    uart_puts(" (found ");
    uart_hex(magic, 8);
    uart_puts(" instead of the \"PWAV\" header): the card needs " MUSIC_FILE " and the line `initramfs " MUSIC_FILE " ");
    uart_hex(MUSIC_BASE, 8);
    uart_puts("` in config.txt, both written by piwave build\n");
    refuse();
  }
  uint32_t stored = le32(h + 28);
  uint32_t computed = crc32(h, 28);
  if (stored != computed) {
    uart_puts("E bundle: " MUSIC_FILE);
    where();
    uart_puts(" is damaged: header CRC mismatch (stored ");
    uart_hex(stored, 8);
    uart_puts(", computed ");
    uart_hex(computed, 8);
    uart_puts("): copy the file to the card again\n");
    refuse();
  }
  uint32_t total = le32(h + 12);
  if (total < HEADER_SIZE || total > MUSIC_END - MUSIC_BASE) {
    uart_puts("E bundle: " MUSIC_FILE);
    where();
    uart_puts(" says it is ");
    uart_dec(total);
    uart_puts(" bytes; the memory map leaves ");
    uart_dec(MUSIC_END - MUSIC_BASE);
    uart_puts(" for music (and the header needs 32): the file is damaged or not for this board\n");
    refuse();
  }
  size = total;
  uart_puts("I runtime: music");
  where();
  uart_puts(", ");
  uart_dec(size);
  uart_puts(" bytes\n");
}

uint32_t music_size(void) {
  if (!opened) music_open();
  return size;
}

const uint8_t* music_data(void) {
  return (const uint8_t*)(uintptr_t)MUSIC_BASE;
}

/*
 * runner.c — the CPU-budget benchmark host: the firmware's wasm2c C, built
 * natively for this machine, with the hardware stubbed so the firmware
 * never waits (FIFO never full, clock never busy, every DMA poll finds the
 * engine on the other buffer). What is left is the firmware's own work per
 * second of audio. Prints: "cpu_seconds=<s> frames=<n>".
 *
 * Usage: runner <bundle file>
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <setjmp.h>

#include "app.h"
#include "wasm-rt-impl.h"

static Z_app_instance_t app;
static uint8_t* bundle;
static uint32_t bundle_len;
static jmp_buf halted;
static uint32_t clo;
static uint32_t cb_written, cb_next, cb_current;
static uint64_t words;
static uint64_t track_frames;
static char line[512];
static size_t line_len;

static uint32_t cb_next_of(uint32_t cb_bus) {
  /* NEXTCONBK of the CB at bus address cb_bus, read from linear memory. */
  uint32_t off = (cb_bus & 0x3fffffff) - 0x01000000u;
  uint32_t next;
  memcpy(&next, app.w2c_memory.data + off + 20, 4);
  return next;
}

u32 Z_envZ_mmio_read(struct Z_env_instance_t* e, u32 addr) {
  (void)e;
  switch (addr & 0xfff) {
    case 0x004: /* ST_CLO (timer window) or DMA0..: only the timer's CLO is read at +0x004 here */
      if ((addr & 0xfffff000) == ((addr & 0xff000000) | 0x003000)) return clo += 1;
      break;
    case 0x008:
      if ((addr & 0xfffff000) == ((addr & 0xff000000) | 0x003000)) return 0;
      break;
  }
  if ((addr & 0xffff0fff) == ((addr & 0xff000000) | 0x00000504)) {
    /* DMA channel 5 CONBLK_AD: the engine is always on the other buffer. */
    cb_current = cb_current == cb_written ? cb_next : cb_written;
    return cb_current;
  }
  return 0; /* status registers: never full, never busy, no errors; CTL.CLRF reads 0 (real PWM) */
}

void Z_envZ_mmio_write(struct Z_env_instance_t* e, u32 addr, u32 value) {
  (void)e;
  if ((addr & 0xfff) == 0x018 && (addr & 0xf000) == 0xc000) words++; /* PWM FIF1 */
  if ((addr & 0xffff0fff) == ((addr & 0xff000000) | 0x00000504)) {
    cb_written = cb_current = value;
    cb_next = cb_next_of(value);
  }
  if ((addr & 0xfff) == 0x000 && (addr & 0xfffff000) == ((addr & 0xff000000) | 0x201000)) {
    /* UART DR: collect lines, keep the summary's frame count. */
    if (value == '\n') {
      line[line_len] = 0;
      const char* f = strstr(line, "I summary:");
      if (f) {
        const char* fr = strstr(line, " frames=");
        if (fr) track_frames = strtoull(fr + 8, 0, 10);
        fprintf(stderr, "%s\n", line);
      }
      line_len = 0;
    } else if (line_len < sizeof line - 1) {
      line[line_len++] = (char)value;
    }
  }
}

u32 Z_envZ_bus_address(struct Z_env_instance_t* e, u32 ptr, u32 len) {
  (void)e; (void)len;
  return 0xC0000000u | (0x01000000u + ptr);
}

void Z_envZ_cache_clean(struct Z_env_instance_t* e, u32 ptr, u32 len) {
  (void)e; (void)ptr; (void)len;
}

u32 Z_envZ_bundle_size(struct Z_env_instance_t* e) {
  (void)e;
  return bundle_len;
}

u32 Z_envZ_bundle_read(struct Z_env_instance_t* e, u32 off, u32 dst, u32 len) {
  (void)e;
  if (off >= bundle_len) return 0;
  if (len > bundle_len - off) len = bundle_len - off;
  memcpy(app.w2c_memory.data + dst, bundle + off, len);
  return len;
}

void Z_envZ_halt(struct Z_env_instance_t* e, u32 code) {
  (void)e;
  longjmp(halted, (int)code + 1);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s bundle\n", argv[0]);
    return 2;
  }
  FILE* f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  fseek(f, 0, SEEK_END);
  bundle_len = (uint32_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  bundle = malloc(bundle_len);
  if (fread(bundle, 1, bundle_len, f) != bundle_len) return 2;
  fclose(f);

  wasm_rt_init();
  Z_app_init_module();
  Z_app_instantiate(&app, 0);
  struct timespec t0, t1;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
  int code = setjmp(halted);
  if (code == 0) {
    if (wasm_rt_impl_try() == 0) Z_appZ_main(&app);
    fprintf(stderr, "firmware trapped or returned\n");
    return 1;
  }
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
  double cpu = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("cpu_seconds=%.6f frames=%llu halt=%d fifo_words=%llu\n", cpu, (unsigned long long)track_frames, code - 1, (unsigned long long)words);
  return code - 1;
}

/*
 * runner.c — the CPU-budget benchmark host: the firmware's wasm2c C, built
 * natively for this machine, with the hardware stubbed so the firmware
 * never waits (FIFO never full, clock never busy, every dma_position poll
 * finds the engine on the other buffer). What is left is the firmware's own work per
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
static uint32_t dma_blocks, dma_current;
static uint64_t words;
static uint64_t track_frames;
static char line[512];
static size_t line_len;

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
  return 0; /* status registers: never full, never busy, no errors; CTL.CLRF reads 0 (real PWM) */
}

void Z_envZ_mmio_write(struct Z_env_instance_t* e, u32 addr, u32 value) {
  (void)e;
  if ((addr & 0xfff) == 0x018 && (addr & 0xf000) == 0xc000) words++; /* PWM FIF1 */
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

/* The DMA service: the engine is always on the other block. */
void Z_envZ_dma_start(struct Z_env_instance_t* e, u32 channel, u32 dest, u32 blocks, u32 count, u32 flags) {
  (void)e; (void)channel; (void)dest; (void)blocks; (void)flags;
  dma_blocks = count;
  dma_current = 0;
}

u32 Z_envZ_dma_position(struct Z_env_instance_t* e, u32 channel) {
  (void)e; (void)channel;
  if (!dma_blocks) return 0xFFFFFFFFu;
  dma_current = (dma_current + 1) % dma_blocks;
  return dma_current;
}

void Z_envZ_dma_stop(struct Z_env_instance_t* e, u32 channel) {
  (void)e; (void)channel;
  dma_blocks = 0;
}

void Z_envZ_cache_clean(struct Z_env_instance_t* e, u32 ptr, u32 len) {
  (void)e; (void)ptr; (void)len;
}

/* The mailbox: no VideoCore here; the firmware goes on without an answer (MAILBOX_NO_ANSWER). */
u32 Z_envZ_mailbox_call(struct Z_env_instance_t* e, u32 ptr, u32 len) {
  (void)e; (void)ptr; (void)len;
  return 1;
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

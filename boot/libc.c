/*
 * libc.c — the freestanding C library wasm2c's code and runtime need, and
 * nothing more: memory functions, a bump allocator (the heap only grows:
 * linear memory is allocated once and grown in place), abort and assert.
 * Chosen over Debian's picolibc: no TLS linker symbols or syscall stubs to
 * feed, and every line here is readable (docs/toolchain.md#a-hand-written-libc).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "runtime.h"
#include "sandbox.h"
#include "uart.h"

void* memcpy(void* dst, const void* src, size_t n) {
  uint8_t* d = dst;
  const uint8_t* s = src;
  if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
    for (; n >= 8; n -= 8, d += 8, s += 8) *(uint64_t*)d = *(const uint64_t*)s;
  }
  while (n--) *d++ = *s++;
  return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
  uint8_t* d = dst;
  const uint8_t* s = src;
  if (d <= s || d >= s + n) return memcpy(dst, src, n);
  while (n--) d[n] = s[n];
  return dst;
}

void* memset(void* dst, int c, size_t n) {
  uint8_t* d = dst;
  if (((uintptr_t)d & 7) == 0) {
    uint64_t w = (uint8_t)c * 0x0101010101010101ull;
    for (; n >= 8; n -= 8, d += 8) *(uint64_t*)d = w;
  }
  while (n--) *d++ = (uint8_t)c;
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  const uint8_t* x = a;
  const uint8_t* y = b;
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i]) return x[i] - y[i];
  return 0;
}

size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

/* Bump allocator. Each block starts with its size and its capacity; a
 * block grows in place up to its capacity (memory.grow), and the newest
 * block beyond it. A block of a wasm page or more is the firmware's linear
 * memory: it starts on a LINEAR_MEMORY_ALIGN boundary and reserves room for
 * LINEAR_MEMORY_MAX_PAGES, so it never moves (regs/memory.ts: the rule the
 * simulator mirrors; a running DMA chain keeps reading the right place). */
extern uint8_t __heap_start[];
static uintptr_t heap_top = 0;
static uint8_t* last_block = 0;

static size_t block_size(void* p) {
  return ((size_t*)p)[-2];
}

static size_t block_capacity(void* p) {
  return ((size_t*)p)[-1];
}

void* malloc(size_t n) {
  if (!heap_top) heap_top = (uintptr_t)__heap_start;
  int linear = n >= LINEAR_MEMORY_ALIGN;
  uintptr_t align = linear ? LINEAR_MEMORY_ALIGN : 16;
  size_t capacity = linear && n < (size_t)LINEAR_MEMORY_MAX_PAGES * 65536u ? (size_t)LINEAR_MEMORY_MAX_PAGES * 65536u : n;
  uintptr_t p = (heap_top + 16 + align - 1) & ~(align - 1);
  if (p + capacity > HEAP_END || p + capacity < p) {
    uart_puts("\nF runtime: out of memory: ");
    uart_dec(capacity);
    uart_puts(" bytes requested, heap ends at ");
    uart_hex(HEAP_END, 8);
    uart_puts("\n");
    runtime_halt(HALT_RUNTIME);
  }
  ((size_t*)p)[-2] = n;
  ((size_t*)p)[-1] = capacity;
  heap_top = p + capacity;
  last_block = (uint8_t*)p;
  return (void*)p;
}

void* calloc(size_t count, size_t size) {
  size_t n = count * size;
  if (size && n / size != count) return 0;
  void* p = malloc(n);
  memset(p, 0, n);
  return p;
}

void* realloc(void* p, size_t n) {
  if (!p) return malloc(n);
  if (n <= block_capacity(p)) {
    ((size_t*)p)[-2] = n;
    return p;
  }
  if ((uint8_t*)p == last_block) {
    if ((uintptr_t)p + n > HEAP_END) return malloc(n); /* reports out of memory */
    ((size_t*)p)[-2] = n;
    ((size_t*)p)[-1] = n;
    heap_top = (uintptr_t)p + n;
    return p;
  }
  void* q = malloc(n);
  size_t old = block_size(p);
  memcpy(q, p, old < n ? old : n);
  return q;
}

void free(void* p) {
  (void)p; /* never reused: the runtime allocates once */
}

size_t heap_used(void) {
  return heap_top ? heap_top - (uintptr_t)__heap_start : 0;
}

/* wasm2c's runtime reports a failed mmap()/mprotect() (mmu.c) this way, then calls abort(). */
void perror(const char* msg) {
  uart_puts("\nF runtime: ");
  uart_puts(msg);
  uart_puts("\n");
}

_Noreturn void abort(void) {
  uart_puts("\nF runtime: abort() called\n");
  runtime_halt(HALT_RUNTIME);
}

_Noreturn void piwave_assert_fail(const char* expr, const char* file, int line) {
  uart_puts("\nF runtime: assertion failed: ");
  uart_puts(expr);
  uart_puts(" at ");
  uart_puts(file);
  uart_puts(":");
  uart_dec((uint64_t)line);
  uart_puts("\n");
  runtime_halt(HALT_RUNTIME);
}

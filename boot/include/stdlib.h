/* stdlib.h — the part of the C library wasm2c's code and runtime use (libc.c). */
#ifndef PIWAVE_STDLIB_H
#define PIWAVE_STDLIB_H
#include <stddef.h>
#include <alloca.h> /* wasm-rt-impl.c relies on stdlib.h bringing alloca in, as glibc does */
void* malloc(size_t n);
void* calloc(size_t count, size_t size);
void* realloc(void* p, size_t n);
void free(void* p);
_Noreturn void abort(void);
#endif

/* sys/mman.h — what wasm-rt-impl.c's guard-page memory (WASM_RT_MEMCHECK_SIGNAL_HANDLER=1)
 * calls: mmu.c implements it with the MMU (one reservation: the firmware's linear memory). */
#ifndef PIWAVE_SYS_MMAN_H
#define PIWAVE_SYS_MMAN_H
#include <stddef.h>
#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_PRIVATE 2
#define MAP_ANONYMOUS 0x20
#define MAP_FAILED ((void*)-1)
void* mmap(void* addr, size_t len, int prot, int flags, int fd, long off);
int mprotect(void* addr, size_t len, int prot);
int munmap(void* addr, size_t len);
#endif

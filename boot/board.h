/*
 * board.h — the board the kernel is built for, and its memory map.
 *
 * PIWAVE_BOARD is 4 (BCM2711, Raspberry Pi 4) or 3 (BCM2837, Pi 3 and
 * QEMU raspi3b), given on the compiler command line. Every address, field
 * and board fact comes from regs.h, which host/regs/board-header.ts
 * generates from regs/ — the description the firmware's drivers and the
 * simulator's models read too (docs/hardware.md#addresses explains them).
 */
#ifndef PIWAVE_BOARD_H
#define PIWAVE_BOARD_H

#include "regs.h"

#define TIMER_BASE (PERIPHERAL_BASE + TIMER_OFFSET)
#define MBOX_BASE (PERIPHERAL_BASE + MBOX_OFFSET)
#define GPIO_BASE (PERIPHERAL_BASE + GPIO_OFFSET)
#define UART0_BASE (PERIPHERAL_BASE + UART0_OFFSET)

/* The memory map (host/memory-map.ts, explained in docs/memory-map.md) comes
 * from the build as -D definitions, so the kernel, config.txt and the QEMU
 * runner can never disagree:
 *   PIWAVE_HEAP_START/END   the heap: wasm linear memory and tables (libc.c)
 *   PIWAVE_MUSIC_BASE/END   where the GPU firmware loads the music file and
 *                           how far it may reach (music.c)
 * All of it lies in the first GiB (DMA reach, bus alias 0xC0000000) and below
 * the GPU's memory on the smallest board of the family. */
#if !defined(PIWAVE_HEAP_START) || !defined(PIWAVE_HEAP_END) || !defined(PIWAVE_MUSIC_BASE) || !defined(PIWAVE_MUSIC_END)
#error "the memory map comes from the build (host/memory-map.ts): build with `piwave build`"
#endif
#define HEAP_END PIWAVE_HEAP_END
#define MUSIC_BASE PIWAVE_MUSIC_BASE
#define MUSIC_END PIWAVE_MUSIC_END

#endif

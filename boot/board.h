/*
 * board.h — peripheral addresses of the board the kernel is built for.
 *
 * PIWAVE_BOARD is 4 (BCM2711, Raspberry Pi 4) or 3 (BCM2837, Pi 3 and
 * QEMU raspi3b), given on the compiler command line. Values from
 * docs/hardware.md#addresses; the firmware has the same
 * table in firmware/board/index.ts.
 */
#ifndef PIWAVE_BOARD_H
#define PIWAVE_BOARD_H

#if PIWAVE_BOARD == 4
#define PERIPHERAL_BASE 0xFE000000u
#define PERIPHERAL_END 0xFF850000u /* incl. the ARM local peripherals */
#define PWM_OFFSET 0x20C800u       /* PWM1 drives the jack */
#define BOARD_NAME "pi4 (BCM2711)"
#elif PIWAVE_BOARD == 3
#define PERIPHERAL_BASE 0x3F000000u
#define PERIPHERAL_END 0x40040000u /* incl. the ARM local peripherals at 0x40000000 */
#define PWM_OFFSET 0x20C000u
#define BOARD_NAME "pi3 (BCM2837)"
#else
#error "PIWAVE_BOARD must be 3 or 4"
#endif

#define GPIO_BASE (PERIPHERAL_BASE + 0x200000u)
#define UART0_BASE (PERIPHERAL_BASE + 0x201000u)
#define UART_CLOCK_HZ 48000000u /* config.txt init_uart_clock */

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

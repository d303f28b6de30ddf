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

/* RAM the runtime may use: the kernel, its heap and the firmware's linear
 * memory all stay below this, well under 1 GiB (DMA reach, docs/hardware.md#addresses)
 * and below the GPU memory split of a 1 GiB board. */
#define HEAP_END 0x1C000000u

#endif

/*
 * regs.h — GENERATED from regs/ by host/regs/board-header.ts. Do not edit:
 * change regs/ and run `npx tsx scripts/gen-sandbox-header.ts`
 * (tests/generated-headers.test.ts fails while this file is stale).
 *
 * The register description the firmware (asc) and the simulator (tsc) read,
 * for the runtime: the board's peripheral base and blocks, the registers
 * and fields the runtime's own code touches, the mailbox tags it allows, and
 * the halt codes with the names its report line prints. Included by board.h.
 */
#ifndef PIWAVE_REGS_H
#define PIWAVE_REGS_H

#if PIWAVE_BOARD == 4
#define PERIPHERAL_BASE 0xFE000000u
#define PERIPHERAL_END 0xFF850000u /* incl. the ARM local peripherals */
#define PWM_OFFSET 0x0020C800u /* PWM1 drives the jack */
#define PWM_DREQ 1u
#define BOARD_NAME "pi4 (BCM2711)"
#define OSC_HZ 54000000u
#define PLLD_HZ 750000000u
#elif PIWAVE_BOARD == 3
#define PERIPHERAL_BASE 0x3F000000u
#define PERIPHERAL_END 0x40040000u /* incl. the ARM local peripherals */
#define PWM_OFFSET 0x0020C000u /* PWM0 drives the jack */
#define PWM_DREQ 5u
#define BOARD_NAME "pi3 (BCM2837)"
#define OSC_HZ 19200000u
#define PLLD_HZ 500000000u
#else
#error "PIWAVE_BOARD must be 3 or 4"
#endif

#define TIMER_OFFSET 0x00003000u
#define MBOX_OFFSET 0x0000B880u
#define CM_OFFSET 0x00101000u
#define GPIO_OFFSET 0x00200000u
#define UART0_OFFSET 0x00201000u
#define UART_CLOCK_HZ 48000000u
#define UART_BAUD 115200u
#define UART_TX_PIN 14u
#define UART_RX_PIN 15u
#define TIMER_CLO 0x00000004u
#define GPIO_GPFSEL0 0x00000000u
#define GPIO_FSEL_ALT0 4u
#define GPIO_FSEL_MASK 7u
#define GPIO_FSEL_BITS 3u
#define GPIO_FSEL_PINS_PER_REG 10u
#define PL011_DR 0x00000000u
#define PL011_FR 0x00000018u
#define PL011_IBRD 0x00000024u
#define PL011_FBRD 0x00000028u
#define PL011_LCRH 0x0000002Cu
#define PL011_CR 0x00000030u
#define PL011_ICR 0x00000044u
#define PL011_FR_BUSY 0x00000008u
#define PL011_FR_TXFF 0x00000020u
#define PL011_LCRH_FEN 0x00000010u
#define PL011_LCRH_WLEN8 0x00000060u
#define PL011_CR_UARTEN 0x00000001u
#define PL011_CR_TXE 0x00000100u
#define PL011_CR_RXE 0x00000200u
#define PL011_INT_ALL 0x000007FFu
#define PL011_FBRD_SCALE 64u
#define MBOX0_READ_REG 0x00000000u
#define MBOX0_STATUS_REG 0x00000018u
#define MBOX1_WRITE_REG 0x00000020u
#define MBOX1_STATUS_REG 0x00000038u
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
#define HALT_DONE 0u
#define HALT_BAD_BUNDLE 1u
#define HALT_HARDWARE 2u
#define HALT_ABORT 3u
#define HALT_BAD_MMIO 4u
#define HALT_WASM_TRAP 5u
#define HALT_CPU_EXCEPTION 6u
#define HALT_RUNTIME 7u

/* The halt codes' names, by code (an array initializer). */
#define HALT_NAME_LIST "done", "bad asset bundle", "hardware did not respond", "firmware abort", "refused by the sandbox", "wasm trap", "CPU exception", "runtime failure"

/* The mailbox tags the runtime allows: {id, smallest value buffer in bytes, name} (an array initializer). */
#define MBOX_TAG_LIST \
  {0x00000001u, 4, "get firmware revision"}, \
  {0x00010002u, 4, "get board revision"}, \
  {0x00030002u, 8, "get clock rate"}, \
  {0x00030004u, 8, "get max clock rate"}, \
  {0x00030007u, 8, "get min clock rate"}, \
  {0x00030047u, 8, "get measured clock rate"}, \
  {0x00038002u, 12, "set clock rate"}

#endif

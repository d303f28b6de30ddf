/**
 * Where the peripheral blocks are: the ARM physical peripheral base of each
 * board, the bus address DMA engines use for the same registers, and each
 * block's offset from the base.
 *
 * This folder (regs/) is the one description of the registers piwave
 * touches. The block files (blocks.ts, cm.ts, pwm.ts, uart.ts, gpio.ts,
 * timer.ts, dma.ts, pactl.ts, mailbox.ts, board.ts, memory.ts, halt.ts) hold
 * only `const enum`s with number literals, so both compilers read them: asc
 * folds them into the firmware, tsc/esbuild into the host and the simulator.
 * None of them imports another (asc and NodeNext disagree on import
 * specifiers). The host-only files arrange those numbers: tables/ (each
 * block as a register table for the simulator's models), allow-list.ts
 * (the sandbox), halt-names.ts, mailbox-tags.ts. host/regs/ generates
 * boot/sandbox.h and boot/regs.h from all of it for the runtime.
 *
 * Sources: Linux bcm2711.dtsi `soc { ranges = <0x7e000000 0x0 0xfe000000
 * 0x01800000> }` (Pi 4 low-peripheral mode); Circle include/circle/bcm2835.h
 * `ARM_IO_BASE` 0x3F000000 (Pi 2/3) and 0xFE000000 (Pi 4); the offsets from
 * Circle's bcm2835.h / bcm2711.h `ARM_*_BASE` definitions and the BCM2835/
 * BCM2711 ARM peripherals datasheets (system timer ch. 12, DMA ch. 4, clock
 * manager ch. 6.3, GPIO ch. 5, PL011 ch. 11, PWM ch. 8 / 9); the mailbox
 * offset from Circle bcm2835.h `MAILBOX_BASE` (ARM_IO_BASE + 0xB880).
 */

/** ARM physical peripheral base per board, and the bus ("legacy master") view. */
export const enum PeripheralBase {
  /** BCM2711 (Pi 4), low-peripheral mode (the default). */
  PI4 = 0xfe000000,
  /** BCM2837 (Pi 3, and QEMU raspi3b). */
  PI3 = 0x3f000000,
  /** The same registers as DMA engines address them, on both boards. */
  BUS = 0x7e000000,
}

/**
 * End of the peripheral address range the runtime maps as device memory,
 * including the ARM local peripherals (BCM2711 0xFF800000.., BCM2837
 * 0x40000000..; Linux bcm2711.dtsi / bcm2837.dtsi `local_intc`).
 */
export const enum PeripheralEnd {
  PI4 = 0xff850000,
  PI3 = 0x40040000,
}

/** Offset of each block from the peripheral base. */
export const enum Block {
  /** System timer: free-running 1 MHz counter. */
  TIMER = 0x003000,
  /** DMA controller: channels 0–14, 0x100 apart; INT_STATUS, ENABLE at +0xFE0/+0xFF0. */
  DMA = 0x007000,
  /** ARM interrupt controller (BCM2835 "ARMCTRL"); never the firmware's. */
  IRQ = 0x00b200,
  /** The VideoCore mailboxes (regs/mailbox.ts); the runtime's alone (the ABI's mailbox_call). */
  MAILBOX = 0x00b880,
  /** Clock manager (CPRMAN): one CTL/DIV pair per clock generator. */
  CM = 0x101000,
  /** The PLLs' analogue controls (A2W), right after the clock manager; never the firmware's. */
  A2W = 0x102000,
  /** GPIO function select, levels, pulls. */
  GPIO = 0x200000,
  /** PL011 UART (UART0): the console. */
  UART0 = 0x201000,
  /** BCM2711 only: PACTL_CS, whose bit 23 routes DREQ 1 to PWM1 instead of DSI0 (see pactl.ts). */
  PACTL = 0x204e00,
  /** PWM0: the jack's PWM on BCM2837. */
  PWM0 = 0x20c000,
  /** PWM1: the jack's PWM on BCM2711. */
  PWM1 = 0x20c800,
}

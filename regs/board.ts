/**
 * The facts of each board that are not a register: clocks, the jack's PWM
 * and pins. Both compilers read it (the firmware's board support,
 * firmware/board/index.ts; the host's host/boards.ts; the runtime's
 * boot/regs.h is generated from it).
 *
 * Sources: Linux bcm2711-rpi-4-b.dts / bcm2837-rpi-3-b.dts (the 54 MHz and
 * 19.2 MHz crystals; `audio_pins`: GPIO40/41 ALT0 on both), the BCM2711 ARM
 * peripherals (PWM1 drives the Pi 4's jack), Circle's pwmsoundbasedevice.cpp
 * (PLLD 750 MHz on a Pi 4, 500 MHz before; PWM clock PLLD/2 on a Pi 3; a Pi 4
 * with newer firmware needs a slower PWM clock, so PLLD/6 = 125 MHz), the
 * config.txt documentation (`init_uart_clock`, 48 MHz by default).
 */
export const enum Pi4 {
  OSC_HZ = 54000000,
  PLLD_HZ = 750000000,
  /** PWM clock = PLLD / this (MASH 0): 125 MHz. */
  PWM_CLOCK_DIVI = 6,
}

export const enum Pi3 {
  OSC_HZ = 19200000,
  PLLD_HZ = 500000000,
  /** PWM clock = PLLD / this (MASH 0): 250 MHz. */
  PWM_CLOCK_DIVI = 2,
}

/** What both boards share. */
export const enum BoardCommon {
  /** The PL011's reference clock the boot firmware sets up. */
  UART_CLOCK_HZ = 48000000,
  BAUD = 115200,
  /** Jack pins, ALT0: GPIO40 = PWM channel 1 = right, GPIO41 = channel 2 = left. */
  JACK_RIGHT_PIN = 40,
  JACK_LEFT_PIN = 41,
  /** PL011 TXD0/RXD0, ALT0. */
  UART_TX_PIN = 14,
  UART_RX_PIN = 15,
}

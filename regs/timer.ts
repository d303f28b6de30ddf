/**
 * System timer: CLO/CHI are a free-running 64-bit counter at 1 MHz, read
 * only; CS holds the match flags M0–M3, write-1-to-clear; C0–C3 are the
 * compares (the VideoCore uses C0 and C2; piwave polls and uses none).
 * Source: BCM2835 ARM peripherals 12.1.
 */
export const enum TimerReg {
  CS = 0x00,
  CLO = 0x04,
  CHI = 0x08,
  C0 = 0x0c,
  C1 = 0x10,
  C2 = 0x14,
  C3 = 0x18,
  BLOCK_BYTES = 0x1c,
}

export const enum TimerCs {
  /** M0–M3, write-1-to-clear. */
  MATCH_W1C = 0xf,
  /** Counter ticks a second. */
  HZ = 1000000,
}

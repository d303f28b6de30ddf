/**
 * System timer register offsets: CLO/CHI are the free-running 1 MHz
 * counter; CS and the compares C0–C3 are not piwave's (the VideoCore uses
 * C0 and C2). Source: BCM2835 ARM peripherals 12.1.
 */
export const enum TimerReg {
  CS = 0x00,
  CLO = 0x04,
  CHI = 0x08,
  C1 = 0x10,
}

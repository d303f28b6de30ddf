/**
 * PL011 UART (UART0) register offsets. Source: BCM2835 ARM peripherals
 * 13.4; ARM PrimeCell UART (PL011) TRM 3.2.
 */
export const enum Pl011Reg {
  DR = 0x00,
  RSRECR = 0x04,
  FR = 0x18,
  IBRD = 0x24,
  FBRD = 0x28,
  LCRH = 0x2c,
  CR = 0x30,
  IFLS = 0x34,
  IMSC = 0x38,
  RIS = 0x3c,
  MIS = 0x40,
  ICR = 0x44,
  DMACR = 0x48,
}

/**
 * PL011 UART (UART0): register offsets, fields and reset values.
 *
 * Access rules: FR, RIS and MIS are read-only; ICR is write-only (write 1 to
 * clear an interrupt); a write of any value to RSRECR (UARTECR) clears the
 * receive errors; clearing LCRH.FEN flushes the transmit FIFO. Both FIFOs
 * hold 32 entries with LCRH.FEN, 1 without. Sources: BCM2835 ARM peripherals
 * 13.4; ARM PrimeCell UART (PL011) TRM r1p5, 3.2–3.3 (register summary and
 * reset values: CR 0x0300, IFLS 0x12).
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
  BLOCK_BYTES = 0x4c,
}

/** DR: the data byte, and on reads the receive error flags of that byte. */
export const enum Pl011Dr {
  DATA_MASK = 0xff,
  /** Overrun error (read). */
  OE = 1 << 11,
}

/** RSRECR (UARTRSR on reads, UARTECR on writes). */
export const enum Pl011Rsr {
  /** Overrun error: set when a byte arrived with the receive FIFO full. */
  OE = 1 << 3,
}

/** FR: read-only status. */
export const enum Pl011Fr {
  BUSY = 1 << 3,
  RXFE = 1 << 4,
  TXFF = 1 << 5,
  RXFF = 1 << 6,
  TXFE = 1 << 7,
}

/** LCRH: line control. */
export const enum Pl011Lcrh {
  BRK = 1 << 0,
  PEN = 1 << 1,
  EPS = 1 << 2,
  STP2 = 1 << 3,
  FEN = 1 << 4,
  /** WLEN, bits 6:5: word length - 5. */
  WLEN_SHIFT = 5,
  WLEN_MASK = 0x3,
  WLEN8 = 0x3 << 5,
  SPS = 1 << 7,
  VALUE_MASK = 0xff,
}

/** CR: control. */
export const enum Pl011Cr {
  UARTEN = 1 << 0,
  LBE = 1 << 7,
  TXE = 1 << 8,
  RXE = 1 << 9,
  RTS = 1 << 11,
  RTSEN = 1 << 14,
  CTSEN = 1 << 15,
  /** The bits the BCM2835's PL011 implements. */
  VALUE_MASK = 0xff87,
  /** Reset: TXE | RXE, the UART disabled. */
  RESET = 0x0300,
}

/** The other fields and reset values. */
export const enum Pl011Field {
  IBRD_MASK = 0xffff,
  FBRD_MASK = 0x3f,
  /** FBRD is 1/64ths of the divisor. */
  FBRD_SCALE = 64,
  IFLS_MASK = 0x3f,
  IFLS_RESET = 0x12,
  /** Every interrupt bit of IMSC/RIS/MIS/ICR. */
  INT_ALL = 0x7ff,
  /** DMACR: RXDMAE, TXDMAE, DMAONERR. */
  DMACR_MASK = 0x7,
  FIFO_BYTES = 32,
}

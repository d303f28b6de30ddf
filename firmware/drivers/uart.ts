/**
 * PL011 UART0 for the firmware log: 115200 8N1, TX and RX on GPIO14/15 (ALT0).
 *
 * The transmitter has a 32-byte FIFO (LCRH.FEN) drained at the baud rate:
 * about 87 µs per byte, which is longer than the PWM FIFO lasts (16 words =
 * 8 stereo frames ≈ 181 µs at 44.1 kHz, docs/hardware.md#pwm). So the firmware
 * never blocks on the UART while audio streams: `tryPut` only writes when
 * FR.TXFF is clear, and ../lib/log.ts queues the rest.
 */
import { UART0_BASE, UART_CLOCK_HZ, UART_RX_PIN, UART_TX_PIN } from "../board";
import { BoardCommon } from "../../regs/board";
import { Pl011Cr, Pl011Dr, Pl011Field, Pl011Fr, Pl011Lcrh, Pl011Reg } from "../../regs/uart";
import { FSEL_ALT0, setFunction, setPullNone } from "./gpio";
import { read32, write32 } from "./mmio";
import { micros } from "./timer";

const DR: u32 = UART0_BASE + Pl011Reg.DR;
const FR: u32 = UART0_BASE + Pl011Reg.FR;
const IBRD: u32 = UART0_BASE + Pl011Reg.IBRD;
const FBRD: u32 = UART0_BASE + Pl011Reg.FBRD;
const LCRH: u32 = UART0_BASE + Pl011Reg.LCRH;
const CR: u32 = UART0_BASE + Pl011Reg.CR;
const IMSC: u32 = UART0_BASE + Pl011Reg.IMSC;
const ICR: u32 = UART0_BASE + Pl011Reg.ICR;

const FR_BUSY: u32 = Pl011Fr.BUSY;
const FR_TXFF: u32 = Pl011Fr.TXFF;
const FR_TXFE: u32 = Pl011Fr.TXFE;
const LCRH_FEN: u32 = Pl011Lcrh.FEN;
const LCRH_WLEN8: u32 = Pl011Lcrh.WLEN8;
const CR_UARTEN: u32 = Pl011Cr.UARTEN;
const CR_TXE: u32 = Pl011Cr.TXE;
const CR_RXE: u32 = Pl011Cr.RXE;

export const BAUD: u32 = BoardCommon.BAUD;

/** Longest a drain of the whole TX FIFO can take at 115200 baud is ~3 ms; allow far more. */
const DRAIN_TIMEOUT_US: u32 = 50000;

/** Set up 115200 8N1 with FIFOs, interrupts masked. */
export function init(): void {
  write32(CR, 0); // disable while reprogramming
  write32(LCRH, 0); // flush the transmit FIFO
  setFunction(UART_TX_PIN, FSEL_ALT0);
  setFunction(UART_RX_PIN, FSEL_ALT0);
  setPullNone(UART_TX_PIN);
  setPullNone(UART_RX_PIN);
  write32(ICR, Pl011Field.INT_ALL);
  // Baud divisor = UARTCLK / (16 * baud), as 16.6 fixed point: IBRD + FBRD/64.
  const div64 = (4 * UART_CLOCK_HZ + BAUD / 2) / BAUD;
  write32(IBRD, div64 / Pl011Field.FBRD_SCALE);
  write32(FBRD, div64 % Pl011Field.FBRD_SCALE);
  write32(LCRH, LCRH_WLEN8 | LCRH_FEN);
  write32(IMSC, 0);
  write32(CR, CR_UARTEN | CR_TXE | CR_RXE);
}

/** Write `c` if the TX FIFO has room. Returns false (nothing written) when it is full. */
@inline export function tryPut(c: u32): bool {
  if (read32(FR) & FR_TXFF) return false;
  write32(DR, c & Pl011Dr.DATA_MASK);
  return true;
}

/**
 * Wait until everything written has left the shift register, at most ~50 ms.
 * Returns false on timeout (UART not clocked).
 */
export function drain(): bool {
  const start = micros();
  while ((read32(FR) & (FR_TXFE | FR_BUSY)) != FR_TXFE) {
    if (micros() - start >= DRAIN_TIMEOUT_US) return false;
  }
  return true;
}

/** Write `c`, waiting for room (at most ~50 ms; then the byte is dropped). */
export function putBlocking(c: u32): void {
  if (tryPut(c)) return;
  const start = micros();
  while (!tryPut(c)) {
    if (micros() - start >= DRAIN_TIMEOUT_US) return;
  }
}

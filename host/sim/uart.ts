/**
 * PL011 UART model (answers firmware/drivers/uart.ts): captures what the
 * firmware transmits, at the pace the real one would.
 *
 * The transmit FIFO holds 32 bytes (1 without LCRH.FEN) plus the shift
 * register; each byte takes (start + data + parity + stop bits) bit times at
 * baud = UARTCLK / (16 × (IBRD + FBRD/64)). FR reports TXFF, TXFE, BUSY,
 * RXFE and RXFF. A byte written while the UART or its transmitter is
 * disabled, or while the FIFO is full, is lost and reported.
 *
 * Receiving: `receive()` schedules bytes on the RX line at virtual times (the
 * testing API's timed UART input). A byte lands in the 32-entry receive FIFO
 * one frame time after it starts, and bytes given for the same moment follow
 * each other at the configured baud rate, as on a wire. A byte that arrives
 * while the UART or its receiver is disabled is not received (`rxIgnored`);
 * one that arrives with the FIFO full is lost and sets the overrun error
 * (RSRECR.OE, and OE on the next DR read), as the PL011 does (PL011 TRM,
 * "UARTRSR/UARTECR" and "UARTDR"). Arrivals are applied lazily, when the
 * firmware next touches the UART, which is exact because the firmware can
 * only observe the UART through its registers.
 * Reading FR while TXFF is set jumps virtual time to the next byte's end
 * (busy-wait acceleration, see time.ts). So does a second FR read in a row
 * (no UART write between) that sees the same BUSY value: only a drain loop
 * (firmware/drivers/uart.ts `drain`) reads FR without writing in between,
 * and nothing it can observe changes before that moment.
 */
import type { Board } from "../boards.js";
import { Device, type DeviceContext, flagNames } from "./device.js";
import { PS_PER_S } from "./time.js";

export const FR = { BUSY: 1 << 3, RXFE: 1 << 4, TXFF: 1 << 5, RXFF: 1 << 6, TXFE: 1 << 7 } as const;
const FR_NAMES = { 3: "BUSY", 4: "RXFE", 5: "TXFF", 6: "RXFF", 7: "TXFE" };
const CR_NAMES = { 0: "UARTEN", 7: "LBE", 8: "TXE", 9: "RXE", 14: "RTSEN", 15: "CTSEN" };

function decodeLcrh(v: number): string {
  const parts = [`WLEN=${((v >>> 5) & 3) + 5}`];
  if (v & 0x10) parts.push("FEN");
  if (v & 0x08) parts.push("STP2");
  if (v & 0x02) parts.push("PEN");
  if (v & 0x01) parts.push("BRK");
  return parts.join(" ");
}

function decodeDr(v: number, write: boolean): string {
  if (!write) return "";
  const c = v & 0xff;
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : c === 10 ? "'\\n'" : "";
}

export class Uart extends Device {
  private cr = 0x300; // reset: TXE | RXE, UART disabled
  private lcrh = 0;
  private ibrd = 0;
  private fbrd = 0;
  private imsc = 0;
  private ifls = 0x12;
  /** Bytes waiting or shifting; queue[qhead] is in the shift register. */
  private queue: number[] = [];
  private qhead = 0;
  /** When the byte in the shift register finishes. */
  private shiftEnd = Infinity;
  /** Bytes lost (written while full or disabled). */
  lost = 0;
  /** The value of the previous FR read when no DR write followed it yet (-1: none). */
  private lastFr = -1;
  /** Scheduled RX line input, by start time (ps); `rxNext` is the first not yet arrived. */
  private rxLine: { atPs: number; byte: number }[] = [];
  private rxNext = 0;
  /** When the previous received byte finished on the wire. */
  private rxLineFree = 0;
  /** The receive FIFO (32 entries of data + error bits). */
  private rxFifo: number[] = [];
  /** Overrun error: RSRECR bit 3 until a write to RSRECR clears it; DR bit 11 on the next read. */
  private rxOverrun = false;
  private rxOverrunDr = false;
  /** Bytes received into the FIFO, lost to an overrun, and not received (UART or RXE disabled). */
  rxReceived = 0;
  rxOverruns = 0;
  rxIgnored = 0;

  constructor(
    board: Board,
    ctx: DeviceContext,
    private readonly onByte: (b: number) => void,
  ) {
    const dec = (v: number) => String(v >>> 0);
    super(
      "UART0",
      board.peripheralBase + 0x201000,
      0x4c,
      [
        { offset: 0x00, name: "UART_DR", decode: decodeDr },
        { offset: 0x04, name: "UART_RSRECR" },
        { offset: 0x18, name: "UART_FR", decode: (v) => flagNames(v, FR_NAMES).join(" ") },
        { offset: 0x24, name: "UART_IBRD", decode: dec },
        { offset: 0x28, name: "UART_FBRD", decode: dec },
        { offset: 0x2c, name: "UART_LCRH", decode: decodeLcrh },
        { offset: 0x30, name: "UART_CR", decode: (v) => flagNames(v, CR_NAMES).join(" ") },
        { offset: 0x34, name: "UART_IFLS" },
        { offset: 0x38, name: "UART_IMSC" },
        { offset: 0x3c, name: "UART_RIS" },
        { offset: 0x40, name: "UART_MIS" },
        { offset: 0x44, name: "UART_ICR" },
        { offset: 0x48, name: "UART_DMACR" },
      ],
      ctx,
    );
    this.uartClockHz = board.uartClockHz;
  }
  private readonly uartClockHz: number;

  /** Baud rate from IBRD/FBRD (0 when the divisor is not set). */
  get baud(): number {
    const div = this.ibrd + this.fbrd / 64;
    return div > 0 ? this.uartClockHz / (16 * div) : 0;
  }

  private bytePs(): number {
    const baud = this.baud;
    if (baud === 0) return Infinity;
    const bits = 1 + ((this.lcrh >>> 5) & 3) + 5 + (this.lcrh & 0x02 ? 1 : 0) + (this.lcrh & 0x08 ? 2 : 1);
    return (bits * PS_PER_S) / baud;
  }

  private depth(): number {
    return this.lcrh & 0x10 ? 32 : 1;
  }

  private pending(): number {
    return this.queue.length - this.qhead;
  }

  /** Bytes in the FIFO, not counting the one in the shift register. */
  private fifoCount(): number {
    const p = this.pending();
    return p > 0 ? p - 1 : 0;
  }

  private sync(now: number): void {
    while (this.shiftEnd <= now) {
      const b = this.queue[this.qhead++]!;
      this.onByte(b);
      if (this.pending() > 0) {
        this.shiftEnd += this.bytePs();
      } else {
        this.shiftEnd = Infinity;
        this.queue = [];
        this.qhead = 0;
      }
    }
  }

  /**
   * Put `bytes` on the RX line starting at virtual time `atPs` (one after
   * the other at the baud rate). Calls must come in time order.
   */
  receive(atPs: number, bytes: Iterable<number>): void {
    for (const b of bytes) this.rxLine.push({ atPs, byte: b & 0xff });
  }

  /** Deliver the RX-line bytes that have fully arrived by `now`. */
  private syncRx(now: number): void {
    while (this.rxNext < this.rxLine.length) {
      const next = this.rxLine[this.rxNext]!;
      const frame = this.bytePs();
      const start = Math.max(next.atPs, this.rxLineFree);
      const end = start + (Number.isFinite(frame) ? frame : 0);
      if (end > now) return;
      this.rxNext++;
      this.rxLineFree = end;
      if ((this.cr & 0x201) !== 0x201) {
        this.rxIgnored++;
      } else if (this.rxFifo.length >= this.depth()) {
        this.rxOverruns++;
        this.rxOverrun = true;
        this.rxOverrunDr = true;
      } else {
        this.rxReceived++;
        this.rxFifo.push(next.byte);
      }
    }
  }

  /** Transmit everything still queued at once (end of a run). */
  flushAll(): void {
    while (this.pending() > 0) this.onByte(this.queue[this.qhead++]!);
    this.queue = [];
    this.qhead = 0;
    this.shiftEnd = Infinity;
  }

  read(offset: number): number {
    this.sync(this.ctx.clock.now);
    if (this.rxNext < this.rxLine.length) this.syncRx(this.ctx.clock.now);
    switch (offset) {
      case 0x00: {
        const b = this.rxFifo.shift();
        if (b === undefined) return 0;
        const oe = this.rxOverrunDr ? 1 << 11 : 0;
        this.rxOverrunDr = false;
        return b | oe;
      }
      case 0x04:
        return this.rxOverrun ? 1 << 3 : 0;
      case 0x18: {
        let v = this.rxFifo.length === 0 ? FR.RXFE : 0;
        if (this.rxFifo.length >= this.depth()) v |= FR.RXFF;
        const p = this.pending();
        if (p > 0) v |= FR.BUSY;
        if (this.fifoCount() >= this.depth()) v |= FR.TXFF;
        if (this.fifoCount() === 0) v |= FR.TXFE;
        const spinning = v === this.lastFr && (v & FR.BUSY) !== 0;
        if ((v & FR.TXFF || spinning) && this.shiftEnd !== Infinity) this.ctx.clock.advanceTo(this.shiftEnd);
        this.lastFr = v;
        return v;
      }
      case 0x24:
        return this.ibrd;
      case 0x28:
        return this.fbrd;
      case 0x2c:
        return this.lcrh;
      case 0x30:
        return this.cr;
      case 0x34:
        return this.ifls;
      case 0x38:
        return this.imsc;
      case 0x3c:
      case 0x40:
        return 0;
    }
    return this.unmodelled(offset, false);
  }

  write(offset: number, value: number): void {
    const now = this.ctx.clock.now;
    this.sync(now);
    this.lastFr = -1;
    if (this.rxNext < this.rxLine.length) this.syncRx(now);
    switch (offset) {
      case 0x00: {
        if ((this.cr & 0x101) !== 0x101) {
          this.lost++;
          this.violation(`UART_DR written while the UART or its transmitter is disabled (CR=0x${this.cr.toString(16)}): byte lost`);
          return;
        }
        if (this.fifoCount() >= this.depth()) {
          this.lost++;
          this.violation("UART_DR written while the transmit FIFO is full: byte lost");
          return;
        }
        if (this.baud === 0) this.violation("UART_DR written before the baud rate divisor (IBRD/FBRD) was set");
        this.queue.push(value & 0xff);
        if (this.pending() === 1) this.shiftEnd = now + this.bytePs();
        return;
      }
      case 0x04:
        this.rxOverrun = false; // UARTECR: any write clears the errors
        return;
      case 0x44:
        return; // clear interrupts
      case 0x24:
        this.ibrd = value & 0xffff;
        return;
      case 0x28:
        this.fbrd = value & 0x3f;
        return;
      case 0x2c:
        if (!(value & 0x10) && this.lcrh & 0x10) {
          // Clearing FEN flushes the transmit FIFO (PL011 TRM).
          this.queue = this.queue.slice(this.qhead, this.qhead + 1);
          this.qhead = 0;
        }
        this.lcrh = value & 0xff;
        return;
      case 0x30:
        this.cr = value & 0xff87;
        return;
      case 0x34:
        this.ifls = value & 0x3f;
        return;
      case 0x38:
        this.imsc = value & 0x7ff;
        return;
      case 0x48:
        return;
    }
    this.unmodelled(offset, true);
  }
}

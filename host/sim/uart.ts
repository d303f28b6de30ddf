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
import { Pl011Cr, Pl011Dr, Pl011Field, Pl011Fr, Pl011Lcrh, Pl011Reg, Pl011Rsr } from "../../regs/uart.js";
import { type RegisterDesc, register } from "../../regs/tables/describe.js";
import { UART_BLOCK } from "../../regs/tables/uart.js";
import { Device, type DeviceContext } from "./device.js";
import { PS_PER_S } from "./time.js";

export const FR = { BUSY: Pl011Fr.BUSY, RXFE: Pl011Fr.RXFE, TXFF: Pl011Fr.TXFF, RXFF: Pl011Fr.RXFF, TXFE: Pl011Fr.TXFE } as const;

/** The names of `r`'s one-bit fields that are set in `v`, in bit order (its table, regs/tables/uart.ts). */
function flagsOf(r: RegisterDesc): (v: number) => string {
  const flags = (r.fields ?? []).filter((f) => f.width === 1).sort((a, b) => a.lsb - b.lsb);
  return (v) => flags.filter((f) => (v >>> f.lsb) & 1).map((f) => f.name).join(" ");
}

function decodeLcrh(v: number): string {
  const parts = [`WLEN=${((v >>> Pl011Lcrh.WLEN_SHIFT) & Pl011Lcrh.WLEN_MASK) + 5}`];
  if (v & Pl011Lcrh.FEN) parts.push("FEN");
  if (v & Pl011Lcrh.STP2) parts.push("STP2");
  if (v & Pl011Lcrh.PEN) parts.push("PEN");
  if (v & Pl011Lcrh.BRK) parts.push("BRK");
  return parts.join(" ");
}

function decodeDr(v: number, write: boolean): string {
  if (!write) return "";
  const c = v & Pl011Dr.DATA_MASK;
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : c === 10 ? "'\\n'" : "";
}

/** CR bits a byte needs to be sent, and received. */
const TX_ON = Pl011Cr.UARTEN | Pl011Cr.TXE;
const RX_ON = Pl011Cr.UARTEN | Pl011Cr.RXE;

/** FR reads at most this many accesses apart, with no UART write between, are a CPU spinning on FR (see read()). */
const SPIN_ACCESSES = 8;

export class Uart extends Device {
  private cr = this.resetValue("UART_CR"); // TXE | RXE, UART disabled
  private lcrh = this.resetValue("UART_LCRH");
  private ibrd = this.resetValue("UART_IBRD");
  private fbrd = this.resetValue("UART_FBRD");
  private imsc = this.resetValue("UART_IMSC");
  private ifls = this.resetValue("UART_IFLS");
  /** Stored and read back; the model moves no data by DMA (nothing in piwave asks the UART for DREQs). */
  private dmacr = this.resetValue("UART_DMACR");
  /** Bytes waiting or shifting; queue[qhead] is in the shift register. */
  private queue: number[] = [];
  private qhead = 0;
  /** When the byte in the shift register finishes. */
  private shiftEnd = Infinity;
  /** Bytes lost (written while full or disabled). */
  lost = 0;
  /** The value of the previous FR read when no DR write followed it yet (-1: none). */
  private lastFr = -1;
  /** Virtual time of the previous FR read (after any jump it made): FR read again within SPIN_ACCESSES accesses, with no write between, is a spin. */
  private lastFrAt = -Infinity;
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
    super(UART_BLOCK, ctx, {
      UART_DR: decodeDr,
      UART_FR: flagsOf(register(UART_BLOCK, "UART_FR")),
      UART_IBRD: dec,
      UART_FBRD: dec,
      UART_LCRH: decodeLcrh,
      UART_CR: flagsOf(register(UART_BLOCK, "UART_CR")),
    });
    this.uartClockHz = board.uartClockHz;
  }
  private readonly uartClockHz: number;

  /** Baud rate from IBRD/FBRD (0 when the divisor is not set). */
  get baud(): number {
    const div = this.ibrd + this.fbrd / Pl011Field.FBRD_SCALE;
    return div > 0 ? this.uartClockHz / (16 * div) : 0;
  }

  private bytePs(): number {
    const baud = this.baud;
    if (baud === 0) return Infinity;
    const l = this.lcrh;
    const bits = 1 + ((l >>> Pl011Lcrh.WLEN_SHIFT) & Pl011Lcrh.WLEN_MASK) + 5 + (l & Pl011Lcrh.PEN ? 1 : 0) + (l & Pl011Lcrh.STP2 ? 2 : 1);
    return (bits * PS_PER_S) / baud;
  }

  private depth(): number {
    return this.lcrh & Pl011Lcrh.FEN ? Pl011Field.FIFO_BYTES : 1;
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
      if ((this.cr & RX_ON) !== RX_ON) {
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
      case Pl011Reg.DR: {
        const b = this.rxFifo.shift();
        if (b === undefined) return 0;
        const oe = this.rxOverrunDr ? Pl011Dr.OE : 0;
        this.rxOverrunDr = false;
        return b | oe;
      }
      case Pl011Reg.RSRECR:
        return this.rxOverrun ? Pl011Rsr.OE : 0;
      case Pl011Reg.FR: {
        let v = this.rxFifo.length === 0 ? FR.RXFE : 0;
        if (this.rxFifo.length >= this.depth()) v |= FR.RXFF;
        const p = this.pending();
        if (p > 0) v |= FR.BUSY;
        if (this.fifoCount() >= this.depth()) v |= FR.TXFF;
        if (this.fifoCount() === 0) v |= FR.TXFE;
        // Busy-wait acceleration only for a CPU that spins on FR: it read FR a few accesses ago (a timeout's
        // timer read between is fine) and wrote nothing since (a blocking put, a drain); time then jumps to
        // the next change, as the spin would. A read between other work (the log's non-blocking pump
        // finding the FIFO full in the audio loop, or just after its own DR write) costs one access, as on
        // the chip: jumping there stalled the firmware for up to a byte time (86.8 µs at 115200 baud) and
        // emptied the shaped mode's 11 µs PWM FIFO (issue 15: shaped/poll's FIFO gaps).
        const clock = this.ctx.clock;
        const again = this.lastFr !== -1 && clock.now - this.lastFrAt <= SPIN_ACCESSES * clock.accessPs;
        const spinning = again && ((v & FR.TXFF) !== 0 || (v === this.lastFr && (v & FR.BUSY) !== 0));
        if (spinning && this.shiftEnd !== Infinity) clock.advanceTo(this.shiftEnd);
        this.lastFr = v;
        this.lastFrAt = clock.now;
        return v;
      }
      case Pl011Reg.IBRD:
        return this.ibrd;
      case Pl011Reg.FBRD:
        return this.fbrd;
      case Pl011Reg.LCRH:
        return this.lcrh;
      case Pl011Reg.CR:
        return this.cr;
      case Pl011Reg.IFLS:
        return this.ifls;
      case Pl011Reg.IMSC:
        return this.imsc;
      case Pl011Reg.DMACR:
        return this.dmacr;
      case Pl011Reg.RIS:
      case Pl011Reg.MIS:
        return 0;
    }
    if (this.registers.get(offset)?.desc?.access === "wo") return 0; // ICR
    return this.unmodelled(offset, false);
  }

  write(offset: number, value: number): void {
    const now = this.ctx.clock.now;
    this.sync(now);
    this.lastFr = -1;
    if (this.rxNext < this.rxLine.length) this.syncRx(now);
    switch (offset) {
      case Pl011Reg.DR: {
        if ((this.cr & TX_ON) !== TX_ON) {
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
        this.queue.push(value & Pl011Dr.DATA_MASK);
        if (this.pending() === 1) this.shiftEnd = now + this.bytePs();
        return;
      }
      case Pl011Reg.RSRECR:
        this.rxOverrun = false; // UARTECR: any write clears the errors
        return;
      case Pl011Reg.ICR:
        return; // clear interrupts
      case Pl011Reg.IBRD:
        this.ibrd = value & Pl011Field.IBRD_MASK;
        return;
      case Pl011Reg.FBRD:
        this.fbrd = value & Pl011Field.FBRD_MASK;
        return;
      case Pl011Reg.LCRH:
        if (!(value & Pl011Lcrh.FEN) && this.lcrh & Pl011Lcrh.FEN) {
          // Clearing FEN flushes the transmit FIFO (PL011 TRM).
          this.queue = this.queue.slice(this.qhead, this.qhead + 1);
          this.qhead = 0;
        }
        this.lcrh = value & Pl011Lcrh.VALUE_MASK;
        return;
      case Pl011Reg.CR:
        this.cr = value & Pl011Cr.VALUE_MASK;
        return;
      case Pl011Reg.IFLS:
        this.ifls = value & Pl011Field.IFLS_MASK;
        return;
      case Pl011Reg.IMSC:
        this.imsc = value & Pl011Field.INT_ALL;
        return;
      case Pl011Reg.DMACR:
        this.dmacr = value & Pl011Field.DMACR_MASK;
        return;
    }
    if (this.refusedReadOnly(offset)) return; // FR, RIS, MIS
    this.unmodelled(offset, true);
  }
}

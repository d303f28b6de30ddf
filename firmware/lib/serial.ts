/**
 * The PL011 UART (UART0, GPIO14 TXD / GPIO15 RXD, 115200 8N1) in both
 * directions, for interactive firmware. Sending goes through the log
 * (lib/log.ts, whole lines, never blocking the audio) or, for raw bytes,
 * `tryPut`/`putBlocking`; receiving is here, and never blocks.
 *
 * What the hardware does (PL011 TRM 3.3.1 DR, 3.3.3 FR; BCM2835 ARM
 * peripherals 13.4): received bytes wait in a 32-byte FIFO; FR.RXFE (bit 4)
 * is set while it is empty. Reading DR takes the oldest byte: bits 7:0 the
 * data, bits 11:8 its errors — OE (11) overrun: the FIFO was full and a
 * byte was lost before this one; BE (10) break; PE (9) parity; FE (8)
 * framing. At 115200 baud a byte takes ~87 µs, so the FIFO holds ~2.8 ms:
 * poll at least that often (`FrameSource.idle()` runs every ~1.5 ms while
 * the audio output plays, every ~6 ms with DMA: the FIFO's depth covers it
 * at human typing speeds, and lost bytes are counted, never silent).
 *
 *   readByte()     the next byte (0..255), or -1 when none is waiting;
 *   readLine()     collects bytes into a line buffer; true when a whole
 *                  line has arrived (ended by LF, CR or CR LF; the end is
 *                  not stored): then `lineLength()`, `lineByte(i)`,
 *                  `lineIs("text")`, `lineStartsWith`, `lineNumber(from)`
 *                  read it, without allocating (the stub runtime never
 *                  frees). A line longer than LINE_MAX keeps its first
 *                  LINE_MAX bytes and is marked `lineTruncated()`.
 *   errors         `overruns`, `breaks`, `badBytes` (parity, framing) count
 *                  what went wrong on the line.
 */
import { UART0_BASE } from "../board";
import { read32 } from "../drivers/mmio";
import { Pl011Reg } from "../../regs/uart";
export { BAUD, drain, init, putBlocking, tryPut } from "../drivers/uart";

const DR: u32 = UART0_BASE + Pl011Reg.DR;
const FR: u32 = UART0_BASE + Pl011Reg.FR;

/** FR.RXFE: the receive FIFO is empty. */
const FR_RXFE: u32 = 1 << 4;
/** DR error bits. */
const DR_FE: u32 = 1 << 8;
const DR_PE: u32 = 1 << 9;
const DR_BE: u32 = 1 << 10;
const DR_OE: u32 = 1 << 11;

/** Bytes of a received line that are kept. */
export const LINE_MAX: u32 = 128;

/** Receive overruns: bytes lost because the FIFO was full. */
export let overruns: u32 = 0;
/** Break conditions received (the line held low for a whole byte). */
export let breaks: u32 = 0;
/** Bytes received with a parity or framing error (dropped). */
export let badBytes: u32 = 0;

/** True when a byte is waiting. */
@inline export function poll(): bool {
  return (read32(FR) & FR_RXFE) == 0;
}

/** The next received byte (0..255), or -1 when none is waiting. Bytes with a framing or parity error, and breaks, are counted and skipped. */
export function readByte(): i32 {
  while (poll()) {
    const d = read32(DR);
    if (d & DR_OE) overruns++;
    if (d & DR_BE) {
      breaks++;
      continue;
    }
    if (d & (DR_FE | DR_PE)) {
      badBytes++;
      continue;
    }
    return <i32>(d & 0xff);
  }
  return -1;
}

// ---- lines ----------------------------------------------------------------

const line: usize = memory.data(<i32>LINE_MAX);
let length: u32 = 0; // bytes stored of the line being received
let complete: bool = false; // the buffer holds a whole line (until the next readLine)
let truncated: bool = false;
let lastWasCr: bool = false;

/**
 * Take the bytes waiting (without blocking) into the line buffer. True when
 * a whole line has arrived; it stays readable until the next call.
 */
export function readLine(): bool {
  if (complete) {
    complete = false;
    length = 0;
    truncated = false;
  }
  while (true) {
    const c = readByte();
    if (c < 0) return false;
    if (c == 0x0a && lastWasCr) {
      lastWasCr = false; // the LF of a CR LF: that line was already complete
      continue;
    }
    lastWasCr = c == 0x0d;
    if (c == 0x0a || c == 0x0d) {
      complete = true;
      return true;
    }
    if (length < LINE_MAX) {
      store<u8>(line + length, <u8>c);
      length++;
    } else {
      truncated = true;
    }
  }
}

/** Bytes in the line `readLine` completed. */
export function lineLength(): u32 {
  return length;
}

/** Byte `i` of the line (0 past its end). */
export function lineByte(i: u32): u32 {
  return i < length ? <u32>load<u8>(line + i) : 0;
}

/** The line was longer than LINE_MAX: only its start was kept. */
export function lineTruncated(): bool {
  return truncated;
}

/** Where the line is in linear memory (for `log.bytes` and your own parsing). */
export function linePointer(): usize {
  return line;
}

/** The line starts with `prefix` (ASCII). */
export function lineStartsWith(prefix: string): bool {
  const n = <u32>prefix.length;
  if (n > length) return false;
  for (let i: u32 = 0; i < n; i++) {
    if (<u32>load<u8>(line + i) != <u32>prefix.charCodeAt(i)) return false;
  }
  return true;
}

/** The line is exactly `text` (ASCII). */
export function lineIs(text: string): bool {
  return <u32>text.length == length && lineStartsWith(text);
}

/** Where the last `lineNumber` stopped (the index of the first byte after the number). */
export let numberEnd: u32 = 0;

/**
 * The decimal number (an optional `-`, then digits) starting at byte `from`
 * of the line, after any spaces; `fallback` when there is none there.
 * `numberEnd` is then where it stopped.
 */
export function lineNumber(from: u32, fallback: i32 = -1): i32 {
  let i = from;
  while (i < length && load<u8>(line + i) == 0x20) i++;
  let negative = false;
  if (i < length && load<u8>(line + i) == 0x2d) {
    negative = true;
    i++;
  }
  const digits = i;
  let v: i64 = 0;
  while (i < length) {
    const c = <u32>load<u8>(line + i);
    if (c < 0x30 || c > 0x39) break;
    if (v < 0x7fffffff) v = v * 10 + <i64>(c - 0x30);
    i++;
  }
  numberEnd = i;
  if (i == digits) {
    numberEnd = from;
    return fallback;
  }
  if (v > 0x7fffffff) v = 0x7fffffff;
  return <i32>(negative ? -v : v);
}

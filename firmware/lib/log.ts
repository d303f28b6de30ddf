/**
 * The firmware log: lines like `I pwm: range 2834 ...` go to the PL011.
 *
 * Format of a line: `<level> <topic>: <text>` where level is
 *   I info, W warning, E error (the firmware halts after it), F fatal trap.
 * Host tools (`piwave sim`, `piwave monitor`, `piwave qemu`) parse these with
 * host/log-line.ts.
 *
 * Text is queued in an 8 KiB ring in linear memory and moved into the UART
 * FIFO by `pump()` (non-blocking, called from the audio feed loop while the
 * PWM FIFO is full) or `flush()` (blocking, used when no audio streams).
 * No allocation: numbers are formatted straight into the ring.
 *
 * Lines are atomic: the bytes of a line are written past the committed end
 * of the ring and only `end()` commits them, newline included; the UART
 * only ever sends committed bytes. When the ring cannot hold a whole line
 * (the UART fell behind the audio path, which is never blocked for the
 * log), the line is dropped whole and counted, never cut or merged into
 * the next one. The next line that fits is preceded by a
 * `W log: N lines dropped ...` line, and the summary reports the total
 * (`log_dropped=`). `begin()` on a line that was never ended ends it first.
 */
import * as uart from "../drivers/uart";

const RING_SIZE: u32 = 8192; // power of two
const ring: usize = memory.data(<i32>RING_SIZE, 4);
let head: u32 = 0; // end of the committed lines
let cursor: u32 = 0; // next write (head..cursor: the line being written)
let tail: u32 = 0; // next byte for the UART
let lineOpen: bool = false;
let lineLost: bool = false;
let droppedLines: u32 = 0;
let reportedLines: u32 = 0;

/** Whole lines lost because the ring was full (reported by the summary). */
export function droppedCount(): u32 {
  return droppedLines;
}

@inline function pending(): u32 {
  return head - tail;
}

export function byte(c: u32): void {
  lineOpen = true;
  if (cursor - tail >= RING_SIZE) {
    lineLost = true;
    return;
  }
  store<u8>(ring + (cursor & (RING_SIZE - 1)), <u8>c);
  cursor++;
}

/** Append an ASCII/UTF-16 string (code points above 0x7F are sent as UTF-8). */
export function str(s: string): void {
  for (let i = 0, n = s.length; i < n; i++) {
    const c = <u32>s.charCodeAt(i);
    if (c < 0x80) {
      byte(c);
    } else if (c < 0x800) {
      byte(0xc0 | (c >> 6));
      byte(0x80 | (c & 0x3f));
    } else {
      // BMP only; surrogate pairs are not expected in firmware literals.
      byte(0xe0 | (c >> 12));
      byte(0x80 | ((c >> 6) & 0x3f));
      byte(0x80 | (c & 0x3f));
    }
  }
}

/** Append `len` raw bytes from linear memory (e.g. UTF-8 track names). */
export function bytes(ptr: usize, len: u32): void {
  for (let i: u32 = 0; i < len; i++) byte(load<u8>(ptr + i));
}

export function dec(n: u64): void {
  if (n == 0) {
    byte(0x30);
    return;
  }
  let digits: u64 = 1;
  while (digits <= n / 10) digits *= 10;
  while (digits > 0) {
    byte(0x30 + <u32>((n / digits) % 10));
    digits /= 10;
  }
}

/** `0x` and 8 hex digits. */
export function hex(n: u32): void {
  str("0x");
  hexDigits(n, 8, false);
}

/** The low `digits` hex digits of `n`, no prefix (`upper`: A-F). */
export function hexDigits(n: u32, digits: i32, upper: bool): void {
  for (let shift: i32 = (digits - 1) * 4; shift >= 0; shift -= 4) {
    const d = (n >> shift) & 0xf;
    byte(d < 10 ? 0x30 + d : (upper ? 0x41 : 0x61) + d - 10);
  }
}

/** `value / 10^decimals` with exactly `decimals` digits after the point. */
export function fixed(value: u64, decimals: u32): void {
  let scale: u64 = 1;
  for (let i: u32 = 0; i < decimals; i++) scale *= 10;
  dec(value / scale);
  if (decimals == 0) return;
  byte(0x2e);
  let frac = value % scale;
  for (let i: u32 = 0; i < decimals; i++) {
    scale /= 10;
    byte(0x30 + <u32>(frac / scale));
    frac %= scale;
  }
}

/** Start a line: `I topic: ` (ending an unfinished one first). */
export function begin(level: string, topic: string): void {
  if (lineOpen) end();
  if (droppedLines != reportedLines) reportDropped();
  str(level);
  byte(0x20);
  str(topic);
  str(": ");
}

/** `W log: N lines dropped ...`, if it fits (else it is tried again at the next line). */
function reportDropped(): void {
  const lost = droppedLines - reportedLines;
  str("W log: ");
  dec(lost);
  str(lost == 1 ? " line" : " lines");
  str(" dropped: the UART could not keep up (the audio is never held up for the log)");
  if (commit()) reportedLines += lost;
}

/** Commit the line being written with its newline; false (the line discarded) when it did not fit. */
function commit(): bool {
  byte(0x0a);
  lineOpen = false;
  if (lineLost) {
    lineLost = false;
    cursor = head;
    return false;
  }
  head = cursor;
  return true;
}

/** End the line: it is sent whole, or dropped whole and counted. */
export function end(): void {
  if (!commit()) droppedLines++;
}

/**
 * Move at most `maxBytes` queued bytes into the UART while it has room.
 * Never blocks. The audio loop passes a small budget: each byte costs two
 * register accesses, and the PWM FIFO lasts only ~181 µs.
 */
export function pump(maxBytes: u32 = RING_SIZE): void {
  while (pending() > 0 && maxBytes > 0) {
    if (!uart.tryPut(<u32>load<u8>(ring + (tail & (RING_SIZE - 1))))) return;
    tail++;
    maxBytes--;
  }
}

/** Move every committed line into the UART, waiting for room as needed (the UART sends it on its own). */
export function flush(): void {
  while (pending() > 0) {
    uart.putBlocking(<u32>load<u8>(ring + (tail & (RING_SIZE - 1))));
    tail++;
  }
}

/** `flush`, then wait until the last byte has left the UART (before halting). */
export function drain(): void {
  flush();
  uart.drain();
}

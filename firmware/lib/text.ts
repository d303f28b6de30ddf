/**
 * Text that came from outside the firmware (track names in the asset
 * bundle): checking it and logging it so that it can never forge a log line.
 *
 * A *safe* name is valid UTF-8 (no overlong forms, no surrogates, nothing
 * above U+10FFFF) without *unsafe* code points: the C0 controls and DEL
 * (U+0000–U+001F, U+007F: newline, carriage return, escape, the trace
 * record separator 0x1E), the C1 controls (U+0080–U+009F, which some
 * terminals obey), the Unicode line and paragraph separators (U+2028,
 * U+2029, line breaks to JavaScript), and the bidirectional marks and
 * overrides (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), which can make
 * a line display as something else. host/text.ts holds the same rule for
 * the bundle writer (which replaces these) and the host validator.
 *
 * `logEscaped` copies safe text as it is and writes every byte of an
 * unsafe or invalid sequence as `\xNN`; `"` and `\` are escaped too, so a
 * quoted name always ends at the first unescaped `"`.
 */
import * as log from "./log";

/** Result of `check`: 0 when the text is safe, else one of these. */
export const TEXT_OK: u32 = 0;
export const TEXT_INVALID_UTF8: u32 = 1;
export const TEXT_UNSAFE: u32 = 2;

/** Byte offset of the first problem found by the last `check`. */
export let problemAt: u32 = 0;
/** Code point (TEXT_UNSAFE) or first byte (TEXT_INVALID_UTF8) of that problem. */
export let problemValue: u32 = 0;

/** True for the code points described in the module doc. */
export function isUnsafe(cp: u32): bool {
  return (
    cp < 0x20 ||
    (cp >= 0x7f && cp <= 0x9f) ||
    cp == 0x2028 ||
    cp == 0x2029 ||
    cp == 0x200e ||
    cp == 0x200f ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069)
  );
}

// The sequence at the last `decode`: its length in bytes and its code point.
let seqLen: u32 = 0;
let seqCp: u32 = 0;

/**
 * Decode the UTF-8 sequence at `ptr` (at most `avail` bytes). True when it
 * is valid (then `seqLen`/`seqCp` describe it); false otherwise (`seqLen` 1).
 */
function decode(ptr: usize, avail: u32): bool {
  const b0 = <u32>load<u8>(ptr);
  seqLen = 1;
  seqCp = b0;
  if (b0 < 0x80) return true;
  let n: u32;
  let cp: u32;
  let min: u32;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    n = 2;
    cp = b0 & 0x1f;
    min = 0x80;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    n = 3;
    cp = b0 & 0x0f;
    min = 0x800;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    n = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return false;
  }
  if (avail < n) return false;
  for (let i: u32 = 1; i < n; i++) {
    const b = <u32>load<u8>(ptr + i);
    if ((b & 0xc0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
  seqLen = n;
  seqCp = cp;
  return true;
}

/** Check `len` bytes at `ptr`: TEXT_OK, or the first problem (see `problemAt`). */
export function check(ptr: usize, len: u32): u32 {
  let i: u32 = 0;
  while (i < len) {
    if (!decode(ptr + i, len - i)) {
      problemAt = i;
      problemValue = <u32>load<u8>(ptr + i);
      return TEXT_INVALID_UTF8;
    }
    if (isUnsafe(seqCp)) {
      problemAt = i;
      problemValue = seqCp;
      return TEXT_UNSAFE;
    }
    i += seqLen;
  }
  return TEXT_OK;
}

function escapeByte(b: u32): void {
  log.byte(0x5c); // backslash
  log.byte(0x78); // x
  const hi = b >> 4;
  const lo = b & 0xf;
  log.byte(hi < 10 ? 0x30 + hi : 0x61 + hi - 10);
  log.byte(lo < 10 ? 0x30 + lo : 0x61 + lo - 10);
}

/** Log `len` bytes at `ptr` with everything unsafe escaped (module doc). */
export function logEscaped(ptr: usize, len: u32): void {
  let i: u32 = 0;
  while (i < len) {
    const ok = decode(ptr + i, len - i);
    if (!ok || isUnsafe(seqCp) || seqCp == 0x22 || seqCp == 0x5c) {
      for (let k: u32 = 0; k < seqLen; k++) escapeByte(<u32>load<u8>(ptr + i + k));
    } else {
      log.bytes(ptr + i, seqLen);
    }
    i += seqLen;
  }
}

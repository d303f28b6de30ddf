/**
 * Text from outside (track names, which come from file names): the rule
 * firmware/lib/text.ts applies, mirrored for the host.
 *
 * Unsafe code points: C0 controls and DEL (newline, carriage return,
 * escape, the trace record separator 0x1E), C1 controls (U+0080–U+009F),
 * the line and paragraph separators U+2028/U+2029 (line breaks to
 * JavaScript), and the bidirectional marks and overrides U+200E, U+200F,
 * U+202A–U+202E, U+2066–U+2069. A name containing one could forge or
 * disguise a firmware log line, so the bundle writer replaces them, the
 * firmware refuses a bundle that has them, and both escape them as `\xNN`
 * (one per UTF-8 byte) whenever they print a name.
 */

/** At most this many UTF-8 bytes of a track name are stored (a file name's usual limit). */
export const MAX_NAME_BYTES = 255;

export function isUnsafeCodePoint(cp: number): boolean {
  return (
    cp < 0x20 ||
    (cp >= 0x7f && cp <= 0x9f) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x200e ||
    cp === 0x200f ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069)
  );
}

/** One UTF-8 sequence at `i`: its length and code point, or null when invalid (the firmware's decoder). */
function decode(b: Uint8Array, i: number): { len: number; cp: number } | null {
  const b0 = b[i]!;
  if (b0 < 0x80) return { len: 1, cp: b0 };
  let n: number;
  let cp: number;
  let min: number;
  if (b0 >= 0xc2 && b0 <= 0xdf) [n, cp, min] = [2, b0 & 0x1f, 0x80];
  else if (b0 >= 0xe0 && b0 <= 0xef) [n, cp, min] = [3, b0 & 0x0f, 0x800];
  else if (b0 >= 0xf0 && b0 <= 0xf4) [n, cp, min] = [4, b0 & 0x07, 0x10000];
  else return null;
  if (b.length - i < n) return null;
  for (let k = 1; k < n; k++) {
    const c = b[i + k]!;
    if ((c & 0xc0) !== 0x80) return null;
    cp = (cp << 6) | (c & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
  return { len: n, cp };
}

export type TextProblem = { kind: "invalid-utf8"; at: number; byte: number } | { kind: "unsafe"; at: number; codePoint: number };

/** The first problem in `bytes` (invalid UTF-8 or an unsafe code point), or null when the text is safe. */
export function checkText(bytes: Uint8Array): TextProblem | null {
  for (let i = 0; i < bytes.length; ) {
    const d = decode(bytes, i);
    if (!d) return { kind: "invalid-utf8", at: i, byte: bytes[i]! };
    if (isUnsafeCodePoint(d.cp)) return { kind: "unsafe", at: i, codePoint: d.cp };
    i += d.len;
  }
  return null;
}

/** `bytes` as the firmware logs them: unsafe or invalid sequences, `"` and `\` as `\xNN` per byte. */
export function escapeText(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; ) {
    const d = decode(bytes, i);
    const len = d ? d.len : 1;
    if (!d || isUnsafeCodePoint(d.cp) || d.cp === 0x22 || d.cp === 0x5c) {
      for (let k = 0; k < len; k++) out += "\\x" + bytes[i + k]!.toString(16).padStart(2, "0");
    } else out += String.fromCodePoint(d.cp);
    i += len;
  }
  return out;
}

/**
 * A track name as the bundle stores it: every unsafe code point (and every
 * lone surrogate) replaced by U+FFFD, surrounding white space trimmed, cut
 * at a character boundary to at most 255 UTF-8 bytes; `fallback` when
 * nothing is left.
 */
export function sanitizeTrackName(name: string, fallback: string): string {
  let out = "";
  let bytes = 0;
  for (const ch of name.trim()) {
    const cp = ch.codePointAt(0)!;
    const safe = isUnsafeCodePoint(cp) || (cp >= 0xd800 && cp <= 0xdfff) ? "\ufffd" : ch;
    const n = Buffer.byteLength(safe, "utf8");
    if (bytes + n > MAX_NAME_BYTES) break;
    out += safe;
    bytes += n;
  }
  out = out.trim();
  return out.length > 0 ? out : fallback;
}

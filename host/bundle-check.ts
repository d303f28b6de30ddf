/**
 * Checking an asset bundle on the host with the firmware's own rules
 * (firmware/audio/bundle.ts `open`): the same checks in the same order,
 * and the same words as the firmware's `E bundle:` line, so a bundle
 * `piwave build --bundle` accepts is one the firmware plays and a refusal
 * says what the firmware would have said (the bundle fuzzer in
 * tests/bundle-fuzz.test.ts compares the two on every mutation).
 *
 * `checkBundleFile` adds what only the host can know: which file, what it
 * is when it is no bundle at all (a WAV, an MP3, text...), and which
 * board and quality a wrong sample rate belongs to.
 */
import { crc32 } from "node:zlib";
import { BOARDS, BOARD_NAMES, type Board, type BoardName, QUALITIES, type Quality, frameRateMilliHz, pwmRange } from "./boards.js";
import { BUNDLE_MAGIC, BUNDLE_VERSION, BUNDLE_VERSION_MIN, ENTRY_SIZE, FORMAT_S16, HEADER_SIZE, MAX_TRACKS, PRECOMP_RANGE_OFFSET, plainRangeForRate } from "./bundle.js";
import { MAX_NAME_BYTES, checkText, escapeText } from "./text.js";

const FRAME_BYTES = 4;
const CHANNELS = 2;

export interface CheckedTrack {
  /** The name as the firmware prints it (escaped, see host/text.ts). */
  name: string;
  dataOffset: number;
  frames: number;
  rateMilliHz: number;
}

export type BundleVerdict =
  | { ok: true; tracks: CheckedTrack[] }
  | {
      ok: false;
      /** The firmware's `E bundle:` text, without that prefix. */
      message: string;
      /** 1-based track the problem is in, when it is in one. */
      track?: number;
      /** Set when the only problem is a track's sample rate. */
      rateMilliHz?: number;
    };

/** The bundle's problem in a thrown error (`piwave build --bundle`). */
export class BundleError extends Error {}

const hex = (n: number) => "0x" + (n >>> 0).toString(16).padStart(8, "0");
const fixed3 = (n: number) => `${Math.floor(n / 1000)}.${String(n % 1000).padStart(3, "0")}`;
const crcOf = (b: Uint8Array) => crc32(b) >>> 0;

/**
 * Check `bytes` for playback at `hardwareRateMilliHz`, exactly as the
 * firmware does before it plays anything. `plainRange`: the firmware's
 * plain-mode PWM range, 0 for a shaped build (by default the range of the
 * board whose plain-mode rate that is, else 0).
 */
export function checkBundle(bytes: Uint8Array, hardwareRateMilliHz: number, plainRange = plainRangeForRate(hardwareRateMilliHz)): BundleVerdict {
  const size = bytes.length;
  const fail = (message: string, extra: { track?: number; rateMilliHz?: number } = {}): BundleVerdict => ({ ok: false, message, ...extra });
  if (size === 0) return fail("no asset bundle embedded (size 0): build one with `piwave build <songs>`");
  if (size < HEADER_SIZE) return fail(`truncated: ${size} bytes, the header alone needs 32`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number) => dv.getUint32(at, true);
  const u16 = (at: number) => dv.getUint16(at, true);
  const magic = u32(0);
  if (magic !== BUNDLE_MAGIC) return fail(`bad magic ${hex(magic)} (expected 0x56415750 "PWAV"): this is not a piwave asset bundle`);
  const version = u16(4);
  if (version < BUNDLE_VERSION_MIN || version > BUNDLE_VERSION) {
    return fail(`format version ${version} is not supported by this firmware (it reads versions 1 and 2): rebuild the bundle with the same piwave`);
  }
  const headerSize = u16(6);
  if (headerSize !== HEADER_SIZE) {
    return fail(`header size field (bytes 6-7) is ${headerSize}, a version ${version} header is 32 bytes: the header is damaged or was not written by piwave; rebuild the bundle`);
  }
  const headerCrc = crcOf(bytes.subarray(0, 28));
  if (headerCrc !== u32(28)) return fail(`header CRC mismatch (stored ${hex(u32(28))}, computed ${hex(headerCrc)}): the bundle is corrupt`);
  const totalSize = u32(12);
  if (totalSize !== size) {
    return fail(`size mismatch: the header says ${totalSize} bytes but ${size} are embedded: the bundle is truncated or padded`);
  }
  const count = u32(8);
  if (count === 0) return fail("contains no tracks: give `piwave build` at least one song");
  if (count > MAX_TRACKS) return fail(`track count ${count} is more than the 1024 this firmware plays: the bundle is corrupt`);
  const metaSize = u32(16);
  if (HEADER_SIZE + metaSize > size) {
    return fail(`metadata (${metaSize} bytes after the header) runs past the end of the ${size}-byte bundle: the bundle is corrupt`);
  }
  if (count * ENTRY_SIZE > metaSize) {
    return fail(`directory does not fit: ${count} tracks need ${count * ENTRY_SIZE} bytes but the metadata is ${metaSize}: the bundle is corrupt`);
  }
  const metaCrc = crcOf(bytes.subarray(HEADER_SIZE, HEADER_SIZE + metaSize));
  if (metaCrc !== u32(20)) return fail(`directory CRC mismatch (stored ${hex(u32(20))}, computed ${hex(metaCrc)}): the bundle is corrupt`);

  const namesStart = HEADER_SIZE + count * ENTRY_SIZE;
  const metaEnd = HEADER_SIZE + metaSize;
  let previousEnd = metaEnd;
  const tracks: CheckedTrack[] = [];
  for (let i = 0; i < count; i++) {
    const e = HEADER_SIZE + i * ENTRY_SIZE;
    const nameOffset = u32(e + 16);
    const nameLength = u32(e + 20);
    // The name as the firmware prints it: at most 255 bytes read from wherever the entry points.
    const shown = () => escapeText(bytes.subarray(Math.min(nameOffset, size), Math.min(nameOffset + Math.min(nameLength, MAX_NAME_BYTES), size)));
    const trackFail = (what: string, extra: { rateMilliHz?: number } = {}) => fail(`track ${i + 1} "${shown()}": ${what}`, { track: i + 1, ...extra });
    if (nameLength === 0 || nameLength > MAX_NAME_BYTES || nameOffset < namesStart || nameOffset + nameLength > metaEnd) {
      return fail(
        `track ${i + 1}: name (offset ${nameOffset}, ${nameLength} bytes) is not 1 to 255 bytes inside the name table (bytes ${namesStart} to ${metaEnd}): the bundle is corrupt`,
        { track: i + 1 },
      );
    }
    const problem = checkText(bytes.subarray(nameOffset, nameOffset + nameLength));
    if (problem) {
      const what =
        problem.kind === "invalid-utf8"
          ? `name is not valid UTF-8 (byte 0x${problem.byte.toString(16).padStart(2, "0")}`
          : `name contains control or direction character U+${problem.codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
      return trackFail(`${what} at ${problem.at}): the bundle was not written by piwave; rebuild it`);
    }
    const frames = u32(e + 4);
    if (frames === 0) return trackFail("zero length (no frames): remove it or re-convert the source");
    const channels = u16(e + 12);
    const format = u16(e + 14);
    if (channels !== CHANNELS || format !== FORMAT_S16) {
      return trackFail(`unsupported layout (${channels} channels, format ${format}): only stereo signed 16-bit is played`);
    }
    const offset = u32(e);
    const end = offset + frames * FRAME_BYTES;
    if ((offset & 3) !== 0 || end > size) {
      return trackFail(`data (offset ${offset}, ${frames} frames) runs past the end of the bundle or is misaligned`);
    }
    if (offset < previousEnd) {
      const whose = i === 0 ? "the header and metadata" : `track ${i}'s data`;
      return trackFail(`data (offset ${offset}) overlaps ${whose} (which end at ${previousEnd}): the bundle is corrupt`);
    }
    previousEnd = end;
    const rate = u32(e + 8);
    if (rate !== hardwareRateMilliHz) {
      return trackFail(
        `sample rate ${fixed3(rate)} Hz differs from this board's PWM rate ${fixed3(hardwareRateMilliHz)} Hz: rebuild the bundle for this board`,
        { rateMilliHz: rate },
      );
    }
    const dataCrc = crcOf(bytes.subarray(offset, end));
    if (dataCrc !== u32(e + 24)) {
      return trackFail(`audio data CRC mismatch (stored ${hex(u32(e + 24))}, computed ${hex(dataCrc)}): the bundle is corrupt`);
    }
    tracks.push({ name: shown(), dataOffset: offset, frames, rateMilliHz: rate });
  }
  const precomp = version >= 2 ? u32(PRECOMP_RANGE_OFFSET) : 0;
  if (precomp !== 0 && precomp !== plainRange) {
    const plays = plainRange === 0 ? "this firmware plays shaped mode" : `this firmware plays at range ${plainRange}`;
    return fail(`the samples are pre-compensated for plain mode at PWM range ${precomp}, ${plays}: rebuild the bundle for this board and quality`);
  }
  return { ok: true, tracks };
}

/** What a file that is not a bundle looks like it is, from its first bytes (null: no idea). */
export function sniffFileType(bytes: Uint8Array): string | null {
  const ascii = (at: number, s: string) => Buffer.from(bytes.subarray(at, at + s.length)).toString("latin1") === s;
  if (ascii(0, "RIFF") && ascii(8, "WAVE")) return "a WAV file";
  if (ascii(0, "ID3") || (bytes.length > 1 && bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0)) return "an MP3 file";
  if (ascii(0, "fLaC")) return "a FLAC file";
  if (ascii(0, "OggS")) return "an Ogg file";
  if (ascii(4, "ftyp")) return "an MP4/M4A file";
  if (ascii(0, "FORM") && (ascii(8, "AIFF") || ascii(8, "AIFC"))) return "an AIFF file";
  if (ascii(0, "\x7fELF")) return "an ELF binary";
  if (ascii(0, "\0asm")) return "a WebAssembly module";
  const head = bytes.subarray(0, 512);
  if (head.length > 0 && head.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b !== 0x7f))) return "a text file";
  return null;
}

const BOARD_LABEL: Record<BoardName, string> = { pi4: "Raspberry Pi 4", pi3: "Raspberry Pi 3" };

/** The boards and qualities whose PWM rate is `rateMilliHz`, e.g. "Raspberry Pi 3 (plain)". */
export function boardsForRate(rateMilliHz: number): string[] {
  const out: string[] = [];
  for (const name of BOARD_NAMES) {
    for (const q of QUALITIES) if (frameRateMilliHz(BOARDS[name], q) === rateMilliHz) out.push(`${BOARD_LABEL[name]} (--board ${name}${q === "shaped" ? " --quality shaped" : ""})`);
  }
  return out;
}

/**
 * Check a bundle file for `board`/`quality` and throw a BundleError that
 * names the file and what to do: not a bundle at all (what it looks like),
 * a bundle for another board or quality (which one), or the firmware's
 * own refusal. Returns the tracks when the firmware would play it.
 */
export function checkBundleFile(file: string, bytes: Uint8Array, board: Board, quality: Quality): CheckedTrack[] {
  const rate = frameRateMilliHz(board, quality);
  const v = checkBundle(bytes, rate, quality === "plain" ? pwmRange(board, "plain") : 0);
  if (v.ok) return v.tracks;
  if (bytes.length === 0) throw new BundleError(`${file}: the file is empty (0 bytes), not a piwave asset bundle: give songs instead of --bundle, or the .pwb file piwave build wrote`);
  if (bytes.length < 4 || new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true) !== BUNDLE_MAGIC) {
    const kind = sniffFileType(bytes);
    if (kind) throw new BundleError(`${file}: this is ${kind}, not a piwave asset bundle: give songs as arguments (piwave build SONG...), --bundle takes a .pwb bundle`);
  }
  if (v.rateMilliHz !== undefined) {
    const owners = boardsForRate(v.rateMilliHz);
    const target = `${BOARD_LABEL[board.name]}${quality === "shaped" ? ", shaped quality" : ""}`;
    const whose = owners.length ? `it was built for ${owners.join(" or ")}` : "no piwave board plays that rate";
    throw new BundleError(`${file}: ${v.message.replace(/: rebuild the bundle for this board$/, "")}; ${whose}, and this build is for ${target}: rebuild the bundle with the same --board and --quality, or build from the songs`);
  }
  throw new BundleError(`${file}: ${v.message}`);
}

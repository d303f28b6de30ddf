/**
 * The asset bundle, version 2: writer and reader. The byte layout is
 * specified once, in firmware/audio/bundle.ts (the reader that matters);
 * this file produces and checks exactly that layout.
 *
 * Version 2 adds one header field (bytes 24-27, reserved in version 1):
 * the PWM range the samples are pre-compensated for in plain mode (M/S
 * PWM's pulse-position distortion inverted over the whole band on the host,
 * host/dsp/plain-precompensation.ts), 0 when they are not. `encodeBundle`
 * pre-compensates by default when every track is at a board's plain-mode
 * rate (the only firmware that plays such a bundle is that board's plain
 * build, at that range); the firmware then only scales. A version 1
 * bundle, or one written with `precompensation: "off"`, is played with the
 * firmware's real-time correction (below 8 kHz); a range that is not the
 * firmware's is refused (firmware/audio/bundle.ts).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { leBytes } from "./audio/pcm-file.js";
import { writeFileAtomicSync } from "./fs-atomic.js";
import { BOARDS, BOARD_NAMES, frameRateMilliHz, pwmRange } from "./boards.js";
import { PRECOMP_ALGORITHMS, type PlainPrecompResult, type PrecompSetting } from "./dsp/plain-precompensation.js";
import { precompensatePlainThreaded as precompensatePlain } from "./dsp/plain-precompensation-threads.js";
import { sanitizeTrackName } from "./text.js";

export const BUNDLE_MAGIC = 0x56415750; // "PWAV" little-endian
export const BUNDLE_VERSION = 2;
/** The oldest version readers still accept (no pre-compensation field). */
export const BUNDLE_VERSION_MIN = 1;
/** Header byte offset of the plain-mode pre-compensation range (version 2). */
export const PRECOMP_RANGE_OFFSET = 24;
export const HEADER_SIZE = 32;
export const ENTRY_SIZE = 32;
export const MAX_TRACKS = 1024;
export const FORMAT_S16 = 1;

export interface Track {
  /** Stored sanitised (host/text.ts): unsafe characters replaced, at most 255 UTF-8 bytes. */
  name: string;
  /** Frame rate in mHz (must equal the board's hardware rate, see boards.ts). */
  rateMilliHz: number;
  /** Interleaved L, R signed 16-bit samples. */
  pcm: Int16Array;
}

export interface BundleTrack extends Track {
  frames: number;
  dataOffset: number;
  crc: number;
}

function crcOf(bytes: Uint8Array): number {
  return crc32(bytes) >>> 0;
}

export interface EncodeOptions {
  /**
   * Plain-mode pre-compensation: "auto" (the default) pre-compensates when
   * every track is at one board's plain-mode rate, for that board's PWM
   * range, with the fast setting ("fast": a few seconds per song); "exact"
   * iterates to the fixed point (host/dsp/plain-precompensation.ts: better
   * above 2 kHz, several times slower); "off" stores the samples as given
   * (the firmware corrects in real time, or not at all in its bit-exact
   * build).
   */
  precompensation?: "auto" | PrecompSetting | "off";
  /** Told each pre-compensated track's figures (clipped samples, peak), e.g. to warn. */
  onPrecompensated?: (track: number, result: PlainPrecompResult) => void;
  /**
   * Keep each pre-compensated track in `<cacheDir>/precomp/`, named by a
   * hash of its samples, the range and the algorithm's version, and reuse
   * it: the inverse costs seconds per song (`piwave build` passes its cache).
   */
  cacheDir?: string;
}

/** A pre-compensated track from the cache, or computed (and then cached when it can be: the cache is optional). */
function precompensateCached(pcm: Int16Array, range: number, setting: PrecompSetting, cacheDir: string | undefined): PlainPrecompResult {
  if (cacheDir === undefined) return precompensatePlain(pcm, range, setting);
  const key = createHash("sha256").update(leBytes(pcm)).update(`range ${range} ${PRECOMP_ALGORITHMS[setting]}`).digest("hex");
  const dir = join(cacheDir, "precomp");
  const data = join(dir, `${key}.s16`);
  const meta = join(dir, `${key}.json`);
  try {
    if (existsSync(data) && existsSync(meta)) {
      const m = JSON.parse(readFileSync(meta, "utf8")) as Omit<PlainPrecompResult, "pcm">;
      const bytes = readFileSync(data);
      if (bytes.length === pcm.length * 2 && typeof m.clippedSamples === "number" && typeof m.peak === "number") {
        const out = new Int16Array(pcm.length);
        if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes);
        else for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(2 * i);
        return { ...m, pcm: out };
      }
    }
  } catch {
    // unreadable or damaged: computed again below
  }
  const r = precompensatePlain(pcm, range, setting);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileAtomicSync(data, leBytes(r.pcm));
    writeFileAtomicSync(meta, JSON.stringify({ clippedSamples: r.clippedSamples, peak: r.peak, iterations: r.iterations, residualLevels: r.residualLevels }) + "\n");
  } catch {
    // a full or read-only cache costs the next build the time, nothing else
  }
  return r;
}

/** The plain-mode PWM range of the board whose plain-mode frame rate is `rateMilliHz`, or 0 when none. */
export function plainRangeForRate(rateMilliHz: number): number {
  for (const name of BOARD_NAMES) if (frameRateMilliHz(BOARDS[name], "plain") === rateMilliHz) return pwmRange(BOARDS[name], "plain");
  return 0;
}

/** The PWM range a bundle's samples are pre-compensated for (0: not pre-compensated, or a version 1 bundle). */
export function bundlePrecompRange(bytes: Uint8Array): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return bytes.length >= HEADER_SIZE && dv.getUint16(4, true) >= 2 ? dv.getUint32(PRECOMP_RANGE_OFFSET, true) : 0;
}

export function encodeBundle(input: readonly Track[], options: EncodeOptions = {}): Uint8Array {
  if (input.length > MAX_TRACKS) throw new Error(`too many tracks: ${input.length} (at most ${MAX_TRACKS})`);
  const range = options.precompensation === "off" || input.length === 0 ? 0 : plainRangeForRate(input[0]!.rateMilliHz);
  const precomp = range > 0 && input.every((t) => t.rateMilliHz === input[0]!.rateMilliHz);
  const tracks = precomp
    ? input.map((t, i) => {
        if (t.pcm.length % 2 !== 0) return t; // refused below
        const r = precompensateCached(t.pcm, range, options.precompensation === "exact" ? "exact" : "fast", options.cacheDir);
        options.onPrecompensated?.(i, r);
        return { ...t, pcm: r.pcm };
      })
    : input;
  // Names come from file names: nothing in one may forge a firmware log line.
  const names = tracks.map((t, i) => Buffer.from(sanitizeTrackName(t.name, `track ${i + 1}`), "utf8"));
  const namesBytes = names.reduce((n, b) => n + b.length, 0);
  const metaSize = tracks.length * ENTRY_SIZE + namesBytes;
  let dataStart = HEADER_SIZE + metaSize;
  dataStart = (dataStart + 15) & ~15;
  let total = dataStart;
  const offsets: number[] = [];
  for (const t of tracks) {
    if (t.pcm.length % 2 !== 0) throw new Error(`track "${t.name}": odd number of samples for stereo`);
    offsets.push(total);
    total += t.pcm.length * 2;
    total = (total + 3) & ~3;
  }
  // Not zero-filled (a music file is tens of MB): every byte is written below, the gaps explicitly.
  const out = new Uint8Array(Buffer.allocUnsafeSlow(total).buffer, 0, total);
  out.fill(0, 0, dataStart); // header, table, names and their padding (reserved bytes are zero)
  const dv = new DataView(out.buffer);
  let nameAt = HEADER_SIZE + tracks.length * ENTRY_SIZE;
  tracks.forEach((t, i) => {
    const e = HEADER_SIZE + i * ENTRY_SIZE;
    // The samples go straight into place, little-endian (a plain copy on a little-endian host).
    out.set(leBytes(t.pcm), offsets[i]!);
    out.fill(0, offsets[i]! + t.pcm.byteLength, i + 1 < tracks.length ? offsets[i + 1]! : total);
    const le = out.subarray(offsets[i]!, offsets[i]! + t.pcm.byteLength);
    dv.setUint32(e + 0, offsets[i]!, true);
    dv.setUint32(e + 4, t.pcm.length / 2, true);
    dv.setUint32(e + 8, t.rateMilliHz, true);
    dv.setUint16(e + 12, 2, true);
    dv.setUint16(e + 14, FORMAT_S16, true);
    dv.setUint32(e + 16, nameAt, true);
    dv.setUint32(e + 20, names[i]!.length, true);
    dv.setUint32(e + 24, crcOf(le), true);
    out.set(names[i]!, nameAt);
    nameAt += names[i]!.length;
  });
  dv.setUint32(0, BUNDLE_MAGIC, true);
  dv.setUint16(4, BUNDLE_VERSION, true);
  dv.setUint16(6, HEADER_SIZE, true);
  dv.setUint32(8, tracks.length, true);
  dv.setUint32(12, total, true);
  dv.setUint32(16, metaSize, true);
  dv.setUint32(20, crcOf(out.subarray(HEADER_SIZE, HEADER_SIZE + metaSize)), true);
  dv.setUint32(PRECOMP_RANGE_OFFSET, precomp ? range : 0, true);
  dv.setUint32(28, crcOf(out.subarray(0, 28)), true);
  return out;
}

/** Recompute the header CRC after editing header fields (for tests of corrupt bundles). */
export function resealHeader(bytes: Uint8Array): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  dv.setUint32(28, crcOf(bytes.subarray(0, 28)), true);
}

/** Recompute the directory CRC and then the header CRC (for tests). */
export function resealMeta(bytes: Uint8Array): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const meta = dv.getUint32(16, true);
  dv.setUint32(20, crcOf(bytes.subarray(HEADER_SIZE, HEADER_SIZE + meta)), true);
  resealHeader(bytes);
}

/** Parse and fully verify a bundle; throws with a specific message on any defect. */
/** Typed arrays use the host's byte order; on a little-endian host the samples copy as they are. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function decodeBundle(bytes: Uint8Array, what = "asset bundle"): BundleTrack[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < HEADER_SIZE) throw new Error(`${what}: truncated (${bytes.length} bytes, the header needs 32)`);
  if (dv.getUint32(0, true) !== BUNDLE_MAGIC) throw new Error(`${what}: bad magic, not a piwave asset bundle`);
  const version = dv.getUint16(4, true);
  if (version < BUNDLE_VERSION_MIN || version > BUNDLE_VERSION) throw new Error(`${what}: format version ${version} is not supported (expected ${BUNDLE_VERSION_MIN} to ${BUNDLE_VERSION})`);
  if (dv.getUint16(6, true) !== HEADER_SIZE) throw new Error(`${what}: header size field (bytes 6-7) is ${dv.getUint16(6, true)}, a version ${version} header is ${HEADER_SIZE} bytes`);
  if (crcOf(bytes.subarray(0, 28)) !== dv.getUint32(28, true)) throw new Error(`${what}: header CRC mismatch`);
  if (dv.getUint32(12, true) !== bytes.length) throw new Error(`${what}: size mismatch (header says ${dv.getUint32(12, true)}, have ${bytes.length})`);
  const count = dv.getUint32(8, true);
  const meta = dv.getUint32(16, true);
  if (HEADER_SIZE + meta > bytes.length || count * ENTRY_SIZE > meta) throw new Error(`${what}: directory does not fit`);
  if (crcOf(bytes.subarray(HEADER_SIZE, HEADER_SIZE + meta)) !== dv.getUint32(20, true)) throw new Error(`${what}: directory CRC mismatch`);
  const tracks: BundleTrack[] = [];
  for (let i = 0; i < count; i++) {
    const e = HEADER_SIZE + i * ENTRY_SIZE;
    const dataOffset = dv.getUint32(e, true);
    const frames = dv.getUint32(e + 4, true);
    const nameOff = dv.getUint32(e + 16, true);
    const nameLen = dv.getUint32(e + 20, true);
    const name = Buffer.from(bytes.subarray(nameOff, nameOff + nameLen)).toString("utf8");
    if (dataOffset + frames * 4 > bytes.length) throw new Error(`${what}: track ${i + 1} "${name}" runs past the end`);
    const raw = bytes.subarray(dataOffset, dataOffset + frames * 4);
    const crc = dv.getUint32(e + 24, true);
    if (crcOf(raw) !== crc) throw new Error(`${what}: track ${i + 1} "${name}" data CRC mismatch`);
    const pcm = new Int16Array(frames * 2);
    if (LITTLE_ENDIAN) new Uint8Array(pcm.buffer).set(raw); // the samples are little-endian: one copy
    else {
      const rdv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      for (let k = 0; k < pcm.length; k++) pcm[k] = rdv.getInt16(k * 2, true);
    }
    tracks.push({ name, rateMilliHz: dv.getUint32(e + 8, true), pcm, frames, dataOffset, crc });
  }
  return tracks;
}

/**
 * The asset bundle, version 1: writer and reader. The byte layout is
 * specified once, in firmware/audio/bundle.ts (the reader that matters);
 * this file produces and checks exactly that layout.
 */
import { crc32 } from "node:zlib";
import { leBytes } from "./audio/pcm-file.js";
import { sanitizeTrackName } from "./text.js";

export const BUNDLE_MAGIC = 0x56415750; // "PWAV" little-endian
export const BUNDLE_VERSION = 1;
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

export function encodeBundle(tracks: readonly Track[]): Uint8Array {
  if (tracks.length > MAX_TRACKS) throw new Error(`too many tracks: ${tracks.length} (at most ${MAX_TRACKS})`);
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
  if (version !== BUNDLE_VERSION) throw new Error(`${what}: format version ${version} is not supported (expected ${BUNDLE_VERSION})`);
  if (dv.getUint16(6, true) !== HEADER_SIZE) throw new Error(`${what}: header size field (bytes 6-7) is ${dv.getUint16(6, true)}, a version 1 header is ${HEADER_SIZE} bytes`);
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

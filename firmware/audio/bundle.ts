/**
 * The asset bundle: the music the firmware plays, read through the ABI
 * (`bundle_size` / `bundle_read`), never compiled into the wasm.
 *
 * Format, version 2 (all integers little-endian; host/bundle.ts writes it):
 *
 *   header, 32 bytes
 *     0  u32 magic      0x56415750 ("PWAV")
 *     4  u16 version    2 (1 is read too: byte 24 is then reserved, 0)
 *     6  u16 headerSize 32
 *     8  u32 trackCount
 *    12  u32 totalSize  bytes of the whole bundle
 *    16  u32 metaSize   bytes of directory + names that follow the header
 *    20  u32 metaCrc    CRC-32 of those metaSize bytes
 *    24  u32 precompRange  0: the samples are as converted; R: they are
 *                       pre-compensated for plain-mode M/S PWM at range R
 *                       (host/dsp/plain-precompensation.ts): the player
 *                       then only scales them. Must be 0 or this
 *                       firmware's plain-mode range (checked last).
 *    28  u32 headerCrc  CRC-32 of header bytes 0..27
 *   directory: trackCount entries of 32 bytes, right after the header
 *     0  u32 dataOffset   from the bundle start, multiple of 4
 *     4  u32 frameCount   stereo frames, > 0
 *     8  u32 rateMilliHz  frame rate in mHz; must equal the hardware rate
 *    12  u16 channels     2
 *    14  u16 format       1 = signed 16-bit, interleaved L, R
 *    16  u32 nameOffset   UTF-8 name, from the bundle start
 *    20  u32 nameLength   bytes, 1..255
 *    24  u32 dataCrc      CRC-32 of the frameCount * 4 data bytes
 *    28  u32 reserved     0
 *   names (UTF-8), then the PCM data of each track.
 *
 * Layout rules (what the writer produces, and all a reader accepts):
 *   - the metadata (directory + names) is the `metaSize` bytes after the
 *     header, and lies inside the bundle;
 *   - every name lies inside the name table (after the directory, inside
 *     the metadata), is 1..255 bytes of valid UTF-8 without control
 *     characters, line separators or bidirectional overrides (lib/text.ts):
 *     a name is printed in the log and must not be able to forge a line;
 *   - every track's data starts after the metadata, at a multiple of 4,
 *     after the end of the previous track's data (no overlap), and ends
 *     inside the bundle.
 *
 * `open` checks everything, data CRCs included, before a single sample is
 * played, and logs one specific `E bundle:` line for the first problem.
 * The checks and their messages are mirrored, in the same order and the
 * same words, by host/bundle-check.ts (`piwave build --bundle` and the
 * tests compare the two).
 */
import { bundle_read, bundle_size } from "../abi";
import { SHAPED } from "../config";
import { pwmRange } from "./output";
import * as crc32 from "../lib/crc32";
import * as log from "../lib/log";
import * as text from "../lib/text";

export const MAGIC: u32 = 0x56415750;
/** The version this firmware's piwave writes; VERSION_MIN .. VERSION are read. */
export const VERSION: u32 = 2;
export const VERSION_MIN: u32 = 1;
export const HEADER_SIZE: u32 = 32;
export const ENTRY_SIZE: u32 = 32;
export const MAX_TRACKS: u32 = 1024;
export const MAX_NAME_BYTES: u32 = 255;
export const CHANNELS: u32 = 2;
export const FORMAT_S16: u32 = 1;
export const FRAME_BYTES: u32 = 4;

/** Staging buffer for streaming reads (also used by audio/bundle-source.ts). */
export const CHUNK_BYTES: u32 = 65536;
export const chunk: usize = memory.data(<i32>CHUNK_BYTES, 16);

const header: usize = memory.data(<i32>HEADER_SIZE, 4);
/** Track names for the log: their own buffer, as `chunk` holds the frames audio/source.ts is playing. */
const nameBuffer: usize = memory.data(<i32>MAX_NAME_BYTES, 4);
const directory: usize = memory.data(<i32>(MAX_TRACKS * ENTRY_SIZE), 4);
let tracks: u32 = 0;
let openedVersion: u32 = 0;
let precomp: u32 = 0;

/** The opened bundle's format version. */
export function version(): u32 {
  return openedVersion;
}
/** The plain-mode PWM range the opened bundle's samples are pre-compensated for; 0 when they are not. */
export function precompRange(): u32 {
  return precomp;
}

@inline function entry(i: u32): usize {
  return directory + <usize>(i * ENTRY_SIZE);
}
export function trackCount(): u32 {
  return tracks;
}
export function dataOffset(i: u32): u32 {
  return load<u32>(entry(i), 0);
}
export function frameCount(i: u32): u32 {
  return load<u32>(entry(i), 4);
}
export function rateMilliHz(i: u32): u32 {
  return load<u32>(entry(i), 8);
}

/** CRC-32 of bundle bytes [offset, offset + len), streamed through the chunk buffer. */
function crcOfRange(offset: u32, len: u32): u32 {
  let crc: u32 = 0;
  while (len > 0) {
    const want = len < CHUNK_BYTES ? len : CHUNK_BYTES;
    const got = bundle_read(offset, <u32>chunk, want);
    if (got == 0) break;
    crc = crc32.update(crc, chunk, got);
    offset += got;
    len -= got;
  }
  return crc;
}

/** Log the name of track `i` in quotes, unsafe bytes escaped (lib/text.ts); at most 255 bytes of it are read. */
export function logName(i: u32): void {
  const e = entry(i);
  let len = load<u32>(e, 20);
  if (len > MAX_NAME_BYTES) len = MAX_NAME_BYTES;
  const got = bundle_read(load<u32>(e, 16), <u32>nameBuffer, len);
  log.byte(0x22);
  text.logEscaped(nameBuffer, got);
  log.byte(0x22);
}

function fail(): bool {
  log.end();
  return false;
}

/** Start an `E bundle:` line for track `i` (1-based in messages). */
function trackError(i: u32): void {
  log.begin("E", "bundle");
  log.str("track ");
  log.dec(i + 1);
  log.str(" ");
  logName(i);
  log.str(": ");
}

/**
 * Validate the embedded bundle for playback at `hardwareRateMilliHz`.
 * On success the directory is loaded and `trackCount()` > 0. On failure an
 * `E bundle:` line says what is wrong and false is returned. A bundle
 * pre-compensated for a PWM range (header byte 24) is played only by the
 * plain build at that range.
 */
export function open(hardwareRateMilliHz: u32): bool {
  const plainRange: u32 = SHAPED ? 0 : pwmRange();
  tracks = 0;
  precomp = 0;
  const size = bundle_size();
  if (size == 0) {
    log.begin("E", "bundle");
    log.str("no asset bundle embedded (size 0): build one with `piwave build <songs>`");
    return fail();
  }
  if (size < HEADER_SIZE) {
    log.begin("E", "bundle");
    log.str("truncated: ");
    log.dec(size);
    log.str(" bytes, the header alone needs 32");
    return fail();
  }
  bundle_read(0, <u32>header, HEADER_SIZE);
  const magic = load<u32>(header, 0);
  if (magic != MAGIC) {
    log.begin("E", "bundle");
    log.str("bad magic ");
    log.hex(magic);
    log.str(" (expected 0x56415750 \"PWAV\"): this is not a piwave asset bundle");
    return fail();
  }
  const version = <u32>load<u16>(header, 4);
  if (version < VERSION_MIN || version > VERSION) {
    log.begin("E", "bundle");
    log.str("format version ");
    log.dec(version);
    log.str(" is not supported by this firmware (it reads versions 1 and 2): rebuild the bundle with the same piwave");
    return fail();
  }
  const headerSize = <u32>load<u16>(header, 6);
  if (headerSize != HEADER_SIZE) {
    log.begin("E", "bundle");
    log.str("header size field (bytes 6-7) is ");
    log.dec(headerSize);
    log.str(", a version ");
    log.dec(version);
    log.str(" header is 32 bytes: the header is damaged or was not written by piwave; rebuild the bundle");
    return fail();
  }
  const headerCrc = crc32.update(0, header, 28);
  if (headerCrc != load<u32>(header, 28)) {
    log.begin("E", "bundle");
    log.str("header CRC mismatch (stored ");
    log.hex(load<u32>(header, 28));
    log.str(", computed ");
    log.hex(headerCrc);
    log.str("): the bundle is corrupt");
    return fail();
  }
  const totalSize = load<u32>(header, 12);
  if (totalSize != size) {
    log.begin("E", "bundle");
    log.str("size mismatch: the header says ");
    log.dec(totalSize);
    log.str(" bytes but ");
    log.dec(size);
    log.str(" are embedded: the bundle is truncated or padded");
    return fail();
  }
  const count = load<u32>(header, 8);
  if (count == 0) {
    log.begin("E", "bundle");
    log.str("contains no tracks: give `piwave build` at least one song");
    return fail();
  }
  if (count > MAX_TRACKS) {
    log.begin("E", "bundle");
    log.str("track count ");
    log.dec(count);
    log.str(" is more than the 1024 this firmware plays: the bundle is corrupt");
    return fail();
  }
  const metaSize = load<u32>(header, 16);
  if (<u64>HEADER_SIZE + metaSize > <u64>size) {
    log.begin("E", "bundle");
    log.str("metadata (");
    log.dec(metaSize);
    log.str(" bytes after the header) runs past the end of the ");
    log.dec(size);
    log.str("-byte bundle: the bundle is corrupt");
    return fail();
  }
  if (count * ENTRY_SIZE > metaSize) {
    log.begin("E", "bundle");
    log.str("directory does not fit: ");
    log.dec(count);
    log.str(" tracks need ");
    log.dec(count * ENTRY_SIZE);
    log.str(" bytes but the metadata is ");
    log.dec(metaSize);
    log.str(": the bundle is corrupt");
    return fail();
  }
  const metaCrc = crcOfRange(HEADER_SIZE, metaSize);
  if (metaCrc != load<u32>(header, 20)) {
    log.begin("E", "bundle");
    log.str("directory CRC mismatch (stored ");
    log.hex(load<u32>(header, 20));
    log.str(", computed ");
    log.hex(metaCrc);
    log.str("): the bundle is corrupt");
    return fail();
  }
  bundle_read(HEADER_SIZE, <u32>directory, count * ENTRY_SIZE);
  tracks = count;

  const namesStart = HEADER_SIZE + count * ENTRY_SIZE;
  const metaEnd = HEADER_SIZE + metaSize;
  let previousEnd: u64 = <u64>metaEnd;
  for (let i: u32 = 0; i < count; i++) {
    const e = entry(i);
    const nameOffset = load<u32>(e, 16);
    const nameLength = load<u32>(e, 20);
    if (nameLength == 0 || nameLength > MAX_NAME_BYTES || nameOffset < namesStart || <u64>nameOffset + <u64>nameLength > <u64>metaEnd) {
      log.begin("E", "bundle");
      log.str("track ");
      log.dec(i + 1);
      log.str(": name (offset ");
      log.dec(nameOffset);
      log.str(", ");
      log.dec(nameLength);
      log.str(" bytes) is not 1 to 255 bytes inside the name table (bytes ");
      log.dec(namesStart);
      log.str(" to ");
      log.dec(metaEnd);
      log.str("): the bundle is corrupt");
      return fail();
    }
    bundle_read(nameOffset, <u32>chunk, nameLength);
    const verdict = text.check(chunk, nameLength);
    if (verdict != text.TEXT_OK) {
      trackError(i);
      if (verdict == text.TEXT_INVALID_UTF8) {
        log.str("name is not valid UTF-8 (byte 0x");
        log.hexDigits(text.problemValue, 2, false);
      } else {
        log.str("name contains control or direction character U+");
        log.hexDigits(text.problemValue, 4, true);
      }
      log.str(" at ");
      log.dec(text.problemAt);
      log.str("): the bundle was not written by piwave; rebuild it");
      return fail();
    }
    const frames = frameCount(i);
    if (frames == 0) {
      trackError(i);
      log.str("zero length (no frames): remove it or re-convert the source");
      return fail();
    }
    if (<u32>load<u16>(e, 12) != CHANNELS || <u32>load<u16>(e, 14) != FORMAT_S16) {
      trackError(i);
      log.str("unsupported layout (");
      log.dec(<u32>load<u16>(e, 12));
      log.str(" channels, format ");
      log.dec(<u32>load<u16>(e, 14));
      log.str("): only stereo signed 16-bit is played");
      return fail();
    }
    const offset = dataOffset(i);
    const end = <u64>offset + <u64>frames * FRAME_BYTES;
    if ((offset & 3) != 0 || end > <u64>size) {
      trackError(i);
      log.str("data (offset ");
      log.dec(offset);
      log.str(", ");
      log.dec(frames);
      log.str(" frames) runs past the end of the bundle or is misaligned");
      return fail();
    }
    if (<u64>offset < previousEnd) {
      trackError(i);
      log.str("data (offset ");
      log.dec(offset);
      log.str(") overlaps ");
      if (i == 0) log.str("the header and metadata");
      else {
        log.str("track ");
        log.dec(i);
        log.str("'s data");
      }
      log.str(" (which end at ");
      log.dec(previousEnd);
      log.str("): the bundle is corrupt");
      return fail();
    }
    previousEnd = end;
    if (rateMilliHz(i) != hardwareRateMilliHz) {
      trackError(i);
      log.str("sample rate ");
      log.fixed(rateMilliHz(i), 3);
      log.str(" Hz differs from this board's PWM rate ");
      log.fixed(hardwareRateMilliHz, 3);
      log.str(" Hz: rebuild the bundle for this board");
      return fail();
    }
    const dataCrc = crcOfRange(offset, frames * FRAME_BYTES);
    if (dataCrc != load<u32>(e, 24)) {
      trackError(i);
      log.str("audio data CRC mismatch (stored ");
      log.hex(load<u32>(e, 24));
      log.str(", computed ");
      log.hex(dataCrc);
      log.str("): the bundle is corrupt");
      return fail();
    }
  }
  const range = version >= 2 ? load<u32>(header, 24) : 0;
  if (range != 0 && range != plainRange) {
    log.begin("E", "bundle");
    log.str("the samples are pre-compensated for plain mode at PWM range ");
    log.dec(range);
    if (SHAPED) log.str(", this firmware plays shaped mode");
    else {
      log.str(", this firmware plays at range ");
      log.dec(plainRange);
    }
    log.str(": rebuild the bundle for this board and quality");
    tracks = 0;
    return fail();
  }
  openedVersion = version;
  precomp = range;
  return true;
}

/**
 * Shared helpers for the tests: piwave's player module, test signals,
 * bundles. Tests run a firmware with piwave/testing (`runFirmware`,
 * host/testing/), the API users have, fault injections included (its
 * `faults` option); the simulator's own `simulate`/`Machine` only where a
 * test is about the simulator itself.
 */
import { BOARDS, type BoardName, frameRateMilliHz, pwmRange } from "../host/boards.js";
import { BUNDLE_MAGIC, BUNDLE_VERSION, HEADER_SIZE, type Track, encodeBundle, resealHeader } from "../host/bundle.js";
import { loadFirmware } from "../host/firmware.js";

const modules = new Map<BoardName, WebAssembly.Module>();

export function firmwareModule(board: BoardName): WebAssembly.Module {
  let m = modules.get(board);
  if (!m) {
    m = new WebAssembly.Module(loadFirmware(board));
    modules.set(board, m);
  }
  return m;
}

export function rateOf(board: BoardName): number {
  return frameRateMilliHz(BOARDS[board]);
}

export function rangeOf(board: BoardName): number {
  return pwmRange(BOARDS[board]);
}

/** A stereo test signal: a chirp on the left, a different chirp + square on the right. */
export function chirpTrack(board: BoardName, seconds: number, name = "chirp"): Track {
  const rate = rateOf(board) / 1000;
  const n = Math.round(seconds * rate);
  const pcm = new Int16Array(n * 2);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const l = Math.sin(2 * Math.PI * (100 * t + 400 * t * t)) * 30000;
    const r = Math.sin(2 * Math.PI * (3000 * t - 100 * t * t)) * 20000 + (Math.floor(t * 50) % 2 ? 8000 : -8000);
    pcm[2 * i] = Math.round(l);
    pcm[2 * i + 1] = Math.max(-32768, Math.min(32767, Math.round(r)));
  }
  return { name, rateMilliHz: rateOf(board), pcm };
}

/** A constant-value track (every frame the same L, R). */
export function constantTrack(board: BoardName, frames: number, left: number, right: number, name = "constant"): Track {
  const pcm = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    pcm[2 * i] = left;
    pcm[2 * i + 1] = right;
  }
  return { name, rateMilliHz: rateOf(board), pcm };
}

/** The firmware's conversion, as documented in firmware/audio/producer.ts. */
export function duty(sample: number, range: number): number {
  return Math.floor(((sample + 32768) * range) / 65536);
}

/**
 * A music file that carries only `payload` for a test firmware: a bundle
 * header the runtime accepts (magic, version, header size, total size, header
 * CRC; boot/music.c) followed by the payload at offset HEADER_SIZE (32),
 * where test firmwares read their selector. The same bytes go to the
 * simulator, so both hosts see one file.
 */
export function payloadMusic(payload: Uint8Array | number[]): Uint8Array {
  const b = new Uint8Array(HEADER_SIZE + payload.length);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, BUNDLE_MAGIC, true);
  dv.setUint16(4, BUNDLE_VERSION, true);
  dv.setUint16(6, HEADER_SIZE, true);
  dv.setUint32(12, b.length, true);
  b.set(payload, HEADER_SIZE);
  resealHeader(b);
  return b;
}

/** Shared helpers for the tests: firmware modules, bundles, runs. */
import { BOARDS, type BoardName, frameRateMilliHz, pwmRange } from "../host/boards.js";
import { type Track, encodeBundle } from "../host/bundle.js";
import { loadFirmware } from "../host/firmware.js";
import { type SimOptions, type SimResult, simulate } from "../host/sim/machine.js";

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

export function run(board: BoardName, bundle: Uint8Array, opts: Partial<SimOptions> = {}): SimResult {
  return simulate({ board, wasm: firmwareModule(board), bundle, maxSeconds: 120, ...opts });
}

export function runTracks(board: BoardName, tracks: Track[], opts: Partial<SimOptions> = {}): SimResult {
  return run(board, encodeBundle(tracks), opts);
}

/** The firmware's conversion, as documented in firmware/audio/producer.ts. */
export function duty(sample: number, range: number): number {
  return Math.floor(((sample + 32768) * range) / 65536);
}

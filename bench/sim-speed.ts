/**
 * Benchmark: simulated audio seconds per wall-clock second, for a 60 s
 * stereo track through the full firmware + simulator (polling mode).
 * Prints each run and the median; never a pass/fail.
 */
import { BOARDS, type BoardName, frameRateMilliHz } from "../host/boards.js";
import { encodeBundle } from "../host/bundle.js";
import { buildFirmware, loadFirmware } from "../host/firmware.js";
import { simulate } from "../host/sim/machine.js";

function track(seconds: number, rateMilliHz: number): Int16Array {
  const rate = rateMilliHz / 1000;
  const n = Math.floor(seconds * rate);
  const pcm = new Int16Array(n * 2);
  let seed = 1;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const noise = ((seed >>> 16) / 65536 - 0.5) * 600;
    pcm[2 * i] = Math.round(12000 * Math.sin((2 * Math.PI * 440 * i) / rate) + noise);
    pcm[2 * i + 1] = Math.round(12000 * Math.sin((2 * Math.PI * 660 * i) / rate) - noise);
  }
  return pcm;
}

export interface SimSpeed {
  board: BoardName;
  audioSeconds: number;
  ratios: number[];
  median: number;
  accessesPerFrame: number;
}

export async function benchSimSpeed(board: BoardName, seconds = 60, runs = 3): Promise<SimSpeed> {
  await buildFirmware(board);
  const wasm = new WebAssembly.Module(loadFirmware(board));
  const rate = frameRateMilliHz(BOARDS[board]);
  const bundle = encodeBundle([{ name: `bench ${seconds} s`, rateMilliHz: rate, pcm: track(seconds, rate) }]);
  // Warm-up run (JIT), not counted.
  simulate({ board, wasm, bundle: encodeBundle([{ name: "warm-up", rateMilliHz: rate, pcm: track(5, rate) }]) });
  const ratios: number[] = [];
  let accessesPerFrame = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = simulate({ board, wasm, bundle });
    const wall = (performance.now() - t0) / 1000;
    if (r.haltCode !== 0) throw new Error(`benchmark run failed: ${r.error ?? r.lines.at(-1)}`);
    const audio = r.jack.frames / r.jack.rateHz;
    ratios.push(audio / wall);
    accessesPerFrame = r.accesses / r.jack.frames;
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  return { board, audioSeconds: seconds, ratios, median: sorted[Math.floor(sorted.length / 2)]!, accessesPerFrame };
}

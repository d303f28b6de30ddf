/**
 * Benchmark: simulator speed, in audio seconds simulated per wall-clock
 * second, for every firmware mode (plain/shaped × poll/dma) on both boards,
 * each beside its floor (bench/sim-floor.ts: the same .wasm with trivial
 * imports and no models) measured in the same run, runs interleaved so
 * that machine load hits both alike. Figures only, never a pass/fail.
 *
 * Also: `piwave sim` as a whole process on a 3-minute plain song (bundle
 * already converted), and the CLI against in-process on the demo music.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BOARDS, type BoardName, type Quality, frameRateMilliHz } from "../host/boards.js";
import { encodeBundle } from "../host/bundle.js";
import { ROOT, type Variant, buildFirmware, loadFirmware } from "../host/firmware.js";
import { demoBundle } from "../host/commands/demo.js";
import { simulate } from "../host/sim/machine.js";
import { simulateInWorker } from "../host/sim/run-worker.js";
import { runFloor } from "./sim-floor.js";

/** A stereo test track: two tones plus a little noise (deterministic). */
export function benchTrack(seconds: number, rateMilliHz: number): Int16Array {
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

export interface Mode {
  label: string;
  quality: Quality;
  variant: Variant;
}

export const MODES: readonly Mode[] = [
  { label: "plain/poll", quality: "plain", variant: {} },
  { label: "plain/dma", quality: "plain", variant: { feed: "dma" } },
  { label: "shaped/poll", quality: "shaped", variant: { quality: "shaped" } },
  { label: "shaped/dma", quality: "shaped", variant: { quality: "shaped", feed: "dma" } },
];

export interface ModeSpeed {
  board: BoardName;
  mode: string;
  audioSeconds: number;
  /** Audio seconds per wall second, each run. */
  sim: number[];
  floor: number[];
  simMedian: number;
  floorMedian: number;
  /** simMedian / floorMedian. */
  ratio: number;
  /**
   * The same ratio from this process's CPU time instead of wall time: less
   * swayed by other load on the machine (the wall figure is the headline).
   */
  cpuRatio: number;
  /** MMIO accesses per PWM period (a stereo frame at the jack; 16 per audio frame when shaped), simulator. */
  accessesPerPeriod: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The bench track's bundle for a board and quality, made once per run of the
 * benchmark: poll and DMA play the same one, and a plain-mode bundle is
 * pre-compensated on the host as it is written (host/bundle.ts), which
 * takes longer than simulating it.
 */
const bundles = new Map<string, Uint8Array>();
function benchBundle(board: BoardName, quality: Quality, seconds: number): Uint8Array {
  const key = `${board} ${quality} ${seconds}`;
  let b = bundles.get(key);
  if (b === undefined) {
    const rate = frameRateMilliHz(BOARDS[board], quality);
    b = encodeBundle([{ name: `bench ${seconds} s`, rateMilliHz: rate, pcm: benchTrack(seconds, rate) }]);
    bundles.set(key, b);
  }
  return b;
}

/** One mode on one board: `runs` simulator runs and `runs` floor runs, interleaved, after warm-up runs of each. */
export async function benchMode(board: BoardName, mode: Mode, seconds: number, runs: number): Promise<ModeSpeed> {
  await buildFirmware(board, { variant: mode.variant });
  const wasm = new WebAssembly.Module(loadFirmware(board, mode.variant));
  const bundle = benchBundle(board, mode.quality, seconds);
  // Warm-up: the JS engine reaches its steady code only after a few machines
  // have run (each new machine's call sites start cold), the firmware's wasm
  // after its first run: two runs of the measured track for the simulator,
  // one for the floor, before anything is measured.
  simulate({ board, wasm, bundle });
  simulate({ board, wasm, bundle });
  runFloor(BOARDS[board], wasm, bundle);
  const sim: number[] = [];
  const floor: number[] = [];
  const simCpu: number[] = [];
  const floorCpu: number[] = [];
  const cpuSeconds = (since: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) / 1e6;
  };
  let accesses = 0;
  let frames = 0;
  for (let i = 0; i < runs; i++) {
    let c0 = process.cpuUsage();
    let t0 = performance.now();
    const r = simulate({ board, wasm, bundle });
    const simWall = (performance.now() - t0) / 1000;
    simCpu.push(cpuSeconds(c0));
    if (r.haltCode !== 0) throw new Error(`${board} ${mode.label}: simulator run failed: ${r.error ?? r.lines.at(-1)}`);
    c0 = process.cpuUsage();
    t0 = performance.now();
    const f = runFloor(BOARDS[board], wasm, bundle);
    const floorWall = (performance.now() - t0) / 1000;
    floorCpu.push(cpuSeconds(c0));
    if (f.haltCode !== 0) throw new Error(`${board} ${mode.label}: floor run halted with ${f.haltCode}`);
    sim.push(seconds / simWall);
    floor.push(seconds / floorWall);
    accesses = r.accesses;
    frames = r.jack.frames;
  }
  const simMedian = median(sim);
  const floorMedian = median(floor);
  return { board, mode: mode.label, audioSeconds: seconds, sim, floor, simMedian, floorMedian, ratio: simMedian / floorMedian, cpuRatio: median(floorCpu) / median(simCpu), accessesPerPeriod: accesses / frames };
}

function piwave(args: string[]): { ms: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, "bin", "piwave.mjs"), ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`piwave ${args.join(" ")} exited with ${r.status ?? r.signal}: ${r.stderr || r.stdout.slice(-2000)}`);
  return { ms, stdout: r.stdout };
}

export interface CliSpeed {
  /** Whole `piwave sim --quiet --bundle <3-minute plain song>` process, ms per run. */
  songMs: number[];
  songAudioSeconds: number;
  /** The demo: whole `piwave sim --quiet` process vs `simulate()` in this process, ms per run. */
  demoCliMs: number[];
  demoInProcessMs: number[];
  /** A worker running a bundle with no tracks, vs the same in-process: the worker's start-up cost, ms per run. */
  workerEmptyMs: number[];
  inProcessEmptyMs: number[];
  /** A Node process that does nothing (`node -e 0`), ms per run: the part no code of ours can remove. */
  nodeMs: number[];
}

/**
 * `piwave sim` as users run it: a 3-minute stereo mp3 that ffmpeg generates
 * here, converted once by the convert step (like a cached conversion), then
 * simulated by whole processes.
 */
export async function benchCli(runs: number): Promise<CliSpeed> {
  const board: BoardName = "pi4";
  await buildFirmware(board);
  const dir = mkdtempSync(join(tmpdir(), "piwave-bench-sim-"));
  try {
    const song = join(dir, "three-minutes.mp3");
    execFileSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=180", "-f", "lavfi", "-i", "anoisesrc=d=180:c=pink:r=44100:a=0.1", "-filter_complex", "[0][1]amerge=inputs=2", "-c:a", "libmp3lame", "-b:a", "192k", song]);
    const { convertFile } = await import("../host/audio/convert.js");
    const c = await convertFile(song, { board: BOARDS[board], cacheDir: join(dir, "cache") });
    const songBundle = join(dir, "song.pwb");
    writeFileSync(songBundle, encodeBundle([{ name: c.name, rateMilliHz: c.rateMilliHz, pcm: c.pcm }]));
    const songAudioSeconds = c.pcm.length / 2 / (c.rateMilliHz / 1000);

    const demo = demoBundle(board, join(dir, "demo"));
    const wasm = new WebAssembly.Module(loadFirmware(board));
    const empty = encodeBundle([]);
    const out: CliSpeed = { songMs: [], songAudioSeconds, demoCliMs: [], demoInProcessMs: [], workerEmptyMs: [], inProcessEmptyMs: [], nodeMs: [] };
    simulate({ board, wasm, bundle: demo.bundle }); // warm-up
    piwave(["sim", "--quiet", "--bundle", songBundle]);
    for (let i = 0; i < runs; i++) {
      out.songMs.push(piwave(["sim", "--quiet", "--bundle", songBundle]).ms);
      out.demoCliMs.push(piwave(["sim", "--quiet", "--bundle", demo.path]).ms);
      let t0 = performance.now();
      const r = simulate({ board, wasm, bundle: demo.bundle });
      out.demoInProcessMs.push(performance.now() - t0);
      if (r.haltCode !== 0) throw new Error(`demo in-process: ${r.error ?? r.lines.at(-1)}`);
      t0 = performance.now();
      await simulateInWorker({ board, wasm: loadFirmware(board), bundle: empty }, { timeoutMs: 60_000 });
      out.workerEmptyMs.push(performance.now() - t0);
      t0 = performance.now();
      simulate({ board, wasm, bundle: empty });
      out.inProcessEmptyMs.push(performance.now() - t0);
      t0 = performance.now();
      execFileSync(process.execPath, ["-e", "0"]);
      out.nodeMs.push(performance.now() - t0);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

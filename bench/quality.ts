/**
 * Benchmark figures for the sound, all measured from the pulse train
 * (host/quality/pulse.ts) of the real firmware on the simulated Pi: tone,
 * IMD, noise and square figures per mode, the frequency response, the
 * start/stop thump, and gaps under injected CPU stalls for poll vs DMA.
 */
import { parseSummary } from "../host/log-line.js";
import { BOARDS, type BoardName, type Quality, frameRateMilliHz, oversampling, pwmRange } from "../host/boards.js";
import { encodeBundle } from "../host/bundle.js";
import { type Variant, buildFirmware, loadFirmware } from "../host/firmware.js";
import { type ModeFigures, capture, fullScaleAmplitude, measureMode, railFraction, toneLevels, worstFigures, worstSinad } from "../host/quality/measure.js";
import { thump } from "../host/quality/thump.js";
import { simulate } from "../host/sim/machine.js";

export async function benchQuality(board: BoardName): Promise<ModeFigures[]> {
  return [await measureMode(board, { feed: "dma" }, "plain"), await measureMode(board, { feed: "dma", exact: true }, "plain exact"), await measureMode(board, { quality: "shaped", feed: "dma" }, "shaped")];
}

export interface ToneThdn {
  hz: number;
  /** THD+N (dB, worse channel, from the pulse train) of a −1 dBFS tone: plain with the bundle pre-compensated on the host (what `piwave build` writes), plain corrected in real time by the firmware (< 8 kHz, a bundle without pre-compensation), plain bit-exact (none), shaped. */
  plainHost: number;
  /** The same with the host's exact setting (`--precompensation exact`); plainHost is the default, fast one. */
  plainHostExact: number;
  plainRealTime: number;
  plainExact: number;
  shaped: number;
}

/** THD+N of −1 dBFS tones at 1, 5, 10 and 15 kHz in every plain correction and in shaped mode (issue 15, item 6). */
export async function benchToneThdn(board: BoardName): Promise<ToneThdn[]> {
  const out: ToneThdn[] = [];
  for (const hz of [1000, 5000, 10000, 15000]) {
    const tone = { kind: "tone" as const, dbfs: -1, hz };
    out.push({
      hz,
      plainHost: worstFigures(await capture(board, { feed: "dma" }, tone, { precompensation: "fast" })).thdnDb,
      plainHostExact: worstFigures(await capture(board, { feed: "dma" }, tone, { precompensation: "exact" })).thdnDb,
      plainRealTime: worstFigures(await capture(board, { feed: "dma" }, tone, { precompensation: "off" })).thdnDb,
      plainExact: worstFigures(await capture(board, { feed: "dma", exact: true }, tone)).thdnDb,
      shaped: worstFigures(await capture(board, { quality: "shaped", feed: "dma" }, tone)).thdnDb,
    });
  }
  return out;
}

export interface ShapedExtras {
  /** ±32767 square (64-frame period): SINAD (dB) and fraction of periods at a rail. */
  squareSinadDb: number;
  squareRails: number;
  /** Samples with the half-band's tap signs (the largest overs): fraction of periods at a rail. */
  worstRails: number;
  /** Largest deviation (dB) of tones from 20 Hz to 20 kHz. */
  flatnessDb: number;
}

export async function benchShapedExtras(board: BoardName): Promise<ShapedExtras> {
  const v: Variant = { quality: "shaped", feed: "dma" };
  const sq = await capture(board, v, { kind: "square", periodFrames: 64, amplitude: 32767 });
  const worst = await capture(board, v, { kind: "worst-overs" });
  const tones = await capture(board, v, { kind: "tones", dbfs: -20, hz: [20, 100, 1000, 5000, 10000, 15000, 18000, 19000, 19500, 20000] });
  const dev = Math.max(...(["left", "right"] as const).flatMap((ch) => toneLevels(tones, ch).map((l) => Math.abs(l + 20))));
  return { squareSinadDb: worstSinad(sq), squareRails: railFraction(sq), worstRails: railFraction(worst), flatnessDb: dev };
}

export interface ThumpFigure {
  label: string;
  peakDbfs: number;
  rampSeconds: number;
}

/** Start/stop thump of the default (shipped) ramps through the first-order 20 Hz model, plus the old 32 ms ramp for reference. */
export async function benchThump(): Promise<ThumpFigure[]> {
  const runs: [string, BoardName, Variant][] = [
    ["pi4 plain, 32 ms ramp (before)", "pi4", { rampMs: 32 }],
    ["pi4 plain", "pi4", {}],
    ["pi3 plain", "pi3", {}],
    ["pi4 shaped", "pi4", { quality: "shaped", feed: "dma" }],
  ];
  const out: ThumpFigure[] = [];
  for (const [label, board, v] of runs) {
    const q: Quality = v.quality ?? "plain";
    await buildFirmware(board, { variant: v });
    const rate = frameRateMilliHz(BOARDS[board], q);
    const r = simulate({ board, wasm: loadFirmware(board, v), bundle: encodeBundle([{ name: "silence", rateMilliHz: rate, pcm: new Int16Array(Math.round(rate / 20000) * 2) }]), maxSeconds: 120 });
    const range = pwmRange(BOARDS[board], q);
    const fr = (rate / 1000) * oversampling(q);
    const a = fullScaleAmplitude(range, q);
    const peak = Math.max(thump(r.jack.left.view(), range, fr, a).peakDbfs, thump(r.jack.right.view(), range, fr, a).peakDbfs);
    out.push({ label, peakDbfs: peak, rampSeconds: r.jack.left.length / fr / 2 });
  }
  return out;
}

export interface StallFigure {
  label: string;
  gapPeriods: number;
  firmwareUnderruns: number;
  stalls: number;
}

export async function benchStalls(board: BoardName, seconds = 2): Promise<StallFigure[]> {
  const rate = frameRateMilliHz(BOARDS[board]);
  const n = Math.round((rate / 1000) * seconds);
  const pcm = new Int16Array(n * 2).map((_, i) => Math.round(8000 * Math.sin(i * 0.05)));
  const bundle = encodeBundle([{ name: "stall", rateMilliHz: rate, pcm }]);
  const out: StallFigure[] = [];
  for (const [label, v] of [["FIFO polling", {}], ["DMA", { feed: "dma" }]] as [string, Variant][]) {
    await buildFirmware(board, { variant: v });
    const r = simulate({ board, wasm: loadFirmware(board, v), bundle, stall: { everyMs: 100, forMs: 5 } });
    const s = r.lines.map(parseSummary).find((x) => x !== null);
    out.push({ label, gapPeriods: r.jack.gaps[0] + r.jack.gaps[1], firmwareUnderruns: s?.underruns ?? NaN, stalls: r.machine.bus.stalls });
  }
  return out;
}

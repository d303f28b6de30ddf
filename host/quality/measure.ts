/**
 * Measuring what comes out of the simulated jack: a coherent test tone (or
 * silence) is played by the real firmware on the simulated Pi, the PWM
 * output goes through the analog model (analog.ts), and a window of exactly
 * N audio frames (an integer number of tone cycles) is analysed over
 * 20 Hz–20 kHz (spectrum.ts).
 */
import { BOARDS, type BoardName, frameRateMilliHz, oversampling, pwmRange } from "../boards.js";
import { encodeBundle } from "../bundle.js";
import { type Variant, buildFirmware, loadFirmware } from "../firmware.js";
import { simulate } from "../sim/machine.js";
import { renderAnalog } from "./analog.js";
import { type ToneFigures, bandNoiseDbfs, powerSpectrum, toneFigures } from "./spectrum.js";

/** Audio frames in the analysis window. */
export const WINDOW_FRAMES = 16384;
/** firmware/dsp/shaper.ts MARGIN (tests/boards.test.ts checks the built firmware agrees). */
export const SHAPER_MARGIN = 12;

export interface Capture {
  /** Analog model output, one value per PWM period, both channels. */
  left: Float64Array;
  right: Float64Array;
  /** PWM frame rate (Hz). */
  rate: number;
  /** Index of the analysis window's first sample. */
  start: number;
  /** Samples in the window (WINDOW_FRAMES × oversampling). */
  length: number;
  /** Power of a full-scale sine at the output (analog units). */
  fullScalePower: number;
  /** Tone bin in the window's spectrum (0 for silence). */
  bin: number;
  toneHz: number;
  gaps: number;
  haltCode: number | null;
}

/** Play `dbfs` (or silence with null) at ~1 kHz through the firmware `variant`; capture the analog output. */
export async function capture(board: BoardName, variant: Variant, dbfs: number | null): Promise<Capture> {
  const q = variant.quality ?? "plain";
  await buildFirmware(board, { variant });
  const rateMilli = frameRateMilliHz(BOARDS[board], q);
  const rate = rateMilli / 1000;
  const osr = oversampling(q);
  const bin = dbfs === null ? 0 : Math.round((1000 * WINDOW_FRAMES) / rate);
  const pre = Math.round(rate * 0.25);
  const frames = pre + WINDOW_FRAMES + Math.round(rate * 0.03);
  const amp = dbfs === null ? 0 : 32767 * 10 ** (dbfs / 20);
  const pcm = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    const s = Math.round(amp * Math.sin((2 * Math.PI * bin * i) / WINDOW_FRAMES));
    pcm[2 * i] = s;
    pcm[2 * i + 1] = s;
  }
  const r = simulate({ board, wasm: loadFirmware(board, variant), bundle: encodeBundle([{ name: "test tone", rateMilliHz: rateMilli, pcm }]), maxSeconds: 60 });
  const range = pwmRange(BOARDS[board], q);
  const clock = r.jack.clockHz;
  const left = renderAnalog(r.jack.left.view(), range, clock);
  const right = renderAnalog(r.jack.right.view(), range, clock);
  // The track starts after the 0 → mid ramp (at most 2048 audio frames); the window starts `pre` frames later.
  const start = (2048 + 64 + pre) * osr;
  // A full-scale sine swings over the whole usable duty range: its amplitude in 0..1 units.
  const usable = q === "shaped" ? range - 1 - 2 * SHAPER_MARGIN : range;
  const a = usable / range / 2;
  return {
    left,
    right,
    rate: rate * osr,
    start,
    length: WINDOW_FRAMES * osr,
    fullScalePower: (a * a) / 2,
    bin,
    toneHz: (bin * rate) / WINDOW_FRAMES,
    gaps: r.jack.gaps[0] + r.jack.gaps[1],
    haltCode: r.haltCode,
  };
}

export function windowOf(c: Capture, ch: "left" | "right" = "left"): Float64Array {
  const x = c[ch];
  if (c.start + c.length > x.length) throw new Error(`capture too short: ${x.length} samples, the window ends at ${c.start + c.length}`);
  return x.subarray(c.start, c.start + c.length);
}

export interface ModeFigures {
  label: string;
  fullScale: ToneFigures;
  lowLevel: ToneFigures;
  idleNoiseDbfs: number;
  gaps: number;
}

export async function measureMode(board: BoardName, variant: Variant, label: string): Promise<ModeFigures> {
  const fs = await capture(board, variant, -1);
  const low = await capture(board, variant, -60);
  const idle = await capture(board, variant, null);
  const f = (c: Capture) => toneFigures(powerSpectrum(windowOf(c)), c.rate, c.bin, c.fullScalePower);
  return {
    label,
    fullScale: f(fs),
    lowLevel: f(low),
    idleNoiseDbfs: bandNoiseDbfs(powerSpectrum(windowOf(idle)), idle.rate, idle.fullScalePower),
    gaps: fs.gaps + low.gaps + idle.gaps,
  };
}

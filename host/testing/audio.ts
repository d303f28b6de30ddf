/**
 * Measuring what came out of the simulated jack: a tone's frequency and
 * level on one channel, and whether the output starts and stops without a
 * click.
 *
 * Levels are in dBFS with the AES17 convention: a sine whose peaks reach the
 * PWM's 0 and full duty (the whole range) is 0 dBFS, so a square wave of the
 * same swing is +3 dBFS. The frequency is read from the upward crossings of
 * the signal's mean (interpolated between frames): exact for a clean
 * periodic tone, meaningless for noise or chords.
 *
 * A click is a jump of the output. The PWM idles at duty 0 (0 V) while
 * silence is mid-scale (range/2), so a firmware must ramp from 0 to
 * mid-scale before playing and back after, slowly enough that the step is
 * inaudible (piwave's player takes 11-19 s each way so that the jack's
 * AC-coupled output does not thump, firmware/audio/producer.ts; a build with
 * the `rampMs` option, host/firmware.ts `Variant`, ramps faster for tests).
 * `clickCheck` looks at exactly those ramps: the output must start and end
 * at the idle level and, from there to the first (or after the last) frame
 * at mid-scale (within one duty level of range/2: silence is range/2 in
 * piwave's plain mode, (range − 1)/2 in its shaped mode), never move by more
 * than `maxStep` duty units per frame.
 *
 * Both read the jack at the audio rate (`JackCapture.audio`, ./audio-band.ts):
 * in plain mode the duty values themselves; in the shaped mode (16 PWM
 * periods per frame, the quantisation noise pushed above 20 kHz) the duty
 * values low-passed to the audio band and decimated, as the jack's filter
 * and the ear take them. "Frames" are audio frames, duty units those of the
 * PWM's range.
 */
import type { JackCapture } from "./run.js";

export type Channel = "left" | "right";

export interface Window {
  /** Start of the measured part, in ms from the first frame (default: a quarter of the recording). */
  fromMs?: number;
  /** End of the measured part (default: three quarters of the recording). */
  toMs?: number;
}

export interface ToneMeasurement {
  /** Fundamental frequency in Hz (NaN when fewer than two periods were found). */
  frequencyHz: number;
  /** RMS level in dBFS (AES17; -Infinity for silence). */
  levelDbfs: number;
  /** Peak deviation from the mean, as a fraction of full scale (1 = the whole range's half). */
  peak: number;
  /** Mean of the measured part in [-1, 1] (0 = mid-scale). */
  dc: number;
  /** The measured audio frames [from, to) (`JackCapture.audioRateHz`). */
  from: number;
  to: number;
}

function frameRange(jack: JackCapture, w: Window): [number, number] {
  const n = Math.ceil(jack.frames / jack.oversampling);
  const rate = jack.audioRateHz || 1;
  const from = w.fromMs === undefined ? Math.floor(n / 4) : Math.round((w.fromMs / 1000) * rate);
  const to = w.toMs === undefined ? Math.floor((3 * n) / 4) : Math.round((w.toMs / 1000) * rate);
  return [Math.max(0, Math.min(from, n)), Math.max(0, Math.min(to, n))];
}

/** Frequency and level of the tone on `channel` within the window. */
export function measureTone(jack: JackCapture, channel: Channel, w: Window = {}): ToneMeasurement {
  const [from, to] = frameRange(jack, w);
  const x = jack.audio(channel).subarray(from, to);
  const n = x.length;
  if (n === 0) return { frequencyHz: NaN, levelDbfs: -Infinity, peak: 0, dc: 0, from, to };
  let dc = 0;
  for (let i = 0; i < n; i++) dc += x[i]!;
  dc /= n;
  let sq = 0;
  let peak = 0;
  let first = NaN;
  let last = NaN;
  let crossings = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i]! - dc;
    sq += v * v;
    peak = Math.max(peak, Math.abs(v));
    if (i > 0) {
      const p = x[i - 1]! - dc;
      if (p < 0 && v >= 0) {
        const t = i - 1 + p / (p - v);
        if (crossings === 0) first = t;
        last = t;
        crossings++;
      }
    }
  }
  const rms = Math.sqrt(sq / n);
  const frequencyHz = crossings >= 2 ? ((crossings - 1) * jack.audioRateHz) / (last - first) : NaN;
  return { frequencyHz, levelDbfs: 20 * Math.log10(rms * Math.SQRT2), peak, dc, from, to };
}

export interface ClickOptions {
  /** Largest allowed change per audio frame on the ramps, in duty units (default: range/2/256; in plain mode at least 1). */
  maxStep?: number;
  /** Which ends to check (default both). */
  start?: boolean;
  stop?: boolean;
}

/** What `clickCheck` found; `problems` is empty when the output is click-free. */
export interface ClickReport {
  problems: string[];
  maxStep: number;
  /** Audio frames of the start ramp (idle to mid-scale) and of the stop ramp, when found. */
  startRamp?: [number, number];
  stopRamp?: [number, number];
}

function largestStep(d: Float64Array, from: number, to: number): { step: number; at: number } {
  let step = 0;
  let at = from;
  for (let i = from + 1; i <= to; i++) {
    const s = Math.abs(d[i]! - d[i - 1]!);
    if (s > step) [step, at] = [s, i];
  }
  return { step, at };
}

/** Check the start and stop ramps of `channel` (see the module comment). */
export function clickCheck(jack: JackCapture, channel: Channel, o: ClickOptions = {}): ClickReport {
  const half = jack.range / 2;
  // Plain: the integer duty values. Oversampled: the audio band, back in duty units.
  const d = jack.oversampling === 1 ? Float64Array.from(channel === "left" ? jack.left : jack.right) : jack.audio(channel).map((v) => v * half + half);
  const maxStep = o.maxStep ?? (jack.oversampling === 1 ? Math.max(1, Math.ceil(half / 256)) : half / 256);
  const problems: string[] = [];
  const report: ClickReport = { problems, maxStep };
  if (d.length === 0) {
    problems.push(`the ${channel} channel output nothing (the PWM never ran)`);
    return report;
  }
  const mid = jack.range / 2;
  // Within one level of range/2: a firmware's silence may be range/2 or (range − 1)/2 (piwave's shaped mode).
  const atMid = (v: number) => Math.abs(v - mid) <= Math.max(maxStep, 1);
  const ms = (i: number) => `${((i / (jack.audioRateHz || 1)) * 1000).toFixed(2)} ms`;
  const duty = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
  if (o.start !== false) {
    if (d[0]! > maxStep) problems.push(`the ${channel} channel starts at duty ${duty(d[0]!)} instead of the idle level 0: a click at switch-on`);
    const end = d.findIndex(atMid);
    if (end < 0) problems.push(`the ${channel} channel never reaches mid-scale (${mid}): there is no start ramp to silence`);
    else {
      report.startRamp = [0, end];
      const s = largestStep(d, 0, end);
      if (s.step > maxStep) problems.push(`the ${channel} channel jumps by ${duty(s.step)} (more than ${duty(maxStep)}) at frame ${s.at} (${ms(s.at)}) on its way from idle to mid-scale`);
    }
  }
  if (o.stop !== false) {
    const lastIdx = d.length - 1;
    if (d[lastIdx]! > maxStep) problems.push(`the ${channel} channel ends at duty ${duty(d[lastIdx]!)} instead of the idle level 0: a click at switch-off (or it was still playing)`);
    let begin = -1;
    for (let i = lastIdx; i >= 0; i--) {
      if (atMid(d[i]!)) {
        begin = i;
        break;
      }
    }
    if (begin < 0) problems.push(`the ${channel} channel is never at mid-scale (${mid}) before it stops: there is no stop ramp`);
    else {
      report.stopRamp = [begin, lastIdx];
      const s = largestStep(d, begin, lastIdx);
      if (s.step > maxStep) problems.push(`the ${channel} channel jumps by ${duty(s.step)} (more than ${duty(maxStep)}) at frame ${s.at} (${ms(s.at)}) on its way from mid-scale to idle`);
    }
  }
  return report;
}

/**
 * Measuring what comes out of the simulated jack: a test signal (a tone,
 * two tones, a square, white noise or silence) is played by the real
 * firmware on the simulated Pi, and a window of exactly N audio frames,
 * coherent with the signal (every test signal repeats an integer number of
 * times in it), is analysed over 20 Hz–20 kHz on both channels.
 *
 * The figures come from the pulse train itself (pulse.ts): the duty of every
 * PWM period as the simulated PWM recorded it, turned into the exact
 * spectrum of the pin's square pulses. That is what a perfect band-limiting
 * filter after the pin would pass, with nothing folded or smoothed.
 *
 * The per-period average of the RC model (analog.ts) is still captured: the
 * report draws its waveform and its wide-band spectrum (the shaped noise up
 * to the frame rate), and sox cross-checks the analog model on it. It is not
 * used for figures: sampling once per period folds the carrier's sidebands
 * into the audio band (THD+N −90.6 dB where the pulse train has −98 in
 * shaped mode) and its boxcar average droops and hides in-band noise
 * (a plain-mode 3rd harmonic −42.6 dBc where it is −56.5).
 */
import { BOARDS, type BoardName, frameRateMilliHz, oversampling, pwmRange } from "../boards.js";
import { encodeBundle } from "../bundle.js";
import { type Variant, buildFirmware, loadFirmware } from "../firmware.js";
import { simulate } from "../sim/machine.js";
import { HALFBAND_BETA, HALFBAND_TAPS, designHalfband } from "../dsp/halfband.js";
import { renderAnalog } from "./analog.js";
import { type PulseAlign, pulseSpectrum } from "./pulse.js";
import { type ToneFigures, bandNoiseDbfs, fft, toneFigures } from "./spectrum.js";

/** Audio frames in the analysis window. */
export const WINDOW_FRAMES = 16384;
/** firmware/dsp/shaper.ts MARGIN and HEADROOM (tests/boards.test.ts checks the built firmware agrees). */
export const SHAPER_MARGIN = 4.5;
export const SHAPER_HEADROOM = 1.6;
/** Highest frequency analysed (the band is 20 Hz–20 kHz; a little more is kept for plots). */
export const ANALYSIS_TOP_HZ = 21500;

/** Test signals. Levels are dBFS of the 16-bit source (0 dBFS = a ±32767 sine, or a ±32767 square). */
export type Signal =
  | { kind: "silence" }
  | { kind: "tone"; dbfs: number; hz?: number }
  | { kind: "twin"; dbfs: number; hz1: number; hz2: number }
  /** Several tones at once, each at `dbfs` (a frequency-response sweep in one capture). */
  | { kind: "tones"; dbfs: number; hz: number[] }
  | { kind: "square"; periodFrames: number; amplitude: number }
  | { kind: "noise"; peakDbfs: number; seed: number }
  /** Full-scale samples whose signs follow the half-band's taps: the largest inter-sample over any 16-bit input can make (2.83× full scale). */
  | { kind: "worst-overs" };

export interface Capture {
  board: BoardName;
  signal: Signal;
  /** Duty per PWM period as the simulated PWM recorded it, both channels. */
  dutyLeft: Uint16Array;
  dutyRight: Uint16Array;
  range: number;
  /** PWM periods per audio frame. */
  osr: number;
  /** Analog model output (RC, averaged over each period): for plots and the sox cross-check. */
  left: Float64Array;
  right: Float64Array;
  /** PWM frame rate (Hz). */
  rate: number;
  /** Index of the analysis window's first PWM period. */
  start: number;
  /** PWM periods in the window (WINDOW_FRAMES × oversampling). */
  length: number;
  /** Power of a full-scale sine at the pin (0..1 units). */
  fullScalePower: number;
  /** The source's window (WINDOW_FRAMES frames per channel), for SINAD. */
  sourceLeft: Int16Array;
  sourceRight: Int16Array;
  /** Tone bins in the window's spectrum (empty for silence, square and noise). */
  bins: number[];
  /** The first tone bin (0 for silence). */
  bin: number;
  toneHz: number;
  gaps: number;
  haltCode: number | null;
}

/** The ramp length the measurement builds use: the ramps are not what these captures measure. */
export const MEASURE_RAMP_MS = 20;

function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** One window's worth (WINDOW_FRAMES) of the signal, per channel; the capture repeats it. */
function signalWindow(sig: Signal, rate: number): { left: Int16Array; right: Int16Array; bins: number[] } {
  const n = WINDOW_FRAMES;
  const left = new Int16Array(n);
  const right = new Int16Array(n);
  const binOf = (hz: number) => Math.round((hz * n) / rate);
  const clamp = (v: number) => Math.max(-32768, Math.min(32767, Math.round(v)));
  switch (sig.kind) {
    case "silence":
      return { left, right, bins: [] };
    case "tone": {
      const bin = binOf(sig.hz ?? 1000);
      const amp = 32767 * 10 ** (sig.dbfs / 20);
      for (let i = 0; i < n; i++) left[i] = right[i] = clamp(amp * Math.sin((2 * Math.PI * bin * i) / n));
      return { left, right, bins: [bin] };
    }
    case "twin": {
      const b1 = binOf(sig.hz1);
      const b2 = binOf(sig.hz2);
      const amp = 32767 * 10 ** (sig.dbfs / 20);
      for (let i = 0; i < n; i++) left[i] = right[i] = clamp(amp * (Math.sin((2 * Math.PI * b1 * i) / n) + Math.sin((2 * Math.PI * b2 * i) / n)));
      return { left, right, bins: [b1, b2] };
    }
    case "tones": {
      const bins = sig.hz.map(binOf);
      const amp = 32767 * 10 ** (sig.dbfs / 20);
      for (let i = 0; i < n; i++) {
        let v = 0;
        // Phases spread (Schroeder-like) so the peaks do not add up.
        bins.forEach((b, j) => (v += Math.sin((2 * Math.PI * b * i) / n + (Math.PI * j * j) / bins.length)));
        left[i] = right[i] = clamp(amp * v);
      }
      return { left, right, bins };
    }
    case "square": {
      if (n % sig.periodFrames !== 0) throw new Error(`square period ${sig.periodFrames} does not divide the ${n}-frame window`);
      for (let i = 0; i < n; i++) left[i] = right[i] = i % sig.periodFrames < sig.periodFrames / 2 ? sig.amplitude : -sig.amplitude;
      return { left, right, bins: [] };
    }
    case "worst-overs": {
      const taps = designHalfband(HALFBAND_TAPS, HALFBAND_BETA);
      const mid = (HALFBAND_TAPS - 1) / 2;
      const odd = taps.filter((_, i) => (i - mid) % 2 !== 0);
      for (let i = 0; i < n; i++) left[i] = right[i] = odd[odd.length - 1 - (i % odd.length)]! >= 0 ? 32767 : -32768;
      return { left, right, bins: [] };
    }
    case "noise": {
      // Uniform white noise, peak at peakDbfs; independent channels.
      const peak = 32767 * 10 ** (sig.peakDbfs / 20);
      const rl = xorshift(sig.seed);
      const rr = xorshift(sig.seed * 7919 + 1);
      for (let i = 0; i < n; i++) {
        left[i] = clamp((2 * rl() - 1) * peak);
        right[i] = clamp((2 * rr() - 1) * peak);
      }
      return { left, right, bins: [] };
    }
  }
}

/** Amplitude (0..1 units at the pin) of a ±32767 sine in `quality` mode at PWM range `range` (firmware/audio/producer.ts). */
export function fullScaleAmplitude(range: number, quality: "plain" | "shaped"): number {
  if (quality === "plain") return 0.5;
  return ((range - 1 - 2 * SHAPER_MARGIN) / 65536 / SHAPER_HEADROOM) * 32767 / range;
}

export interface CaptureOptions {
  /**
   * The bundle's plain-mode pre-compensation (host/bundle.ts): "auto" (what
   * `piwave build` writes) or "off" (the player then corrects in real time
   * below 8 kHz). Default: "auto", "off" for the bit-exact build.
   */
  precompensation?: "auto" | "fast" | "exact" | "off";
}

/** Play `signal` (a number: a 1 kHz tone at that dBFS; null: silence) through the firmware `variant`; capture the jack. */
export async function capture(board: BoardName, variant: Variant, signal: Signal | number | null, options: CaptureOptions = {}): Promise<Capture> {
  const sig: Signal = signal === null ? { kind: "silence" } : typeof signal === "number" ? { kind: "tone", dbfs: signal } : signal;
  const v: Variant = { rampMs: MEASURE_RAMP_MS, ...variant };
  const q = v.quality ?? "plain";
  await buildFirmware(board, { variant: v });
  const rateMilli = frameRateMilliHz(BOARDS[board], q);
  const rate = rateMilli / 1000;
  const osr = oversampling(q);
  const win = signalWindow(sig, rate);
  // Settling before the window: the interpolator's delay and the shaper's start, 20 ms.
  const pre = Math.round(rate * 0.02);
  const frames = pre + WINDOW_FRAMES + Math.round(rate * 0.01);
  const pcm = new Int16Array(frames * 2);
  // The window starts `pre` frames into the track; the first half of the pre-roll fades in from 0, so the
  // track starts at 0 and the source adds no lead-in ramp (which would move the window).
  const fade = Math.floor(pre / 2);
  for (let i = 0; i < frames; i++) {
    const j = (((i - pre) % WINDOW_FRAMES) + WINDOW_FRAMES) % WINDOW_FRAMES;
    const g = i < fade ? i / fade : 1;
    pcm[2 * i] = Math.round(win.left[j]! * g);
    pcm[2 * i + 1] = Math.round(win.right[j]! * g);
  }
  const r = simulate({ board, wasm: loadFirmware(board, v), bundle: encodeBundle([{ name: "test signal", rateMilliHz: rateMilli, pcm }], { precompensation: options.precompensation ?? (v.exact ? "off" : "auto") }), maxSeconds: 60 });
  const range = pwmRange(BOARDS[board], q);
  const clock = r.jack.clockHz;
  const dutyLeft = r.jack.left.view().slice();
  const dutyRight = r.jack.right.view().slice();
  // The track starts after the up-ramp (producer.ts rampPeriods, plus the idle first period); the window `pre` frames later.
  const start = rampPeriods(v.rampMs!, rate * osr) + 1 + pre * osr;
  const bins = win.bins;
  return {
    board,
    signal: sig,
    dutyLeft,
    dutyRight,
    range,
    osr,
    left: renderAnalog(dutyLeft, range, clock),
    right: renderAnalog(dutyRight, range, clock),
    rate: rate * osr,
    start,
    length: WINDOW_FRAMES * osr,
    fullScalePower: fullScaleAmplitude(range, q) ** 2 / 2,
    sourceLeft: win.left,
    sourceRight: win.right,
    bins,
    bin: bins[0] ?? 0,
    toneHz: ((bins[0] ?? 0) * rate) / WINDOW_FRAMES,
    gaps: r.jack.gaps[0] + r.jack.gaps[1],
    haltCode: r.haltCode,
  };
}

/** PWM periods of the firmware's up-ramp (firmware/audio/producer.ts rampPeriods): RAMP_MS at the PWM frame rate, at least 1. */
export function rampPeriods(rampMs: number, pwmFrameRate: number): number {
  return Math.max(1, Math.floor((rampMs * pwmFrameRate) / 1000));
}

/** The analog model's window (RC output averaged per period). */
export function windowOf(c: Capture, ch: "left" | "right" = "left"): Float64Array {
  const x = c[ch];
  if (c.start + c.length > x.length) throw new Error(`capture too short: ${x.length} samples, the window ends at ${c.start + c.length}`);
  return x.subarray(c.start, c.start + c.length);
}

/** The pulse train's power spectrum over the window (spectrum.ts layout), bins up to ANALYSIS_TOP_HZ. */
export function pulsePower(c: Capture, ch: "left" | "right" = "left", align: PulseAlign = "start"): Float64Array {
  const duty = ch === "left" ? c.dutyLeft : c.dutyRight;
  const maxBin = Math.min(c.length / 2 - 1, Math.ceil((ANALYSIS_TOP_HZ * c.length) / c.rate));
  return pulseSpectrum(duty, c.range, c.start, c.length, maxBin, align).power;
}

/** Tone figures (SNR, THD+N, level) of one channel, from the pulse train. */
export function channelFigures(c: Capture, ch: "left" | "right", align: PulseAlign = "start"): ToneFigures {
  return toneFigures(pulsePower(c, ch, align), c.rate, c.bin, c.fullScalePower, 1);
}

/** The worse channel's tone figures. */
export function worstFigures(c: Capture): ToneFigures {
  const l = channelFigures(c, "left");
  const r = channelFigures(c, "right");
  return l.thdnDb >= r.thdnDb ? l : r;
}

/** Idle noise (dBFS, 20 Hz–20 kHz) of the louder channel. */
export function idleNoise(c: Capture): number {
  return Math.max(bandNoiseDbfs(pulsePower(c, "left"), c.rate, c.fullScalePower), bandNoiseDbfs(pulsePower(c, "right"), c.rate, c.fullScalePower));
}

/** Level (dBFS) of each tone of a "tones" capture, per channel: the frequency response at the pin. */
export function toneLevels(c: Capture, ch: "left" | "right"): number[] {
  const p = pulsePower(c, ch);
  return c.bins.map((b) => 10 * Math.log10((p[b - 1]! + p[b]! + p[b + 1]!) / c.fullScalePower));
}

export interface TwinFigures {
  /** Difference tone f2 − f1 and the in-band 3rd-order product 2f1 − f2, relative to the two tones (dB). */
  imdDb: number;
  /** Everything in band but the two tones, relative to them (dB). */
  tdnDb: number;
}

/** Intermodulation of a twin-tone capture (the worse channel). */
export function twinFigures(c: Capture): TwinFigures {
  const [b1, b2] = c.bins as [number, number];
  let worst: TwinFigures = { imdDb: -Infinity, tdnDb: -Infinity };
  for (const ch of ["left", "right"] as const) {
    const p = pulsePower(c, ch);
    const n = c.length;
    const lo = Math.ceil((20 * n) / c.rate);
    const hi = Math.floor((20000 * n) / c.rate);
    const lobe = (b: number) => p[b - 1]! + p[b]! + p[b + 1]!; // Hann: a tone is its bin ± 1
    const sig = lobe(b1) + lobe(b2);
    const imd = lobe(b2 - b1) + lobe(2 * b1 - b2);
    let rest = 0;
    for (let k = lo; k <= hi; k++) if (Math.abs(k - b1) > 1 && Math.abs(k - b2) > 1) rest += p[k]!;
    const f = { imdDb: 10 * Math.log10(imd / sig), tdnDb: 10 * Math.log10(rest / sig) };
    if (f.tdnDb > worst.tdnDb) worst = f;
  }
  return worst;
}

/**
 * SINAD of one channel against its source: the output minus the best linear,
 * smooth response to the source, over 20 Hz–20 kHz. The delay through the
 * DSP is found from the cross-correlation's peak (to a fraction of a frame)
 * and the (periodic) source shifted by it; then the response is fitted per bin over ±FIT bins as a
 * straight line in frequency (droop, the sub-frame delay's phase slope:
 * not error), and what the fit leaves is noise and distortion. The fit
 * absorbs about 2/(2·FIT + 1) of the noise; that is added back.
 */
const FIT = 16;

export function sinadDb(c: Capture, ch: "left" | "right"): number {
  const n = WINDOW_FRAMES;
  const src = ch === "left" ? c.sourceLeft : c.sourceRight;
  const duty = ch === "left" ? c.dutyLeft : c.dutyRight;
  const audioRate = c.rate / c.osr;
  const top = Math.floor((20000 * n) / audioRate);
  const lo = Math.ceil((20 * n) / audioRate);
  const spec = pulseSpectrum(duty, c.range, c.start, c.length, Math.min(c.length / 2 - 1, top + FIT + 1));
  // The delay through the DSP (whole frames): where the cross-correlation with the (periodic) source peaks.
  const x0r = Float64Array.from(src, (v) => v / n);
  const x0i = new Float64Array(n);
  fft(x0r, x0i);
  const cr = new Float64Array(n);
  const ci = new Float64Array(n);
  for (let k = lo; k <= top; k++) {
    cr[k] = spec.re[k]! * x0r[k]! + spec.im[k]! * x0i[k]!;
    ci[k] = -(spec.im[k]! * x0r[k]! - spec.re[k]! * x0i[k]!); // conjugated: the FFT below is an inverse one
  }
  fft(cr, ci);
  let best = 0;
  for (let d = 1; d < n; d++) if (cr[d]! > cr[best]!) best = d;
  // To a fraction of a frame: maximise Re Σ G_k e^(j2πkd/n) near the peak (golden-section search).
  const score = (d: number) => {
    let sum = 0;
    for (let k = lo; k <= top; k++) {
      const gr = spec.re[k]! * x0r[k]! + spec.im[k]! * x0i[k]!;
      const gi = spec.im[k]! * x0r[k]! - spec.re[k]! * x0i[k]!;
      const a = (2 * Math.PI * k * d) / n;
      sum += gr * Math.cos(a) - gi * Math.sin(a);
    }
    return sum;
  };
  let a = best - 1;
  let b = best + 1;
  for (let it = 0; it < 30; it++) {
    const m1 = a + (b - a) * 0.382;
    const m2 = a + (b - a) * 0.618;
    if (score(m1) < score(m2)) a = m1;
    else b = m2;
  }
  const delay = (a + b) / 2;
  // The source delayed by as much (it repeats every window, so the shift is exact: a phase ramp on its
  // spectrum), through the same Hann window as the output. Windows that disagree by even half a frame
  // would leave an error of −80 dB.
  const sr = new Float64Array(n);
  const si = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const f = k <= n / 2 ? k : k - n;
    const ang = (2 * Math.PI * f * delay) / n;
    // X·e^(−jang), conjugated for the inverse transform below
    sr[k] = x0r[k]! * Math.cos(ang) + x0i[k]! * Math.sin(ang);
    si[k] = -(x0i[k]! * Math.cos(ang) - x0r[k]! * Math.sin(ang));
  }
  sr[n / 2] = x0r[n / 2]! * Math.cos(Math.PI * delay); // Nyquist: keep the shifted source real
  si[n / 2] = 0;
  fft(sr, si);
  const xr = new Float64Array(n);
  for (let i = 0; i < n; i++) xr[i] = ((0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n)) / Math.sqrt(0.375)) * sr[i]!;
  const xi = new Float64Array(n);
  fft(xr, xi);
  const yr = spec.re;
  const yi = spec.im;
  let sig = 0;
  let err = 0;
  for (let k = lo; k <= top; k++) {
    // Least squares of Y ≈ (a + b·t)·X over t = j − k in ±FIT: a 2×2 real system with complex right-hand sides.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let r0 = 0;
    let i0 = 0;
    let r1 = 0;
    let i1 = 0;
    for (let j = Math.max(2, k - FIT); j <= k + FIT; j++) { // bin 1 holds the DC (Hann), not signal
      const t = j - k;
      const p = xr[j]! ** 2 + xi[j]! ** 2;
      const cr = yr[j]! * xr[j]! + yi[j]! * xi[j]!;
      const ci = yi[j]! * xr[j]! - yr[j]! * xi[j]!;
      s0 += p;
      s1 += t * p;
      s2 += t * t * p;
      r0 += cr;
      i0 += ci;
      r1 += t * cr;
      i1 += t * ci;
    }
    const det = s0 * s2 - s1 * s1;
    let hr = 0;
    let hi = 0;
    if (det > 1e-12 * s0 * s2) {
      hr = (s2 * r0 - s1 * r1) / det;
      hi = (s2 * i0 - s1 * i1) / det;
    } else if (s0 > 0) {
      hr = r0 / s0;
      hi = i0 / s0;
    }
    const fr = hr * xr[k]! - hi * xi[k]!;
    const fi = hr * xi[k]! + hi * xr[k]!;
    sig += fr * fr + fi * fi;
    err += (yr[k]! - fr) ** 2 + (yi[k]! - fi) ** 2;
  }
  return 10 * Math.log10(sig / (err * ((2 * FIT + 1) / (2 * FIT - 1))));
}

/** The worse channel's SINAD. */
export function worstSinad(c: Capture): number {
  return Math.min(sinadDb(c, "left"), sinadDb(c, "right"));
}

/** Fraction of the window's PWM periods at a rail (duty 0 or range − 1 and up), both channels. */
export function railFraction(c: Capture): number {
  let hits = 0;
  for (const d of [c.dutyLeft, c.dutyRight]) for (let i = c.start; i < c.start + c.length; i++) if (d[i]! === 0 || d[i]! >= c.range - 1) hits++;
  return hits / (2 * c.length);
}

export interface ModeFigures {
  label: string;
  fullScale: ToneFigures;
  lowLevel: ToneFigures;
  idleNoiseDbfs: number;
  /** 19 + 20 kHz, each at −7 dBFS. */
  twin: TwinFigures;
  /** −3 dBFS-peak white noise. */
  noiseSinadDb: number;
  gaps: number;
}

export async function measureMode(board: BoardName, variant: Variant, label: string): Promise<ModeFigures> {
  const fs = await capture(board, variant, -1);
  const low = await capture(board, variant, -60);
  const idle = await capture(board, variant, null);
  const twin = await capture(board, variant, { kind: "twin", dbfs: -7, hz1: 19000, hz2: 20000 });
  const noise = await capture(board, variant, { kind: "noise", peakDbfs: -3, seed: 1 });
  return {
    label,
    fullScale: worstFigures(fs),
    lowLevel: worstFigures(low),
    idleNoiseDbfs: idleNoise(idle),
    twin: twinFigures(twin),
    noiseSinadDb: worstSinad(noise),
    gaps: fs.gaps + low.gaps + idle.gaps + twin.gaps + noise.gaps,
  };
}

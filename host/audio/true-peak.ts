/**
 * True-peak meter: the highest level of the continuous signal that a sequence
 * of samples stands for, not only of the samples themselves.
 *
 * Between two samples a band-limited signal can rise above both (an
 * "inter-sample peak"); a resampler, or the firmware's own oversampling in
 * the shaped mode, computes values there, and a signal whose samples are all
 * within full scale can then clip. ITU-R BS.1770-4 Annex 2 estimates the true
 * peak by oversampling four times and taking the largest magnitude; this meter
 * does the same with its own interpolator: at each of the three points a
 * quarter, half and three quarters of the way between two samples, a
 * 16-tap windowed-sinc (Kaiser, β = 5) over the eight samples either side.
 * Its gain error is within 0.03 dB up to 0.4 × the sample rate (17.6 kHz at
 * 44.1 kHz). Like every 4× meter it can read a tone low when the crest falls
 * between two of its points: by up to 20·log10(cos(π·f/4)) for a tone at f ×
 * the sample rate (0.03 dB at 0.1, 0.24 dB at 0.3). Both are checked in
 * tests/pipeline/true-peak.test.ts.
 *
 * Fed in chunks of interleaved stereo (streaming: the whole song never has to
 * be in one buffer). Stretches whose samples are too small, or change too
 * slowly, to exceed the peak found so far, whatever lies between them, are
 * skipped cheaply: every skip rests on a bound, so the reading is exactly the
 * one the full interpolation gives.
 */
import { besselI0 } from "../dsp/halfband.js";

const HALF = 8; // samples either side of the gap
const TAPS = 2 * HALF;
const PHASES = [0.25, 0.5, 0.75];
const BETA = 5;

/** coefficients[p][m]: weight of sample i - HALF + 1 + m for the point i + PHASES[p]. */
const COEFFICIENTS: Float64Array[] = PHASES.map((frac) => {
  const h = new Float64Array(TAPS);
  let sum = 0;
  for (let m = 0; m < TAPS; m++) {
    const t = m - (HALF - 1) - frac; // distance from the point to the sample
    const sinc = t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t);
    const w = besselI0(BETA * Math.sqrt(Math.max(0, 1 - (t / HALF) ** 2))) / besselI0(BETA);
    h[m] = sinc * w;
    sum += h[m]!;
  }
  for (let m = 0; m < TAPS; m++) h[m]! /= sum; // unity gain at DC
  return h;
});

/** The interpolator's weights per phase (for tests that check the meter against a plain evaluation of every point). */
export const TRUE_PEAK_WEIGHTS: readonly Float64Array[] = COEFFICIENTS;

/** The most an interpolated point can exceed the largest sample around it. */
const MAX_GAIN = Math.max(...COEFFICIENTS.map((h) => h.reduce((s, c) => s + Math.abs(c), 0)));
/** For a cheap bound per gap: the largest weight of the two samples beside it, and the sum of the others' weights. */
const NEAR = Math.max(...COEFFICIENTS.map((h) => Math.max(Math.abs(h[HALF - 1]!), Math.abs(h[HALF]!))));
const FAR = Math.max(...COEFFICIENTS.map((h) => h.reduce((s, c, m) => (m === HALF - 1 || m === HALF ? s : s + Math.abs(c)), 0)));
/**
 * For a bound from the curvature. Write each sample as the straight line
 * through the two samples beside the gap (x₀ before it, x₁ after it) plus a
 * remainder. The line's part of a point is x₀ + (x₁ − x₀)·μ, μ the weights'
 * first moment (about the point's position in the gap), at most LINE ×
 * max(|x₀|, |x₁|). The remainder of the sample at distance k from x₀ is a sum
 * of second differences with total weight |k(k−1)|/2, so at most that times
 * S, the largest |second difference| in the window. CURVE is the largest
 * Σ|h[m]|·|k(k−1)|/2. A signal near its crest changes slowly, so wherever the
 * two samples are not themselves near the peak found so far, the gap is
 * skipped without any interpolation.
 */
const LINE = Math.max(
  ...COEFFICIENTS.map((h) => {
    const mu = h.reduce((s, c, m) => s + c * (m - (HALF - 1)), 0);
    return Math.abs(1 - mu) + Math.abs(mu);
  }),
);
const CURVE = Math.max(...COEFFICIENTS.map((h) => h.reduce((s, c, m) => s + (Math.abs(c) * Math.abs((m - (HALF - 1)) * (m - HALF))) / 2, 0)));
/**
 * The same one order up, per phase: the quadratic through the sample before
 * the gap and its two neighbours (x₋₁, x₀, x₁) gives the point
 * QUAD[p]·(x₋₁, x₀, x₁) plus a remainder of at most CUBIC × T, T the largest
 * |third difference| in the window (the remainder of a sample at distance k
 * is a sum of third differences with total weight |(k+1)k(k−1)|/6). Near a
 * slow crest this bound is within a fraction of a percent of the point, so
 * only the few gaps at the crest itself are interpolated in full.
 */
const QUAD: Float64Array[] = COEFFICIENTS.map((h) => {
  // Lagrange weights of the quadratic through k = -1, 0, 1, summed against the taps.
  const q = new Float64Array(3);
  for (let m = 0; m < TAPS; m++) {
    const k = m - (HALF - 1);
    q[0]! += h[m]! * ((k * (k - 1)) / 2);
    q[1]! += h[m]! * (1 - k * k);
    q[2]! += h[m]! * ((k * (k + 1)) / 2);
  }
  return q;
});
const CUBIC = Math.max(
  ...COEFFICIENTS.map((h) => h.reduce((s, c, m) => {
    const k = m - (HALF - 1);
    return s + (Math.abs(c) * Math.abs((k + 1) * k * (k - 1))) / 6;
  }, 0)),
);
/** Per phase: the sum of the weights beyond the four nearest samples (|y| ≤ |four-tap value| + this × the largest sample). */
const BEYOND4 = COEFFICIENTS.map((h) => h.reduce((s, c, m) => (m >= HALF - 2 && m <= HALF + 1 ? s : s + Math.abs(c)), 0));
const BEYOND4_MIN = Math.min(...BEYOND4);
/** The weights of all three phases in one array (phase p's tap m at p × TAPS + m). */
const FLAT = Float64Array.from(COEFFICIENTS.flatMap((h) => [...h]));
/** Bounds are pruned only when below the peak by more than rounding could explain. */
const MARGIN = 1 + 1e-9;

const BLOCK = 64;

/** Streaming true-peak and sample-peak meter for interleaved stereo. */
export class TruePeakMeter {
  /** Largest |sample| seen (full scale = 1). */
  samplePeak = 0;
  /** Largest |value| seen, including the interpolated points (full scale = 1). */
  truePeak = 0;
  private history: Float32Array[] = [new Float32Array(TAPS - 1), new Float32Array(TAPS - 1)];
  private work: Float32Array[] = [new Float32Array(0), new Float32Array(0)];

  /** Feed interleaved L, R samples (full scale ±1). */
  push(interleaved: Float32Array): void {
    const frames = interleaved.length >> 1;
    for (let i = 0; i < interleaved.length; i++) {
      const a = Math.abs(interleaved[i]!);
      if (a > this.samplePeak) this.samplePeak = a;
    }
    if (this.samplePeak > this.truePeak) this.truePeak = this.samplePeak;
    for (let ch = 0; ch < 2; ch++) {
      const need = TAPS - 1 + frames;
      if (this.work[ch]!.length < need) this.work[ch] = new Float32Array(need);
      const buf = this.work[ch]!;
      buf.set(this.history[ch]!, 0);
      for (let i = 0; i < frames; i++) buf[TAPS - 1 + i] = interleaved[2 * i + ch]!;
      this.scan(buf, need);
      this.history[ch]!.set(buf.subarray(need - (TAPS - 1), need));
    }
  }

  /** Flush the last samples (the signal is taken as silent after them). */
  finish(): void {
    this.push(new Float32Array(2 * HALF));
  }

  /** Interpolate the gaps between buf[i] and buf[i+1] for every i whose window lies in buf[0..len). */
  private scan(buf: Float32Array, len: number): void {
    const first = HALF - 1;
    const last = len - 1 - HALF; // the window of gap i is buf[i-HALF+1 .. i+HALF]
    const h = FLAT;
    for (let b = first; b <= last; b += BLOCK) {
      const e = Math.min(last, b + BLOCK - 1);
      let local = 0;
      let curve = 0;
      let twist = 0;
      const start = b - HALF + 1;
      let x1 = buf[start]!;
      let d1 = 0;
      let c1 = 0;
      for (let j = start; j <= e + HALF; j++) {
        const x = buf[j]!;
        const a = x < 0 ? -x : x;
        if (a > local) local = a;
        const d = x - x1; // first difference ending at j (from j = start + 1)
        const c = d - d1; // second difference (from j = start + 2)
        if (j >= start + 2) {
          const ac = c < 0 ? -c : c;
          if (ac > curve) curve = ac;
          if (j >= start + 3) {
            const t = c - c1; // third difference
            const at = t < 0 ? -t : t;
            if (at > twist) twist = at;
          }
        }
        c1 = c;
        d1 = d;
        x1 = x;
      }
      const bend = curve * CURVE;
      const rest = twist * CUBIC;
      const quadFirst = rest < local * BEYOND4_MIN; // else the four-tap bound is the tighter one: skip this one
      if (Math.min(local * MAX_GAIN, local * LINE + bend) * MARGIN <= this.truePeak) continue;
      let peak = this.truePeak;
      for (let i = b; i <= e; i++) {
        const xb = buf[i]!;
        const xc = buf[i + 1]!;
        const ab = xb < 0 ? -xb : xb;
        const ac = xc < 0 ? -xc : xc;
        if (((ab > ac ? ab : ac) * LINE + bend) * MARGIN <= peak) continue;
        if ((NEAR * (ab + ac) + FAR * local) * MARGIN <= peak) continue;
        const o = i - HALF + 1;
        const xa = buf[i - 1]!;
        const xd = buf[i + 2]!;
        for (let ph = 0; ph < 3; ph++) {
          const q = QUAD[ph]!;
          if (quadFirst && (Math.abs(q[0]! * xa + q[1]! * xb + q[2]! * xc) + rest) * MARGIN <= peak) continue;
          const k = ph * TAPS;
          const near = h[k + HALF - 2]! * xa + h[k + HALF - 1]! * xb + h[k + HALF]! * xc + h[k + HALF + 1]! * xd;
          if ((Math.abs(near) + BEYOND4[ph]! * local) * MARGIN <= peak) continue;
          let y = 0;
          for (let m = 0; m < TAPS; m++) y += h[k + m]! * buf[o + m]!;
          const a = Math.abs(y);
          if (a > peak) peak = a;
        }
      }
      this.truePeak = peak;
    }
  }
}

/** Level in dB relative to full scale (−Infinity for silence). */
export function toDb(level: number): number {
  return level > 0 ? 20 * Math.log10(level) : -Infinity;
}

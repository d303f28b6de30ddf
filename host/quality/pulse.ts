/**
 * The spectrum of the jack's pulse train itself, exactly, below half the
 * PWM frame rate: the measurement every quality figure is read from.
 *
 * In mark/space mode (MSEN = 1) every PWM period of T = range clocks is one
 * pulse: high for `duty` clocks, then low (docs/pwm-ms-mode.md: the pulse
 * starts the period). So the pin is
 *     x(t) = Σₙ rect(t − nT; 0 ≤ t − nT < uₙT),   uₙ = dutyₙ / range,
 * and over a window of N periods (treated as one period of a periodic
 * signal: the test signals are coherent with it) its Fourier coefficient
 * at f_k = k / (N·T) is
 *     c_k = (1/N) Σₙ e^(−j2πkn/N) · (1 − e^(−jθuₙ)) / (jθ),   θ = 2πk/N.
 * The pulse's own coefficient expands as uₙ Σₘ (−jθuₙ)ᵐ/(m+1)!, so
 *     c_k = (1/N) Σₘ (−jθ)ᵐ/(m+1)! · FFT(u^(m+1))[k],
 * a short series of FFTs (θ ≤ π below half the frame rate; terms are added
 * until they fall below 1e−18).
 *
 * The window is Hann by default (each pulse weighted by w_n, scaled so
 * noise power is kept): the noise shaper's output is not periodic in the
 * window, and with a rectangular one the edges would leak its large
 * out-of-band noise into the band as a flat floor (−95 dBFS for shaped
 * idle, where the band really holds −110). A coherent tone then spreads
 * over its bin ± 1, and the figures sum those three bins. Nothing is averaged or resampled: the
 * carrier and its sidebands stay where they are (at and around multiples of
 * the frame rate), and what lies in the audio band is exactly what a perfect
 * band-limiting filter after the pin would pass.
 *
 * `bruteForceBins` computes the same coefficients the slow way, from the
 * pin's level at every PWM clock (a DFT of the 0/1 clock sequence times the
 * zero-order hold of one clock), as a cross-check on short excerpts.
 *
 * `align: "end"` models the other convention (the pulse at the end of each
 * period), to show what the pre-compensation would do were the hardware
 * the other way round.
 */
import { fft } from "./spectrum.js";

export type PulseAlign = "start" | "end";

export interface PulseSpectrum {
  /** Fourier coefficients c_k (real and imaginary parts), k = 0 .. maxBin. */
  re: Float64Array;
  im: Float64Array;
  /** One-sided power per bin (2|c_k|², 0 at DC), length N/2 with zeros above maxBin: same layout as spectrum.ts powerSpectrum. */
  power: Float64Array;
}

/** Coefficients of the pulse train of `duty[start .. start + n)` (n a power of two) for k ≤ maxBin (< n/2). */
export function pulseSpectrum(duty: ArrayLike<number>, range: number, start: number, n: number, maxBin: number, align: PulseAlign = "start", window: "hann" | "none" = "hann"): PulseSpectrum {
  if ((n & (n - 1)) !== 0) throw new Error(`pulse spectrum: window of ${n} periods is not a power of two`);
  if (start + n > duty.length) throw new Error(`pulse spectrum: window ${start}..${start + n} runs past the ${duty.length} recorded periods`);
  if (maxBin >= n / 2) throw new Error(`pulse spectrum: bin ${maxBin} is not below half the frame rate (${n / 2})`);
  const u = new Float64Array(n);
  for (let i = 0; i < n; i++) u[i] = Math.min(duty[start + i]!, range) / range;
  // Start-aligned pulse: (1 − e^(−jθu))/(jθ) = u·Σ (−jθu)^m/(m+1)!.
  // End-aligned pulse (from (1 − u)·T to T): e^(−jθ)·(e^(jθu) − 1)/(jθ) = e^(−jθ)·u·Σ (+jθu)^m/(m+1)!.
  const sign = align === "start" ? -1 : 1;
  // Hann window (each pulse weighted by w_n), normalised so noise power is kept (mean w² = 3/8).
  const w = new Float64Array(n).fill(1);
  if (window === "hann") for (let i = 0; i < n; i++) w[i] = (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n)) / Math.sqrt(0.375);
  const re = new Float64Array(maxBin + 1);
  const im = new Float64Array(maxBin + 1);
  const thetaMax = (2 * Math.PI * maxBin) / n;
  const pw = new Float64Array(n).fill(1); // u^(m+1), built up term by term
  let fact = 1; // (m+1)!
  for (let m = 0; ; m++) {
    fact *= m + 1;
    for (let i = 0; i < n; i++) pw[i] = pw[i]! * u[i]!;
    if (m > 0 && thetaMax ** m / fact < 1e-18) break;
    const fr = Float64Array.from(pw, (v, i) => v * w[i]!);
    const fi = new Float64Array(n);
    fft(fr, fi);
    const q = m & 3; // (sign·j)^m = 1, sign·j, −1, −sign·j
    for (let k = 0; k <= maxBin; k++) {
      const mag = ((2 * Math.PI * k) / n) ** m / fact;
      const cr = q === 0 ? mag : q === 2 ? -mag : 0;
      const ci = q === 1 ? sign * mag : q === 3 ? -sign * mag : 0;
      re[k] = re[k]! + (cr * fr[k]! - ci * fi[k]!) / n;
      im[k] = im[k]! + (cr * fi[k]! + ci * fr[k]!) / n;
    }
  }
  if (align === "end") {
    for (let k = 0; k <= maxBin; k++) {
      const theta = (2 * Math.PI * k) / n;
      const c = Math.cos(theta);
      const s = -Math.sin(theta);
      const r = re[k]! * c - im[k]! * s;
      im[k] = re[k]! * s + im[k]! * c;
      re[k] = r;
    }
  }
  const power = new Float64Array(n / 2);
  for (let k = 1; k <= maxBin; k++) power[k] = 2 * (re[k]! ** 2 + im[k]! ** 2);
  return { re, im, power };
}

/**
 * The same coefficients from the pin level at every PWM clock: for each bin,
 * a DFT of the 0/1 sequence (M·range clocks) times the zero-order hold of
 * one clock, (1 − e^(−jφ))/(jφ) with φ = 2πk/(M·range). Slow (M·range·bins
 * operations): for excerpts of a few hundred periods.
 */
export function bruteForceBins(duty: Uint16Array, range: number, start: number, m: number, bins: readonly number[], align: PulseAlign = "start"): { re: number; im: number }[] {
  const total = m * range;
  return bins.map((k) => {
    const phi = (2 * Math.PI * k) / total;
    const wr = Math.cos(phi);
    const wi = -Math.sin(phi);
    let sr = 0;
    let si = 0;
    for (let p = 0; p < m; p++) {
      const d = Math.min(duty[start + p]!, range);
      const first = align === "start" ? 0 : range - d;
      // e^(−jφ·i) at the period's first high clock, exact; then rotate clock by clock.
      const i0 = p * range + first;
      let cr = Math.cos(phi * i0);
      let ci = -Math.sin(phi * i0);
      for (let c = 0; c < d; c++) {
        sr += cr;
        si += ci;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
    // Zero-order hold of one clock: (1 − e^(−jφ))/(jφ).
    const hr = k === 0 ? 1 : Math.sin(phi) / phi;
    const hi = k === 0 ? 0 : (Math.cos(phi) - 1) / phi;
    return { re: (sr * hr - si * hi) / total, im: (sr * hi + si * hr) / total };
  });
}

/**
 * The start/stop thump: what the jack's DC ramps (0 V → mid-scale at the
 * start, back at the end) put into the audio band through the AC-coupling
 * capacitor.
 *
 * The model: the pin itself (each PWM period an M/S pulse, high for `duty`
 * clocks from the period's start, docs/pwm-ms-mode.md), through a
 * first-order high-pass at 20 Hz (the coupling capacitor into the load, the
 * issue's model), band-limited to the audio band by an ideal low-pass at
 * 20 kHz: the same band as every other figure (measure.ts), so neither the
 * PWM carrier (44.1 kHz in plain mode) nor the noise shaper's out-of-band
 * noise, which no one hears, counts as thump, while a click in the band
 * counts in full. The figure is the peak |y| over the run relative to a
 * full-scale sine's peak at the pin, in dBFS.
 *
 * How: the pin's spectrum below half the frame rate has pulse.ts's closed
 * form, c_k = (1/N) Σₘ (−jθ)ᵐ/(m+1)! · FFT(u^(m+1))[k] (θ = 2πk/N radians per
 * period, u = duty/range), over the whole run padded with a quarter second
 * of 0 V (the run starts and ends at 0 V, so the padded run is one period of
 * a periodic signal, and the capacitor has settled). The band's bins are
 * multiplied by the high-pass's response jf/(jf + 20 Hz), everything above
 * 20 kHz is dropped, and an inverse FFT gives y on the FFT's grid (44.1 or
 * 88.2 kHz); the largest local maxima are then refined between grid points
 * from the coefficients themselves (16 looks per grid step).
 *
 * Shaped mode's 16 periods per audio frame would make that FFT 2²⁵ long: its
 * u^(m+1) sequences are first low-passed (a Kaiser FIR flat to 20 kHz within
 * 10⁻⁵ dB, −110 dB from where anything would fold into the band) and
 * decimated by 8; the band is untouched. The series is summed until its
 * terms are below 10⁻⁷ of the signal (θ ≤ 0.18 at 20 kHz in shaped mode:
 * 6 terms; θ ≤ 2.85 in plain mode: 18).
 *
 * The floor this implies: an isolated one-clock pulse (area one PWM clock at
 * full level) band-limited to 20 kHz peaks at area · 40 kHz: 8 ns · 40 kHz =
 * 3.2·10⁻⁴ of the pin's swing at a 125 MHz PWM clock, −63.9 dBFS in plain
 * mode (full scale ±½) and −59.3 dBFS in shaped mode on a Pi 4 (full scale
 * ±0.295: range 177 less the margins and HEADROOM 1.6). Any ramp from 0 V
 * starts with such a pulse (docs/pwm-ms-mode.md#the-start-stop-thump).
 */
import { besselI0 } from "../dsp/halfband.js";
import { fft } from "./spectrum.js";

export const COUPLING_HZ = 20;
export const BAND_HZ = 20000;
/** 0 V after the run, so the padded run is one period of a periodic signal (the capacitor settles in 8 ms). */
const PAD_SECONDS = 0.25;
/** Series terms are summed until θmax^m/(m+1)! is below this. */
const SERIES_TOLERANCE = 1e-7;

export interface Thump {
  /** Peak through the 20 Hz high-pass in the 20 Hz–20 kHz band, dBFS (re a full-scale sine's peak). */
  peakDbfs: number;
  /** PWM period where the peak is. */
  at: number;
}

/** Kaiser-windowed low-pass FIR (odd length, DC gain 1) at `cutoff` cycles per sample. */
function kaiserLowpass(taps: number, cutoff: number, beta: number): Float64Array {
  const h = new Float64Array(taps);
  const mid = (taps - 1) / 2;
  let sum = 0;
  for (let i = 0; i < taps; i++) {
    const t = i - mid;
    const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
    const r = t / mid;
    h[i] = sinc * (besselI0(beta * Math.sqrt(1 - r * r)) / besselI0(beta));
    sum += h[i]!;
  }
  for (let i = 0; i < taps; i++) h[i] = h[i]! / sum;
  return h;
}

/** Decimation for the FFT: 8 when the frame rate is at least 8 × 88.2 kHz (shaped), else none. */
export function decimation(frameRate: number): number {
  return frameRate >= 8 * 88000 ? 8 : 1;
}

/**
 * Thump of a recorded duty sequence `duty` (one channel) at PWM frame rate
 * `frameRate` and range `range`; `fullScaleAmplitude` is a full-scale sine's
 * peak at the pin (0..1 units). `from`/`to` limit where the peak is looked
 * for (the signal before `to` is used; the pin is taken to be at 0 V after it).
 */
export function thump(duty: ArrayLike<number>, range: number, frameRate: number, fullScaleAmplitude: number, from = 0, to = duty.length): Thump {
  const len = duty.length;
  const dec = decimation(frameRate);
  const rate = frameRate / dec; // of the FFT's grid
  const fir = dec > 1 ? kaiserLowpass(105, 1 / (2 * dec), 11.2) : new Float64Array([1]);
  const half = (fir.length - 1) / 2;
  let n = 1;
  while (n < Math.ceil(len / dec) + half + PAD_SECONDS * rate) n *= 2;
  const kMax = Math.floor((BAND_HZ * n) / rate);
  const thetaMax = (2 * Math.PI * kMax) / (n * dec);
  const cr = new Float64Array(kMax + 1);
  const ci = new Float64Array(kMax + 1);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const d = Uint16Array.from({ length: len }, (_, i) => Math.min(duty[i]!, range));
  // Terms m = 0 .. terms − 1, until θmax^m/(m+1)! < SERIES_TOLERANCE.
  let terms = 1;
  for (let f = 2; thetaMax ** terms / f >= SERIES_TOLERANCE; f *= ++terms + 1);
  // u^(m+1), low-passed and decimated (centred: output j is at period j·dec), into `out`.
  const table = new Float64Array(range + 1);
  const decimate = (m: number, out: Float64Array) => {
    for (let v = 0; v <= range; v++) table[v] = (v / range) ** (m + 1);
    out.fill(0);
    for (let j = 0; j * dec < len + half; j++) {
      const c = j * dec;
      let s = 0;
      const lo = Math.max(0, c - half);
      const hi = Math.min(len - 1, c + half);
      for (let i = lo; i <= hi; i++) s += fir[i - c + half]! * table[d[i]!]!;
      out[j] = s;
    }
  };
  // Add (−jθ)^m/(m+1)!·X[k]/n to c_k.
  const accumulate = (m: number, xr: (k: number) => number, xi: (k: number) => number) => {
    let fact = 1;
    for (let i = 2; i <= m + 1; i++) fact *= i;
    const q = m & 3; // (−j)^m = 1, −j, −1, j
    for (let k = 0; k <= kMax; k++) {
      const mag = ((2 * Math.PI * k) / (n * dec)) ** m / fact;
      const ar = q === 0 ? mag : q === 2 ? -mag : 0;
      const ai = q === 1 ? -mag : q === 3 ? mag : 0;
      const r = xr(k);
      const i = xi(k);
      cr[k] = cr[k]! + (ar * r - ai * i) / n;
      ci[k] = ci[k]! + (ar * i + ai * r) / n;
    }
  };
  // Two real sequences per FFT: Z = FFT(a + jb), A[k] = (Z[k] + Z*[n−k])/2, B[k] = (Z[k] − Z*[n−k])/2j.
  for (let m = 0; m < terms; m += 2) {
    decimate(m, re);
    if (m + 1 < terms) decimate(m + 1, im);
    else im.fill(0);
    fft(re, im);
    const mirror = (k: number) => (n - k) & (n - 1);
    accumulate(m, (k) => (re[k]! + re[mirror(k)]!) / 2, (k) => (im[k]! - im[mirror(k)]!) / 2);
    if (m + 1 < terms) accumulate(m + 1, (k) => (im[k]! + im[mirror(k)]!) / 2, (k) => (re[mirror(k)]! - re[k]!) / 2);
  }
  // High-pass jf/(jf + fc) over the band 20 Hz.. 20 kHz, then y on the FFT's grid by an inverse FFT.
  const zr = new Float64Array(kMax + 1);
  const zi = new Float64Array(kMax + 1);
  re.fill(0);
  im.fill(0);
  for (let k = 1; k <= kMax; k++) {
    const f = (k * rate) / n;
    // H = jf/(fc + jf) = (f² + j·f·fc)/(f² + fc²)
    const den = f * f + COUPLING_HZ * COUPLING_HZ;
    const hr = (f * f) / den;
    const hi = (f * COUPLING_HZ) / den;
    zr[k] = cr[k]! * hr - ci[k]! * hi;
    zi[k] = cr[k]! * hi + ci[k]! * hr;
    // y(t) = Σ_k 2·Re(Z_k·e^(+j2πkt/n)): conjugated for a forward FFT used as an inverse.
    re[k] = 2 * zr[k]!;
    im[k] = -2 * zi[k]!;
  }
  fft(re, im);
  const first = Math.floor(from / dec);
  const last = to >= len ? n : Math.min(n, Math.ceil(to / dec));
  // The grid is at least 4.4 looks per 20 kHz cycle; the largest local maxima are refined between grid points.
  const maxima: number[] = [];
  for (let i = first; i < last; i++) {
    const v = Math.abs(re[i]!);
    if (v >= Math.abs(re[(i + n - 1) % n]!) && v >= Math.abs(re[(i + 1) % n]!)) {
      maxima.push(i);
      if (maxima.length > 64) {
        maxima.sort((a, b) => Math.abs(re[b]!) - Math.abs(re[a]!));
        maxima.length = 8;
      }
    }
  }
  maxima.sort((a, b) => Math.abs(re[b]!) - Math.abs(re[a]!));
  const yAt = (t: number) => {
    const a = (2 * Math.PI * t) / n;
    const wr = Math.cos(a);
    const wi = Math.sin(a);
    let er = 1;
    let ei = 0;
    let s = 0;
    for (let k = 1; k <= kMax; k++) {
      const r = er * wr - ei * wi;
      ei = er * wi + ei * wr;
      er = r;
      s += 2 * (zr[k]! * er - zi[k]! * ei);
    }
    return s;
  };
  let peak = 0;
  let at = 0;
  for (const i of maxima.slice(0, 4)) {
    for (let f = -8; f <= 8; f++) {
      const t = i + f / 16;
      const v = f === 0 ? Math.abs(re[i]!) : Math.abs(yAt(t));
      if (v > peak) {
        peak = v;
        at = Math.max(0, Math.round(t * dec));
      }
    }
  }
  return { peakDbfs: 20 * Math.log10(peak / fullScaleAmplitude), at };
}

/**
 * Plain mode's pre-compensation, computed on the host over the whole band:
 * the duty values that make M/S PWM's pulse train carry exactly the wanted
 * signal below half the frame rate, written into the bundle so the player
 * only scales (firmware/audio/producer.ts).
 *
 * What the hardware does: in M/S mode a period with duty u (0..1 of the
 * range) is a pulse from the period's start (docs/pwm-ms-mode.md). With
 * u = ½ + s, the pulse train's spectrum below half the frame rate is, up to
 * a constant and a fixed delay of half a period (θ: radians per period),
 *     Σₙ e^(−jθn)·(1 − e^(−jθsₙ))/(jθ) = Σₘ (−jθ)^(m−1)/m! · DTFT(s^m)(θ),
 * i.e. in time s − D[s²]/2 + D²[s³]/6 − D³[s⁴]/24 + … with D the ideal
 * band-limited derivative (per period). The linear part is s itself; the
 * rest is the pulse-position distortion (its s·s′ is the 2nd harmonic that
 * leaves THD+N at −30 dB at 1 kHz −1 dBFS uncorrected).
 *
 * The inverse: the s whose pulse train is the wanted v in band is the fixed
 * point of
 *     s = v + Σₘ≥₂ (−1)^m D^(m−1)[s^m]/m!,
 * found by iterating from s = v. The terms are summed per block in the
 * frequency domain, each (jθ)^(m−1) times a low-pass L that is 1 up to
 * 20.5 kHz and falls (raised cosine) to 0 at half the frame rate: only the
 * audio band has to be right, and L gives the operators short kernels
 * (FIR_HALF taps each side), applied exactly by overlap-save. The series
 * is summed until its terms fall below 1e−10 of full scale (|s| ≤ ½ and
 * θ ≤ π: about a dozen terms at full scale, fewer for quiet blocks). The
 * iteration contracts as |e^(−jθs) − 1| per step: fast for music, slow for
 * loud content near 20 kHz; it stops when the largest change is below
 * 1e−4 of a level or after MAX_ITERATIONS. Values beyond the rails are held
 * at them inside the iteration (and counted: `clippedSamples`).
 *
 * Each result is then rounded to a duty level, and the stored sample is the
 * original one where that already gives this duty (silence and constant
 * signals are stored as they came), else the middle of the duty's 16-bit
 * interval: the firmware's ((s + 32768)·R) >> 16 gives exactly the duty.
 *
 * Two settings (PrecompSetting). "exact" is the above: blocks in order,
 * each iterated until it settles. "fast" (the default; `piwave build`'s cold
 * build of a 3-minute song in a few seconds) starts every block from v and
 * gives it at most FAST_PASSES passes with at most FAST_TERMS series terms,
 * the Newton step's derivative by a short FIR; a block whose peak bounds
 * the step's contraction so that a second pass could not move a kept
 * sample by CONVERGED gets one. Its blocks depend on v alone, so
 * plain-precompensation-threads.ts spreads them over two threads with the
 * same result. Figures (Pi 4, −1 dBFS): 1 kHz −70.2 dB both, 5 kHz −70.3
 * exact, −37.4 fast (the firmware's real-time correction: −33.6).
 *
 * tests/quality.test.ts measures the result from the pulse train of the
 * simulated player (1, 5, 10, 15 kHz at −1 dBFS); tests/bundle.test.ts the
 * encoding.
 */
import { besselI0 } from "./halfband.js";

/**
 * The two settings: "exact" iterates every block to its fixed point (up to
 * MAX_ITERATIONS passes, series terms down to TERM_FLOOR); "fast" (the
 * default) gives each block at most FAST_PASSES passes and FAST_TERMS series
 * terms, starting from v, and skips the second pass where a bound on the
 * step's contraction says it would move nothing.
 */
export type PrecompSetting = "fast" | "exact";
export const PRECOMP_SETTINGS: readonly PrecompSetting[] = ["fast", "exact"];

/** Names each setting of this algorithm in cache keys (host/bundle.ts): change it whenever its output would change. */
export const PRECOMP_ALGORITHMS: Readonly<Record<PrecompSetting, string>> = {
  exact: "plain-precomp 1 (fixed point, FIR 96, block 4096, tail 512, 0.15 levels, terms 5e-5)",
  fast: "plain-precomp 2 fast (independent blocks 4096, FIR 96, <= 2 Newton passes with a 12-tap FIR derivative, second skipped below a contraction bound x2, <= 4 terms, terms 5e-5)",
};
/** The default setting's name (cache keys). */
export const PRECOMP_ALGORITHM = PRECOMP_ALGORITHMS.fast;

/** Taps each side of the centre of the frequency-domain operators' kernels (their tails are cut with a Kaiser window). */
const FIR_HALF = 96;
/** FFT block length (overlap-save: BLOCK − 2·FIR_HALF new samples per block). */
const BLOCK = 4096;
/** Where the low-pass L starts to fall, and where it reaches 0 (the half frame rate), as fractions of the frame rate. */
const PASS_TOP = 20500 / 44100;
/** Series terms are added until the rest is below this (units of the full swing; the bound is loose: the figures in tests/quality.test.ts do not move between 2e−6 and 1e−4). */
const TERM_FLOOR = 5e-5;
/** A block is done when none of its samples moved by more than this, in duty levels (the rounding to levels adds ±½; 0.05 to 0.3 give the same figures). */
const CONVERGED = 0.15;
export const MAX_ITERATIONS = 16;
const MAX_TERMS = 24;
/** The fast setting: passes per block and highest series power. */
const FAST_PASSES = 2;
const FAST_TERMS = 4;
/** Peak over RMS assumed for a series term when deciding where to stop (a sine's is 1.4, Gaussian noise's rarely above 5). */
const CREST = 6;

export interface PlainPrecompResult {
  /** Interleaved L, R samples whose plain conversion gives the pre-compensated duty. */
  pcm: Int16Array;
  /** Samples the correction wanted beyond a rail (held at the rail). */
  clippedSamples: number;
  /** Largest level the correction asked for (before the rails), relative to the rail it is nearer (1 = a rail; above 1 clips). */
  peak: number;
  /** Most iterations a block needed, and the largest change in a block's last one (duty levels). */
  iterations: number;
  residualLevels: number;
}

/**
 * In-place FFT with precomputed tables: radix 4 when n is a power of 4 (the
 * block and the kernels' grid are), else radix 2. Radix 4 makes half the
 * passes over the data and a quarter fewer multiplications.
 */
export class Fft {
  /** Twiddles of the stage with half-length h at [h − 1, 2h − 1): cos and −sin of 2πk/(2h). */
  private readonly wr: Float64Array;
  private readonly wi: Float64Array;
  /** Pairs (i, j), i < j, to swap: the bit (or, radix 4, base-4 digit) reversal. */
  private readonly swaps: Uint32Array;
  private readonly radix4: boolean;
  constructor(readonly n: number) {
    this.wr = new Float64Array(n);
    this.wi = new Float64Array(n);
    for (let h = 1; h < n; h <<= 1) {
      for (let k = 0; k < h; k++) {
        this.wr[h - 1 + k] = Math.cos((Math.PI * k) / h);
        this.wi[h - 1 + k] = -Math.sin((Math.PI * k) / h);
      }
    }
    const bits = Math.round(Math.log2(n));
    this.radix4 = bits % 2 === 0 && n >= 4;
    const pairs: number[] = [];
    for (let i = 0; i < n; i++) {
      let r = 0;
      if (this.radix4) for (let d = 0; d < bits; d += 2) r |= ((i >> d) & 3) << (bits - 2 - d);
      else for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      if (i < r) pairs.push(i, r);
    }
    this.swaps = Uint32Array.from(pairs);
  }
  /** Forward transform (e^(−j…)); `inverse` uses e^(+j…) and does not scale. */
  run(re: Float64Array, im: Float64Array, inverse = false): void {
    const sw = this.swaps;
    for (let p = 0; p < sw.length; p += 2) {
      const i = sw[p]!;
      const j = sw[p + 1]!;
      const tr = re[i]!;
      re[i] = re[j]!;
      re[j] = tr;
      const ti = im[i]!;
      im[i] = im[j]!;
      im[j] = ti;
    }
    if (this.radix4) this.radix4Stages(re, im, inverse);
    else this.radix2Stages(re, im, inverse);
  }
  private radix4Stages(re: Float64Array, im: Float64Array, inverse: boolean): void {
    const n = this.n;
    // j·t for the forward transform's −j rotation is (t.im, −t.re); the inverse rotates by +j.
    const sg = inverse ? -1 : 1;
    // First stage (quarter length 1): no multiplications.
    for (let i = 0; i < n; i += 4) {
      const a0r = re[i]!, a0i = im[i]!, a1r = re[i + 1]!, a1i = im[i + 1]!;
      const a2r = re[i + 2]!, a2i = im[i + 2]!, a3r = re[i + 3]!, a3i = im[i + 3]!;
      const t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
      const t2r = a1r + a3r, t2i = a1i + a3i, t3r = a1r - a3r, t3i = a1i - a3i;
      re[i] = t0r + t2r;
      im[i] = t0i + t2i;
      re[i + 2] = t0r - t2r;
      im[i + 2] = t0i - t2i;
      // X1 = t1 − j·sg·t3, X3 = t1 + j·sg·t3
      re[i + 1] = t1r + sg * t3i;
      im[i + 1] = t1i - sg * t3r;
      re[i + 3] = t1r - sg * t3i;
      im[i + 3] = t1i + sg * t3r;
    }
    const twr = this.wr;
    const twi = this.wi;
    for (let q = 4; q < n; q <<= 2) {
      const len = q << 2;
      // W = e^(∓j2π/(4q)): the radix-2 table of half-length 2q holds e^(−jπk/(2q)) at 2q − 1 + k.
      const base = 2 * q - 1;
      for (let k = 0; k < q; k++) {
        const w1r = twr[base + k]!, w1i = sg * twi[base + k]!;
        const w2r = twr[base + 2 * k]!, w2i = sg * twi[base + 2 * k]!;
        // W^(3k) = W^(2k)·W^k
        const w3r = w2r * w1r - w2i * w1i, w3i = w2r * w1i + w2i * w1r;
        for (let i0 = k; i0 < n; i0 += len) {
          const i1 = i0 + q, i2 = i1 + q, i3 = i2 + q;
          const a0r = re[i0]!, a0i = im[i0]!;
          let xr = re[i1]!, xi = im[i1]!;
          const a1r = xr * w1r - xi * w1i, a1i = xr * w1i + xi * w1r;
          xr = re[i2]!;
          xi = im[i2]!;
          const a2r = xr * w2r - xi * w2i, a2i = xr * w2i + xi * w2r;
          xr = re[i3]!;
          xi = im[i3]!;
          const a3r = xr * w3r - xi * w3i, a3i = xr * w3i + xi * w3r;
          const t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
          const t2r = a1r + a3r, t2i = a1i + a3i, t3r = a1r - a3r, t3i = a1i - a3i;
          re[i0] = t0r + t2r;
          im[i0] = t0i + t2i;
          re[i2] = t0r - t2r;
          im[i2] = t0i - t2i;
          re[i1] = t1r + sg * t3i;
          im[i1] = t1i - sg * t3r;
          re[i3] = t1r - sg * t3i;
          im[i3] = t1i + sg * t3r;
        }
      }
    }
  }
  private radix2Stages(re: Float64Array, im: Float64Array, inverse: boolean): void {
    const n = this.n;
    // The first stage (h = 1) has no multiplications.
    for (let i = 0; i < n; i += 2) {
      const ar = re[i]!;
      const ai = im[i]!;
      const br = re[i + 1]!;
      const bi = im[i + 1]!;
      re[i] = ar + br;
      im[i] = ai + bi;
      re[i + 1] = ar - br;
      im[i + 1] = ai - bi;
    }
    const twr = this.wr;
    const twi = this.wi;
    const sign = inverse ? -1 : 1;
    for (let h = 2; h < n; h <<= 1) {
      const len = h << 1;
      for (let k = 0; k < h; k++) {
        const wr = twr[h - 1 + k]!;
        const wi = sign * twi[h - 1 + k]!;
        for (let a = k; a < n; a += len) {
          const b = a + h;
          const br = re[b]!;
          const bi = im[b]!;
          const xr = br * wr - bi * wi;
          const xi = br * wi + bi * wr;
          const ar = re[a]!;
          const ai = im[a]!;
          re[b] = ar - xr;
          im[b] = ai - xi;
          re[a] = ar + xr;
          im[a] = ai + xi;
        }
      }
    }
  }
}

/**
 * The operators' spectra on the BLOCK grid: op[m] = DFT of the windowed
 * kernel of (−1)^m·(jθ)^(m−1)·L(θ)/m! (m ≥ 2), as (re, im) arrays.
 */
export function operators(maxTerms = MAX_TERMS): { re: Float64Array; im: Float64Array }[] {
  const big = 1 << 16; // fine grid for the kernels
  const fft = new Fft(big);
  const fftB = new Fft(BLOCK);
  const beta = 10;
  const norm = besselI0(beta);
  // ops[m] for m = 2 .. MAX_TERMS (0 and 1: none).
  const ops: { re: Float64Array; im: Float64Array }[] = [{ re: new Float64Array(0), im: new Float64Array(0) }];
  let fact = 1;
  for (let m = 1; m <= maxTerms; m++) {
    fact *= m;
    if (m < 2) {
      ops.push({ re: new Float64Array(0), im: new Float64Array(0) });
      continue;
    }
    // Spectrum on the fine grid: (jθ)^(m−1) L(θ) (−1)^m / m!, θ = 2πk/big in (−π, π].
    const re = new Float64Array(big);
    const im = new Float64Array(big);
    for (let k = 0; k < big; k++) {
      const f = k <= big / 2 ? k / big : k / big - 1; // cycles per period
      const af = Math.abs(f);
      const l = af <= PASS_TOP ? 1 : af >= 0.5 ? 0 : 0.5 + 0.5 * Math.cos((Math.PI * (af - PASS_TOP)) / (0.5 - PASS_TOP));
      const theta = 2 * Math.PI * f;
      const mag = (theta ** (m - 1) * l * (m % 2 === 0 ? 1 : -1)) / fact;
      // j^(m−1): 1, j, −1, −j
      const q = (m - 1) & 3;
      re[k] = q === 0 ? mag : q === 2 ? -mag : 0;
      im[k] = q === 1 ? mag : q === 3 ? -mag : 0;
    }
    fft.run(re, im, true);
    // Kernel h[t] = re[t]/big (real: the spectrum is Hermitian), windowed to ±FIR_HALF, into the BLOCK grid.
    const hr = new Float64Array(BLOCK);
    const hi = new Float64Array(BLOCK);
    for (let t = -FIR_HALF; t <= FIR_HALF; t++) {
      const r = t / (FIR_HALF + 1);
      const w = besselI0(beta * Math.sqrt(1 - r * r)) / norm;
      const at = t < 0 ? t + big : t;
      hr[t < 0 ? t + BLOCK : t] = (re[at]! / big) * w;
    }
    fftB.run(hr, hi);
    ops.push({ re: hr, im: hi });
  }
  return ops;
}

const cachedOps = new Map<number, { re: Float64Array; im: Float64Array }[]>();
function cachedOperators(maxTerms: number): { re: Float64Array; im: Float64Array }[] {
  let ops = cachedOps.get(maxTerms);
  if (!ops) cachedOps.set(maxTerms, (ops = operators(maxTerms)));
  return ops;
}

/** Samples at the end of each block that are iterated but not kept: they see the unconverged samples after the block. */
const TAIL = 512;
/** Samples each block finalises. */
const HOP = BLOCK - 2 * FIR_HALF - TAIL;

/** Work buffers for one block (both channels packed as the real and imaginary parts of one complex signal). */
interface Work {
  fft: Fft;
  ops: { re: Float64Array; im: Float64Array }[];
  pr: Float64Array;
  pi: Float64Array;
  ar: Float64Array;
  ai: Float64Array;
  powL: Float64Array;
  powR: Float64Array;
  rl: Float64Array;
  rr: Float64Array;
  /** The last pass's largest |s| over the kept samples before the rails, relative to the rail. */
  wanted: number;
  /** The last pass's largest |s| over the whole window at its start. */
  peak: number;
}

/**
 * One pass of the map s ↦ v + Σₘ≥₂ (−1)^m D^(m−1)L[s^m]/m! over the block
 * window bl/br (BLOCK samples; outputs for FIR_HALF .. BLOCK − FIR_HALF),
 * held at the rails [lo, hi], written back in place. Returns the largest
 * change over the `keep` outputs from `from`.
 */
function blockPass(vl: Float64Array, vr: Float64Array, bl: Float64Array, br: Float64Array, lo: number, hi: number, from: number, keep: number, w: Work, newton: Float64Array | null = null): number {
  const { fft, ops, pr, pi, ar, ai, powL, powR } = w;
  let peak = 0;
  for (let i = 0; i < BLOCK; i++) {
    const a = bl[i]!;
    const b = br[i]!;
    const m = a > b ? a : b;
    const n = a < b ? a : b;
    if (m > peak) peak = m;
    if (-n > peak) peak = -n;
  }
  w.peak = peak;
  if (peak === 0) {
    ar.fill(0);
    ai.fill(0);
  } else {
    powL.set(bl);
    powR.set(br);
    // Powers s^m, m = 2, 3, …, until what the rest of the series can add is below TERM_FLOOR: term m's
    // RMS is √(Σ|Aₘ(k)|²)/BLOCK (Aₘ its spectrum; its peak taken as CREST times that), and each next
    // term is at most π·peak/(m + 1) times the last.
    for (let m = 2; m < ops.length; m++) {
      for (let i = 0; i < BLOCK; i++) {
        const a = powL[i]! * bl[i]!;
        const b = powR[i]! * br[i]!;
        powL[i] = a;
        powR[i] = b;
        pr[i] = a;
        pi[i] = b;
      }
      fft.run(pr, pi);
      const op = ops[m]!;
      const first = m === 2;
      const ore = op.re;
      const oim = op.im;
      let size = 0;
      for (let k = 0; k < BLOCK; k++) {
        const or = ore[k]!;
        const oi = oim[k]!;
        const xr = pr[k]!;
        const xi = pi[k]!;
        const tr = xr * or - xi * oi;
        const ti = xr * oi + xi * or;
        ar[k] = first ? tr : ar[k]! + tr;
        ai[k] = first ? ti : ai[k]! + ti;
        size += tr * tr + ti * ti;
      }
      const ratio = (Math.PI * peak) / (m + 1);
      if (ratio < 1 && ((CREST * Math.sqrt(size)) / BLOCK) * ratio < TERM_FLOOR * (1 - ratio)) break;
    }
    fft.run(ar, ai, true);
  }
  // The residual r = v − F(s) = v + N(s) − s, and the step r + D[s·r]: the first-order inverse of the
  // Jacobian I − D∘s (a plain step r contracts the error as |e^(−jθs) − 1|, this one as
  // |1 − (1 + jθs)·e^(−jθs)|: 0.49 instead of 0.96 at θs = 1).
  const scale = 1 / BLOCK;
  const { rl, rr } = w;
  if (!newton) {
    // The transforms see the whole block: nothing outside the outputs.
    pr.fill(0);
    pi.fill(0);
  }
  for (let i = FIR_HALF; i < BLOCK - FIR_HALF; i++) {
    const a = vl[i]! + ar[i]! * scale - bl[i]!;
    const b = vr[i]! + ai[i]! * scale - br[i]!;
    rl[i] = a;
    rr[i] = b;
    pr[i] = a * bl[i]!;
    pi[i] = b * br[i]!;
  }
  // D[s·r] into (dl, dr)·dScale: by the block's transforms, or (newton) by a short FIR.
  let dl = pr;
  let dr = pi;
  let dScale = scale;
  if (newton) {
    const taps = newton.length;
    // It reads (pr, pi) only at the outputs' indices; nothing is written within `taps` of them.
    ar.fill(0, 0, FIR_HALF + taps);
    ai.fill(0, 0, FIR_HALF + taps);
    ar.fill(0, BLOCK - FIR_HALF - taps);
    ai.fill(0, BLOCK - FIR_HALF - taps);
    for (let i = FIR_HALF + taps; i < BLOCK - FIR_HALF - taps; i++) {
      let a = 0;
      let b = 0;
      for (let k = 1; k <= taps; k++) {
        const h = newton[k - 1]!;
        a += h * (pr[i - k]! - pr[i + k]!);
        b += h * (pi[i - k]! - pi[i + k]!);
      }
      ar[i] = a;
      ai[i] = b;
    }
    dl = ar;
    dr = ai;
    dScale = 1;
  } else {
    fft.run(pr, pi);
    const d = ops[2]!; // (jθ)·L/2
    for (let k = 0; k < BLOCK; k++) {
      const or = 2 * d.re[k]!;
      const oi = 2 * d.im[k]!;
      const xr = pr[k]!;
      const xi = pi[k]!;
      pr[k] = xr * or - xi * oi;
      pi[k] = xr * oi + xi * or;
    }
    fft.run(pr, pi, true);
  }
  let change = 0;
  let wanted = 0;
  for (let i = FIR_HALF; i < BLOCK - FIR_HALF; i++) {
    const ol = bl[i]!;
    const or = br[i]!;
    let l = ol + rl[i]! + dl[i]! * dScale;
    let r = or + rr[i]! + dr[i]! * dScale;
    const kept = i >= from && i < from + keep;
    if (kept) wanted = Math.max(wanted, l < 0 ? l / lo : l / hi, r < 0 ? r / lo : r / hi);
    l = l < lo ? lo : l > hi ? hi : l;
    r = r < lo ? lo : r > hi ? hi : r;
    if (kept) change = Math.max(change, Math.abs(l - ol), Math.abs(r - or));
    bl[i] = l;
    br[i] = r;
  }
  w.wanted = wanted;
  return change;
}

function newWork(maxTerms: number): Work {
  return {
    fft: new Fft(BLOCK),
    ops: cachedOperators(maxTerms),
    pr: new Float64Array(BLOCK),
    pi: new Float64Array(BLOCK),
    ar: new Float64Array(BLOCK),
    ai: new Float64Array(BLOCK),
    powL: new Float64Array(BLOCK),
    powR: new Float64Array(BLOCK),
    rl: new Float64Array(BLOCK),
    rr: new Float64Array(BLOCK),
    wanted: 0,
    peak: 0,
  };
}

/** The rails: duty 0 and R − 1 (the firmware clamps there), as s = duty/R − ½. */
function rails(range: number): { lo: number; hi: number } {
  return { lo: -0.5, hi: (range - 1) / range - 0.5 };
}

/**
 * The fast setting's Newton step takes D by a short FIR: the band-limited
 * derivative's taps (−1)^k/k, k = 1..NEWTON_TAPS each side (antisymmetric),
 * Kaiser-windowed (β 8): within 0.1 % of θ up to 15 kHz, 19 % low at 20 kHz.
 * The step only has to approximate the Jacobian's inverse (an error there
 * slows the convergence a little, it does not move the fixed point), and it
 * saves two of a pass's transforms.
 */
const NEWTON_TAPS = 12;
function newtonTaps(): Float64Array {
  const h = new Float64Array(NEWTON_TAPS);
  const beta = 8;
  for (let k = 1; k <= NEWTON_TAPS; k++) {
    const r = k / (NEWTON_TAPS + 1);
    h[k - 1] = ((k % 2 === 1 ? -1 : 1) / k) * (besselI0(beta * Math.sqrt(1 - r * r)) / besselI0(beta));
  }
  return h;
}
/** The fast setting's margin each side of a block's kept samples: each pass's series reaches FIR_HALF, its Newton step NEWTON_TAPS. */
const FAST_MARGIN = FAST_PASSES * (FIR_HALF + NEWTON_TAPS);
/** Samples each fast block keeps. */
export const FAST_HOP = BLOCK - 2 * FAST_MARGIN;

/**
 * How much the Newton step can leave of an error at θ·s = x (θ ≤ π, |s| ≤
 * the block's peak): |1 − (1 + jx)·e^(−jx)|, x²/2 for small x (the plain
 * step would leave |e^(−jx) − 1| ≈ x).
 */
function newtonContraction(x: number): number {
  const re = 1 - Math.cos(x) - x * Math.sin(x);
  const im = Math.sin(x) - x * Math.cos(x);
  return Math.hypot(re, im);
}

/** Figures of a run of blocks (merged by the caller). */
export interface BlockFigures {
  iterations: number;
  residualLevels: number;
  peak: number;
}

/**
 * The fast setting over blocks [firstBlock, endBlock): block b keeps samples
 * [b·FAST_HOP, (b + 1)·FAST_HOP) of the track, computed from v alone (the
 * window starts at v: no block depends on another, so any split of the
 * blocks, e.g. over threads, gives the same samples). v is (vL, vR) = the
 * track's s16 / 65536; the results go into sL, sR at the same indices.
 */
export function precompensateFastBlocks(
  vL: Float64Array,
  vR: Float64Array,
  sL: Float64Array,
  sR: Float64Array,
  range: number,
  firstBlock: number,
  endBlock: number,
  onBlock?: (block: number) => void,
): BlockFigures {
  const n = vL.length;
  const { lo, hi } = rails(range);
  const w = newWork(FAST_TERMS);
  const taps = newtonTaps();
  const bl = new Float64Array(BLOCK);
  const br = new Float64Array(BLOCK);
  const wl = new Float64Array(BLOCK);
  const wr = new Float64Array(BLOCK);
  const figures: BlockFigures = { iterations: 0, residualLevels: 0, peak: 0 };
  for (let b = firstBlock; b < endBlock; b++) {
    const start = b * FAST_HOP;
    if (start >= n) break;
    // The window from v; outside the track its first and last samples held (as in the exact setting).
    const from = start - FAST_MARGIN;
    const a = Math.max(0, from);
    const e = Math.min(n, from + BLOCK);
    bl.fill(vL[0]!, 0, a - from);
    br.fill(vR[0]!, 0, a - from);
    bl.set(vL.subarray(a, e), a - from);
    br.set(vR.subarray(a, e), a - from);
    bl.fill(vL[n - 1]!, e - from);
    br.fill(vR[n - 1]!, e - from);
    wl.set(bl);
    wr.set(br);
    const keep = Math.min(FAST_HOP, n - start);
    let change = blockPass(wl, wr, bl, br, lo, hi, FAST_MARGIN, keep, w, taps);
    let k = 1;
    // A second pass only where it can move a kept sample by more than CONVERGED (with a factor 2 of
    // safety on the bound, which holds for the step's linear part); else the change it would make is
    // what is left (counted as the residual).
    const c = newtonContraction(Math.PI * w.peak);
    if (!(c < 1 && 2 * c * change * range <= CONVERGED)) {
      for (; k < FAST_PASSES; k++) change = blockPass(wl, wr, bl, br, lo, hi, FAST_MARGIN, keep, w, taps);
    } else change *= c;
    figures.iterations = Math.max(figures.iterations, k);
    figures.residualLevels = Math.max(figures.residualLevels, change * range);
    figures.peak = Math.max(figures.peak, w.wanted);
    for (let i = 0; i < keep; i++) {
      sL[start + i] = bl[FAST_MARGIN + i]!;
      sR[start + i] = br[FAST_MARGIN + i]!;
    }
    onBlock?.(b);
  }
  return figures;
}

/** Blocks the fast setting cuts a track of n frames into. */
export function fastBlockCount(n: number): number {
  return Math.ceil(n / FAST_HOP);
}

/** The exact setting: blocks in order, each iterated to its fixed point. */
function precompensateExact(vL: Float64Array, vR: Float64Array, sL: Float64Array, sR: Float64Array, range: number): BlockFigures {
  const n = vL.length;
  const { lo, hi } = rails(range);
  const w = newWork(MAX_TERMS);
  // Blocks in order: each iterates its window until the samples it keeps settle; the samples before it are
  // final, those after it start from the previous block's unkept iterations (or v).
  sL.set(vL);
  sR.set(vR);
  const bl = new Float64Array(BLOCK);
  const br = new Float64Array(BLOCK);
  const wl = new Float64Array(BLOCK);
  const wr = new Float64Array(BLOCK);
  let iterations = 0;
  let residual = 0;
  let peak = 0;
  for (let start = 0; start < n; start += HOP) {
    for (let i = 0; i < BLOCK; i++) {
      // Outside the track: its first and last samples held (the player enters and leaves a track through
      // slow ramps from and to silence, one level per frame, source.ts), so a constant track stays as it is.
      const t = Math.min(n - 1, Math.max(0, start - FIR_HALF + i));
      bl[i] = sL[t]!;
      br[i] = sR[t]!;
      wl[i] = vL[t]!;
      wr[i] = vR[t]!;
    }
    const keep = Math.min(HOP, n - start);
    let change = Infinity;
    let k = 0;
    while (k < MAX_ITERATIONS && change * range > CONVERGED) {
      change = blockPass(wl, wr, bl, br, lo, hi, FIR_HALF, keep, w);
      k++;
    }
    iterations = Math.max(iterations, k);
    peak = Math.max(peak, w.wanted);
    residual = Math.max(residual, change * range);
    // Keep the block's samples, and its unkept ones as the next block's start.
    for (let i = FIR_HALF; i < BLOCK - FIR_HALF; i++) {
      const t = start - FIR_HALF + i;
      if (t >= n) break;
      sL[t] = bl[i]!;
      sR[t] = br[i]!;
    }
  }
  return { iterations, residualLevels: residual, peak };
}

/** The track's samples as v = s16/65536, one array per channel. */
export function splitChannels(pcm: Int16Array, vL: Float64Array, vR: Float64Array): void {
  const n = pcm.length >> 1;
  for (let i = 0; i < n; i++) {
    vL[i] = pcm[2 * i]! / 65536;
    vR[i] = pcm[2 * i + 1]! / 65536;
  }
}

/**
 * Each result rounded to a duty level; the stored sample is the original one
 * where that already gives this duty, else the middle of the duty's 16-bit
 * interval.
 */
export function toSamples(pcm: Int16Array, sL: Float64Array, sR: Float64Array, range: number, figures: BlockFigures): PlainPrecompResult {
  const n = pcm.length >> 1;
  const { lo, hi } = rails(range);
  const out = new Int16Array(pcm.length);
  let clipped = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 2; c++) {
      const s = c === 0 ? sL[i]! : sR[i]!;
      const a = pcm[2 * i + c]!;
      if (s <= lo || s >= hi) clipped++;
      // Duty: the level (½ + s)·R rounded down, as the firmware's conversion rounds (a constant signal keeps its duty).
      const d = Math.min(range - 1, Math.max(0, Math.floor((0.5 + s) * range + 1e-9)));
      const original = ((a + 32768) * range) >> 16;
      out[2 * i + c] = d === original ? a : Math.floor(((d + 0.5) * 65536) / range) - 32768;
    }
  }
  return { pcm: out, clippedSamples: clipped, peak: figures.peak, iterations: figures.iterations, residualLevels: figures.residualLevels };
}

export function checkRange(range: number): void {
  if (!Number.isInteger(range) || range < 2 || range > 65535) throw new Error(`plain pre-compensation: PWM range ${range} is not an integer from 2 to 65535`);
}

/**
 * Pre-compensate interleaved stereo s16 `pcm` for plain-mode M/S PWM at
 * range `range` (clocks per period, one period per frame), on this thread.
 */
export function precompensatePlain(pcm: Int16Array, range: number, setting: PrecompSetting = "fast"): PlainPrecompResult {
  checkRange(range);
  const n = pcm.length >> 1;
  if (n === 0) return { pcm: new Int16Array(0), clippedSamples: 0, peak: 0, iterations: 0, residualLevels: 0 };
  const vL = new Float64Array(n);
  const vR = new Float64Array(n);
  splitChannels(pcm, vL, vR);
  const sL = new Float64Array(n);
  const sR = new Float64Array(n);
  const figures = setting === "exact" ? precompensateExact(vL, vR, sL, sR, range) : precompensateFastBlocks(vL, vR, sL, sR, range, 0, fastBlockCount(n));
  return toSamples(pcm, sL, sR, range, figures);
}

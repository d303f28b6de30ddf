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
 * tests/quality.test.ts measures the result from the pulse train of the
 * simulated player (1, 5, 10, 15 kHz at −1 dBFS); tests/bundle.test.ts the
 * encoding.
 */

/** Names this algorithm and its settings in cache keys (host/bundle.ts): change it whenever its output would change. */
export const PRECOMP_ALGORITHM = "plain-precomp 1 (fixed point, FIR 96, block 4096, tail 512, 0.15 levels, terms 5e-5)";

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

/** In-place radix-2 FFT with precomputed tables (each stage's twiddles stored together). */
export class Fft {
  /** Twiddles of the stage with half-length h at [h − 1, 2h − 1): cos and −sin of 2πk/(2h). */
  private readonly wr: Float64Array;
  private readonly wi: Float64Array;
  private readonly rev: Uint32Array;
  constructor(readonly n: number) {
    this.wr = new Float64Array(n);
    this.wi = new Float64Array(n);
    for (let h = 1; h < n; h <<= 1) {
      for (let k = 0; k < h; k++) {
        this.wr[h - 1 + k] = Math.cos((Math.PI * k) / h);
        this.wi[h - 1 + k] = -Math.sin((Math.PI * k) / h);
      }
    }
    this.rev = new Uint32Array(n);
    const bits = Math.log2(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
  }
  /** Forward transform (e^(−j…)); `inverse` uses e^(+j…) and does not scale. */
  run(re: Float64Array, im: Float64Array, inverse = false): void {
    const n = this.n;
    const rev = this.rev;
    for (let i = 0; i < n; i++) {
      const j = rev[i]!;
      if (i < j) {
        const tr = re[i]!;
        re[i] = re[j]!;
        re[j] = tr;
        const ti = im[i]!;
        im[i] = im[j]!;
        im[j] = ti;
      }
    }
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

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 80; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/**
 * The operators' spectra on the BLOCK grid: op[m] = DFT of the windowed
 * kernel of (−1)^m·(jθ)^(m−1)·L(θ)/m! (m ≥ 2), as (re, im) arrays.
 */
export function operators(): { re: Float64Array; im: Float64Array }[] {
  const big = 1 << 16; // fine grid for the kernels
  const fft = new Fft(big);
  const fftB = new Fft(BLOCK);
  const beta = 10;
  const norm = besselI0(beta);
  // ops[m] for m = 2 .. MAX_TERMS (0 and 1: none).
  const ops: { re: Float64Array; im: Float64Array }[] = [{ re: new Float64Array(0), im: new Float64Array(0) }];
  let fact = 1;
  for (let m = 1; m <= MAX_TERMS; m++) {
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

let cachedOps: { re: Float64Array; im: Float64Array }[] | null = null;

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
}

/**
 * One pass of the map s ↦ v + Σₘ≥₂ (−1)^m D^(m−1)L[s^m]/m! over the block
 * window bl/br (BLOCK samples; outputs for FIR_HALF .. BLOCK − FIR_HALF),
 * held at the rails [lo, hi], written back in place. Returns the largest
 * change over the first `keep` outputs.
 */
function blockPass(vl: Float64Array, vr: Float64Array, bl: Float64Array, br: Float64Array, lo: number, hi: number, keep: number, w: Work): number {
  const { fft, ops, pr, pi, ar, ai, powL, powR } = w;
  let peak = 0;
  for (let i = 0; i < BLOCK; i++) peak = Math.max(peak, Math.abs(bl[i]!), Math.abs(br[i]!));
  ar.fill(0);
  ai.fill(0);
  if (peak > 0) {
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
        ar[k] = ar[k]! + tr;
        ai[k] = ai[k]! + ti;
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
  pr.fill(0);
  pi.fill(0);
  for (let i = FIR_HALF; i < BLOCK - FIR_HALF; i++) {
    const a = vl[i]! + ar[i]! * scale - bl[i]!;
    const b = vr[i]! + ai[i]! * scale - br[i]!;
    rl[i] = a;
    rr[i] = b;
    pr[i] = a * bl[i]!;
    pi[i] = b * br[i]!;
  }
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
  let change = 0;
  let wanted = 0;
  for (let i = FIR_HALF; i < BLOCK - FIR_HALF; i++) {
    const ol = bl[i]!;
    const or = br[i]!;
    let l = ol + rl[i]! + pr[i]! * scale;
    let r = or + rr[i]! + pi[i]! * scale;
    if (i < FIR_HALF + keep) wanted = Math.max(wanted, l < 0 ? l / lo : l / hi, r < 0 ? r / lo : r / hi);
    l = l < lo ? lo : l > hi ? hi : l;
    r = r < lo ? lo : r > hi ? hi : r;
    if (i < FIR_HALF + keep) change = Math.max(change, Math.abs(l - ol), Math.abs(r - or));
    bl[i] = l;
    br[i] = r;
  }
  w.wanted = wanted;
  return change;
}

/**
 * Pre-compensate interleaved stereo s16 `pcm` for plain-mode M/S PWM at
 * range `range` (clocks per period, one period per frame).
 */
export function precompensatePlain(pcm: Int16Array, range: number): PlainPrecompResult {
  if (!Number.isInteger(range) || range < 2 || range > 65535) throw new Error(`plain pre-compensation: PWM range ${range} is not an integer from 2 to 65535`);
  const n = pcm.length >> 1;
  if (n === 0) return { pcm: new Int16Array(0), clippedSamples: 0, peak: 0, iterations: 0, residualLevels: 0 };
  const vL = new Float64Array(n);
  const vR = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    vL[i] = pcm[2 * i]! / 65536;
    vR[i] = pcm[2 * i + 1]! / 65536;
  }
  // The rails: duty 0 and R − 1 (the firmware clamps there), as s = duty/R − ½.
  const lo = -0.5;
  const hi = (range - 1) / range - 0.5;
  const w: Work = {
    fft: new Fft(BLOCK),
    ops: (cachedOps ??= operators()),
    pr: new Float64Array(BLOCK),
    pi: new Float64Array(BLOCK),
    ar: new Float64Array(BLOCK),
    ai: new Float64Array(BLOCK),
    powL: new Float64Array(BLOCK),
    powR: new Float64Array(BLOCK),
    rl: new Float64Array(BLOCK),
    rr: new Float64Array(BLOCK),
    wanted: 0,
  };
  // Blocks in order: each iterates its window until the samples it keeps settle; the samples before it are
  // final, those after it start from the previous block's unkept iterations (or v).
  const sL = Float64Array.from(vL);
  const sR = Float64Array.from(vR);
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
      change = blockPass(wl, wr, bl, br, lo, hi, keep, w);
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
  return { pcm: out, clippedSamples: clipped, peak, iterations, residualLevels: residual };
}

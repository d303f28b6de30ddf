/**
 * Spectrum and the figures audio people quote: SNR, THD+N, idle noise.
 *
 * The test tones sit exactly on an FFT bin (coherent sampling: an integer
 * number of cycles in the window), so a rectangular window leaks nothing
 * and the noise floor can be read ~150 dB down. The band is 20 Hz–20 kHz.
 */

/** In-place radix-2 FFT of (re, im); length a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b]! * cr - im[b]! * ci;
        const xi = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
}

/** One-sided power spectrum (power per bin, DC removed) of `x`. */
export function powerSpectrum(x: Float64Array): Float64Array {
  const n = x.length;
  let mean = 0;
  for (const v of x) mean += v;
  mean /= n;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) re[i] = x[i]! - mean;
  fft(re, im);
  const p = new Float64Array(n / 2);
  for (let k = 1; k < n / 2; k++) p[k] = (2 * (re[k]! ** 2 + im[k]! ** 2)) / (n * n);
  return p;
}

export interface ToneFigures {
  /** Signal to noise, harmonics excluded, 20 Hz–20 kHz (dB). */
  snrDb: number;
  /** (noise + distortion) / signal, 20 Hz–20 kHz (dB, negative). */
  thdnDb: number;
  /** Tone level relative to a full-scale sine (dBFS). */
  levelDbfs: number;
}

/** `lobe`: bins either side of a tone that belong to it (0 for a rectangular window, 1 for Hann). */
export function toneFigures(p: Float64Array, rate: number, bin: number, fullScalePower: number, lobe = 0): ToneFigures {
  const n = p.length * 2;
  const lo = Math.ceil((20 * n) / rate);
  const hi = Math.floor((20000 * n) / rate);
  let sig = 0;
  for (let k = bin - lobe; k <= bin + lobe; k++) sig += p[k]!;
  let noise = 0;
  let harm = 0;
  for (let k = Math.max(lo, 1); k <= hi; k++) {
    const h = Math.round(k / bin);
    const near = Math.abs(k - h * bin) <= lobe;
    if (near && h === 1) continue;
    if (near && h >= 2 && h <= 9) harm += p[k]!;
    else noise += p[k]!;
  }
  return {
    snrDb: 10 * Math.log10(sig / noise),
    thdnDb: 10 * Math.log10((noise + harm) / sig),
    levelDbfs: 10 * Math.log10(sig / fullScalePower),
  };
}

/** In-band (20 Hz–20 kHz) noise power relative to a full-scale sine, in dBFS. */
export function bandNoiseDbfs(p: Float64Array, rate: number, fullScalePower: number): number {
  const n = p.length * 2;
  let noise = 0;
  for (let k = Math.max(1, Math.ceil((20 * n) / rate)); k <= Math.floor((20000 * n) / rate); k++) noise += p[k]!;
  return 10 * Math.log10(noise / fullScalePower);
}

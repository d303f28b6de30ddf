/**
 * The ×2 half-band interpolation filter (design and measurement), shared by
 * scripts/design-halfband.ts and the tests that check its documented figures.
 */
export const HALFBAND_TAPS = 143;
export const HALFBAND_BETA = 10;

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
  }
  return sum;
}

/** Kaiser-windowed sinc low-pass at a quarter of the sample rate (a half-band). */
export function designHalfband(n: number, beta: number): number[] {
  const mid = (n - 1) / 2;
  const taps: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = i - mid;
    const sinc = k === 0 ? 0.5 : Math.sin((Math.PI * k) / 2) / (Math.PI * k);
    const w = besselI0(beta * Math.sqrt(1 - (k / mid) ** 2)) / besselI0(beta);
    taps.push(sinc * w);
  }
  // Exact zeros on the even offsets (half-band property), unity DC gain.
  for (let i = 0; i < n; i++) if ((i - mid) % 2 === 0 && i !== mid) taps[i] = 0;
  const dc = taps.reduce((a, b) => a + b, 0);
  return taps.map((t) => t / dc);
}

/** Magnitude response (dB) of `taps` at frequency f for sample rate fs. */
export function responseDb(taps: readonly number[], f: number, fs: number): number {
  let re = 0;
  let im = 0;
  const w = (2 * Math.PI * f) / fs;
  taps.forEach((t, i) => {
    re += t * Math.cos(w * i);
    im -= t * Math.sin(w * i);
  });
  return 20 * Math.log10(Math.hypot(re, im));
}

/** Passband ripple up to 20 kHz and worst stop-band level from fsIn − 20 kHz, at output rate 2·fsIn. */
export function measureHalfband(taps: readonly number[], fsIn: number): { passbandRippleDb: number; stopbandDb: number } {
  const fs = 2 * fsIn;
  let lo = Infinity;
  let hi = -Infinity;
  for (let f = 0; f <= 20000; f += 50) {
    const r = responseDb(taps, f, fs);
    lo = Math.min(lo, r);
    hi = Math.max(hi, r);
  }
  let stop = -Infinity;
  for (let f = fsIn - 20000; f <= fs / 2; f += 25) stop = Math.max(stop, responseDb(taps, f, fs));
  return { passbandRippleDb: (hi - lo) / 2, stopbandDb: stop };
}

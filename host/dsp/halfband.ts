/**
 * The ×2 half-band interpolation filter (design and measurement), shared by
 * scripts/design-halfband.ts and the tests that check its documented figures.
 */
export const HALFBAND_TAPS = 143;
export const HALFBAND_BETA = 10;

/** The modified Bessel function I0 (series), for Kaiser windows: here and in the true-peak meter. */
export function besselI0(x: number): number {
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
/** The firmware multiplies by the taps in fixed point with this many fraction bits (interpolator.ts). */
export const HALFBAND_FIXED_BITS = 30;

/** The taps as the firmware has them: × 2^bits, rounded to integers. */
export function quantizeHalfband(taps: readonly number[], bits: number): number[] {
  return taps.map((t) => Math.round(t * 2 ** bits));
}

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

/** Stage 2 of the shaped mode: ×8 linear interpolation; its magnitude response at f for stage-1 rate fs1 (sinc², the droop). */
export function linearX8Response(f: number, fs1: number): number {
  if (f === 0) return 1;
  const fs = 8 * fs1;
  return (Math.sin((8 * Math.PI * f) / fs) / (8 * Math.sin((Math.PI * f) / fs))) ** 2;
}

/** Taps of the droop equaliser between the stages (odd length, symmetric): `EQ_TAPS`, designed for 0–20 kHz at a stage-1 rate of 2 × 44.1 kHz. */
export const EQ_HALF = 3;

/**
 * The droop equaliser: a short symmetric FIR at the stage-1 rate (2·fsIn)
 * whose response times the ×8 linear stage's is 1 over 0–20 kHz, in the
 * least-squares sense on a 50 Hz grid. Returns h[0] (centre), h[1..half].
 */
export function designDroopEq(half: number, fsIn: number): number[] {
  const fs1 = 2 * fsIn;
  const n = half + 1;
  const ata = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const aty = new Array<number>(n).fill(0);
  for (let f = 0; f <= 20000; f += 50) {
    const h2 = linearX8Response(f, fs1);
    const row = [h2, ...Array.from({ length: half }, (_, m) => 2 * h2 * Math.cos((2 * Math.PI * (m + 1) * f) / fs1))];
    for (let i = 0; i < n; i++) {
      aty[i]! += row[i]!;
      for (let j = 0; j < n; j++) ata[i]![j]! += row[i]! * row[j]!;
    }
  }
  // Gaussian elimination (the system is small and well conditioned).
  for (let i = 0; i < n; i++) {
    for (let k = i + 1; k < n; k++) {
      const m = ata[k]![i]! / ata[i]![i]!;
      for (let j = i; j < n; j++) ata[k]![j]! -= m * ata[i]![j]!;
      aty[k]! -= m * aty[i]!;
    }
  }
  const h = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = aty[i]!;
    for (let j = i + 1; j < n; j++) s -= ata[i]![j]! * h[j]!;
    h[i] = s / ata[i]![i]!;
  }
  return h;
}

/** Magnitude (dB) of the whole shaped-mode interpolation (half-band ×2, equaliser, linear ×8) at f, for input rate fsIn. */
export function shapedResponseDb(halfband: readonly number[], eq: readonly number[], f: number, fsIn: number): number {
  const fs1 = 2 * fsIn;
  let e = eq[0]!;
  for (let m = 1; m < eq.length; m++) e += 2 * eq[m]! * Math.cos((2 * Math.PI * m * f) / fs1);
  return responseDb(halfband, f, fs1) + 20 * Math.log10(Math.abs(e) * linearX8Response(f, fs1));
}

/** Worst deviation (dB) of the whole interpolation from flat over 20 Hz–20 kHz. */
export function shapedFlatnessDb(halfband: readonly number[], eq: readonly number[], fsIn: number): number {
  let worst = 0;
  for (let f = 20; f <= 20000; f += 10) worst = Math.max(worst, Math.abs(shapedResponseDb(halfband, eq, f, fsIn)));
  return worst;
}

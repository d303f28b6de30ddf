/**
 * Plain mode's real-time pre-compensation of M/S PWM's pulse-position
 * distortion, for sources whose samples are not pre-compensated
 * (AudioOutput.plainCorrection = PlainCorrection.RealTime: a synth, a
 * version 1 bundle). A bundle piwave builds is pre-compensated on the host
 * over the whole band instead (host/dsp/plain-precompensation.ts), and the
 * player only scales it.
 *
 * What the hardware does: a period with duty u (0..1 of the range) is a
 * pulse from the period's start (docs/pwm-ms-mode.md), whose spectrum is
 * (1 − e^(−jθu))/(jθ) = u − jθu²/2 − θ²u³/6 + … (θ: radians per period). In
 * time, with u = ½ + s, the jack plays u − D[u²/2] + D²[u³/6] − … (D: the
 * derivative per period): a fixed delay plus the error −s·s′ (the 2nd
 * harmonic: THD+N −30 dB at 1 kHz −1 dBFS uncorrected) and −D²[s³]/6.
 *
 * Feeding x + s·x′ + R·D²[s³]/6 (x = R·u in levels, R the range) cancels
 * both to third order: x′ the 5-point derivative, D² the 3-point second
 * difference. That works while the signal is slow against the 44.1 kHz
 * period: at 1 kHz THD+N is −70 dB. Above about 8 kHz the series no longer
 * describes the pulse train (θ nears π and every term is as large as the
 * last) and the carrier's sidebands fold into the band; a correction from
 * the whole signal then adds distortion (a 15 kHz tone at −1 dBFS: −7 dB
 * THD+N against −12.6 uncorrected). So the correction is computed from the
 * signal's content below 8 kHz only (a 49-tap Kaiser low-pass, β 6) and
 * added to the whole signal: low frequencies are corrected as before, high
 * ones are left as they are (tests/quality.test.ts measures 1, 5, 10 and
 * 15 kHz from the pulse train).
 *
 * Delay: 26 frames (the low-pass's 24 and the correction's 2).
 */

/** Low-pass half length (taps each side of the centre). */
const HALF: i32 = 24;
const TAPS: i32 = 2 * HALF + 1;
/** Where the correction stops: it is computed from the signal below this. */
export const CORRECTION_HZ: f64 = 8000;
const KAISER_BETA: f64 = 6;

/** Frames between a sample going in and its pre-compensated level coming out. */
export const PRECOMP_DELAY: i32 = HALF + 2;

/** Modified Bessel function of the first kind, order 0 (power series). */
function besselI0(x: f64): f64 {
  let sum: f64 = 1;
  let term: f64 = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 60; k++) {
    term *= q / <f64>(k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

export class PlainPrecompensation {
  /** The low-pass taps (symmetric, DC gain 1): taps[k] for offsets ±k. */
  private readonly taps: StaticArray<f64> = new StaticArray<f64>(HALF + 1);
  /** The last TAPS input levels, a ring; `pos` is where the next one goes. */
  private readonly ring: StaticArray<f64> = new StaticArray<f64>(TAPS);
  private pos: i32 = 0;
  /** Low-passed levels at times n − 28 .. n − 24 (oldest first). */
  private lp0: f64 = 0;
  private lp1: f64 = 0;
  private lp2: f64 = 0;
  private lp3: f64 = 0;
  private lp4: f64 = 0;
  private readonly inv: f64;

  /** `range`: the PWM range R; `sampleRate`: the audio rate in Hz. */
  constructor(private readonly range: f64, sampleRate: f64) {
    this.inv = 1.0 / range;
    const fc = CORRECTION_HZ / sampleRate; // cycles per sample
    const norm = besselI0(KAISER_BETA);
    let sum: f64 = 0;
    for (let k = 0; k <= HALF; k++) {
      const r = <f64>k / <f64>(HALF + 1);
      const w = besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / norm;
      const sinc = k == 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * <f64>k) / (Math.PI * <f64>k);
      this.taps[k] = sinc * w;
      sum += k == 0 ? sinc * w : 2 * sinc * w;
    }
    for (let k = 0; k <= HALF; k++) this.taps[k] = this.taps[k] / sum;
  }

  /** Fill the delay lines with the constant level `x` (the output then starts at x, uncorrected). */
  reset(x: f64): void {
    for (let i = 0; i < TAPS; i++) this.ring[i] = x;
    this.pos = 0;
    this.lp0 = this.lp1 = this.lp2 = this.lp3 = this.lp4 = x;
  }

  /** Take level `x` (frame n); return the pre-compensated level of frame n − PRECOMP_DELAY. */
  next(x: f64): f64 {
    const ring = this.ring;
    let p = this.pos;
    ring[p] = x;
    p = p + 1 == TAPS ? 0 : p + 1;
    this.pos = p; // now the oldest sample, frame n − 48
    // The low-pass at frame n − 24: Σ taps[k]·(x[c − k] + x[c + k]), c the ring's middle.
    let c = p + HALF;
    if (c >= TAPS) c -= TAPS;
    let acc = this.taps[0] * ring[c];
    let a = c;
    let b = c;
    for (let k = 1; k <= HALF; k++) {
      a = a == 0 ? TAPS - 1 : a - 1;
      b = b + 1 == TAPS ? 0 : b + 1;
      acc += this.taps[k] * (ring[a] + ring[b]);
    }
    this.lp0 = this.lp1;
    this.lp1 = this.lp2;
    this.lp2 = this.lp3;
    this.lp3 = this.lp4;
    this.lp4 = acc;
    // The correction at frame n − 26 from the low-passed levels around it, added to that frame's own level.
    let d = c - 2;
    if (d < 0) d += TAPS;
    const inv = this.inv;
    const sm1 = this.lp1 * inv - 0.5;
    const s0 = this.lp2 * inv - 0.5;
    const s1 = this.lp3 * inv - 0.5;
    const slope = (8.0 * (this.lp3 - this.lp1) - (this.lp4 - this.lp0)) * (1.0 / 12.0);
    const cube = s1 * s1 * s1 - 2.0 * s0 * s0 * s0 + sm1 * sm1 * sm1;
    return ring[d] + s0 * slope + this.range * cube * (1.0 / 6.0);
  }
}

/**
 * Noise shaper: 3rd-order error feedback onto the PWM's integer duty
 * values, NTF(z) = (1 − z⁻¹)³: the quantisation error is pushed up out of
 * the audio band (the in-band part of an ideal shaper at OSR 16 is ~63 dB
 * below plain requantisation, docs/hardware.md#noise-shaping).
 *
 *   v = x − 3·e[n−1] + 3·e[n−2] − e[n−3]     (x: wanted duty, real)
 *   y = round(v + d)                          (d: optional TPDF dither, ±1 LSB)
 *   e = y − v
 *
 * Stable for full-scale input: with a multi-level quantiser |e| ≤ 1.5
 * (with dither), so the feedback adds at most 7 × 1.5 = 10.5 LSB; the
 * signal is kept MARGIN = 12 levels away from 0 and RNG − 1, so y never
 * clips and the loop never saturates. Should it clip anyway (a wrong
 * range), the error is clamped so the loop recovers instead of running away.
 */
export const MARGIN: f64 = 12;

export class Shaper {
  private e1: f64 = 0;
  private e2: f64 = 0;
  private e3: f64 = 0;
  private seed: u32;

  constructor(
    private readonly top: f64,
    private readonly dither: bool,
    seed: u32,
  ) {
    this.seed = seed;
  }

  /** Uniform in [0, 1), xorshift32. */
  @inline private rand(): f64 {
    let s = this.seed;
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    this.seed = s;
    return <f64>s * (1.0 / 4294967296.0);
  }

  @inline quantize(x: f64): u32 {
    const v = x - 3 * this.e1 + 3 * this.e2 - this.e3;
    let w = v;
    if (this.dither) w += this.rand() - this.rand(); // triangular, ±1 LSB
    let y = Math.floor(w + 0.5);
    if (y < 0) y = 0;
    else if (y > this.top) y = this.top;
    let e = y - v;
    if (e > 2) e = 2;
    else if (e < -2) e = -2;
    this.e3 = this.e2;
    this.e2 = this.e1;
    this.e1 = e;
    return <u32>y;
  }
}

/**
 * Noise shaper: 3rd-order error feedback onto the PWM's integer duty
 * values, NTF(z) = (1 − z⁻¹)³: the quantisation error is pushed up out of
 * the audio band (the in-band part of an ideal shaper at OSR 16 is ~63 dB
 * below plain requantisation, docs/hardware.md#noise-shaping).
 *
 *   v = x − 3·e[n−1] + 3·e[n−2] − e[n−3]     (x: wanted duty, real)
 *   y = round(v)
 *   e = y − v
 *
 * Never at a rail. Without dither |e| ≤ ½, so |v − x| ≤ (3 + 3 + 1)·½ = 3.5
 * and y = round(v) is within 4 of x. The producer keeps x inside
 * [MARGIN, top − MARGIN] (it clamps it there, after scaling the 16-bit
 * signal to leave HEADROOM for the interpolator's overshoot), so
 * 1 ≤ y ≤ top − 1: no period is ever fully low or at the top duty, for any
 * input. Should y clip anyway (a wrong range), the error is
 * clamped so the loop recovers instead of running away.
 *
 * `quantizeRamp` is for the start/stop ramps, which begin at 0 V where a
 * 3rd-order loop has no room below: under x = 3 it uses 2nd order
 * ((1 − z⁻¹)², |y − x| ≤ 2) and under x = 1 1st order (|y − x| ≤ 1), so the
 * ramp's bottom is noise-shaped too rather than clipped into bursts.
 *
 * No dither. With a multi-level quantiser under 3rd-order shaping the error
 * is already busy: the idle channel's largest in-band spur is −130 dBFS.
 * TPDF dither (±1 LSB, which piwave had as an option) made things worse on
 * M/S PWM: each pulse's position moves with its width, which mixes the
 * dither's large out-of-band energy back into the band: idle noise
 * −103.3 → −94.0 dBFS and SNR at −1 dBFS 96.4 → 91.6 dB on a Pi 4
 * (measured from the pulse train, host/quality/pulse.ts). The option was
 * removed; tests/quality.test.ts shows the mixing on a model of the shaper.
 */
/** Levels kept from each rail without dither (3rd-order bound 4, plus ½ so y stays off the rail). */
export const MARGIN: f64 = 4.5;
/**
 * Scale-down of the 16-bit signal before shaping: room for inter-sample
 * overs. The ×2 half-band's odd phase has an L1 norm of 2.83 (a
 * pathological input could reach 2.83× full scale: the clamp catches that);
 * what real signals do through the half-band and the droop equaliser: a
 * ±32767 square 1.27× (1.41× at 11 kHz), −3 dBFS-peak white noise up to
 * 1.52×. 1.6 (4.1 dB) keeps those unclipped.
 */
export const HEADROOM: f64 = 1.6;

export class Shaper {
  private e1: f64 = 0;
  private e2: f64 = 0;
  private e3: f64 = 0;

  constructor(private readonly top: f64) {}

  @inline private finish(v: f64): u32 {
    let y = Math.floor(v + 0.5);
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

  @inline quantize(x: f64): u32 {
    return this.finish(x - 3 * this.e1 + 3 * this.e2 - this.e3);
  }

  /** For the ramps from and to 0 V: lower order near the bottom rail (see the module doc). */
  quantizeRamp(x: f64): u32 {
    if (x >= 3) return this.finish(x - 3 * this.e1 + 3 * this.e2 - this.e3);
    if (x >= 1) return this.finish(x - 2 * this.e1 + this.e2);
    return this.finish(x - this.e1);
  }
}

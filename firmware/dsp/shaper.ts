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
 * input. The ramps' quantizeRamp() still clips y and clamps the error (so
 * a wrong range recovers instead of running away); the music's segment()
 * needs neither, by the bound above.
 *
 * Fixed point: x, v and e are duty levels × 2^FRAC in i32 (2^−16 of a
 * level is ~150 dB below full scale), so round() is a shift and the error
 * a mask; segment() runs 8 periods with the state in registers
 * (linear-stage.ts, docs/cpu.md).
 *
 * `quantizeRamp` is for the start/stop ramps, which begin at 0 V where a
 * 3rd-order loop has no room below: under x = 3 it uses 2nd order
 * ((1 − z⁻¹)², |y − x| ≤ 2) and under x = 0.9 1st order (|y − x| ≤ 1), so
 * the ramp's bottom is noise-shaped too rather than clipped into bursts.
 * The 1st-order loop stops at 0.9, not 1: just under one level it makes a
 * one-clock gap every 1/(1 − x) periods, isolated gaps whose band-limited
 * peaks were the Pi 4 shaped ramp's thump (−56.7 dBFS); the 2nd-order loop
 * there (clamped at 0 a little, rarely) makes none (producer.ts).
 * `primeRamp` starts the 1st-order loop with a pulse in the first period,
 * so a ramp that starts at x₀ sends evenly spaced pulses from the start.
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

/** Where quantizeRamp's 1st-order loop hands over to the 2nd-order one (module doc). */
export const RAMP_SECOND_ORDER_FROM: f64 = 0.9;

/** Fixed point of the shaper's arithmetic: duty levels × 2^FRAC (quantisation 2^−16 of a level, ~150 dB below full scale). */
export const FRAC: i32 = 16;
export const ONE: f64 = <f64>(1 << FRAC);
const HALF: i32 = 1 << (FRAC - 1);
const MASK: i32 = (1 << FRAC) - 1;
const ERROR_LIMIT: i32 = 2 << FRAC;
/** 1.5·2^52: adding it to a real below 2^31 in magnitude leaves that real rounded to the nearest integer in the low 32 bits of the sum. */
const ROUNDER: f64 = 6755399441055744.0;

/**
 * x (levels, |x| < 2^15) in fixed point, rounded to nearest: an add and a
 * bit move, where a checked float-to-int conversion costs a handful of
 * compares.
 */
@inline export function toFixed(x: f64): i32 {
  return <i32>reinterpret<i64>(x * ONE + ROUNDER);
}

export class Shaper {
  /** The last three errors, fixed point (FRAC). */
  private e1: i32 = 0;
  private e2: i32 = 0;
  private e3: i32 = 0;
  private readonly topFixed: i32;

  constructor(private readonly top: i32) {
    this.topFixed = top << FRAC;
  }

  /** y = round(v) kept in 0 .. top, e = y − v kept in ±2 (v fixed point). */
  @inline private finish(v: i32): u32 {
    let yf = (v + HALF) & ~MASK; // round(v), fixed point
    if (yf < 0) yf = 0;
    else if (yf > this.topFixed) yf = this.topFixed;
    let e = yf - v;
    if (e > ERROR_LIMIT) e = ERROR_LIMIT;
    else if (e < -ERROR_LIMIT) e = -ERROR_LIMIT;
    this.e3 = this.e2;
    this.e2 = this.e1;
    this.e1 = e;
    return <u32>(yf >> FRAC);
  }

  /** For the ramps from and to 0 V (x in levels, 0 .. top): lower order near the bottom rail (see the module doc). */
  quantizeRamp(x: f64): u32 {
    const xf = <i32>(x * ONE + 0.5);
    if (x >= 3) return this.finish(xf - 3 * this.e1 + 3 * this.e2 - this.e3);
    if (x >= RAMP_SECOND_ORDER_FROM) return this.finish(xf - 2 * this.e1 + this.e2);
    return this.finish(xf - this.e1);
  }

  /** Before a ramp from 0 V: the 1st-order loop's next output is a pulse (its error −½), then one every 1/x periods. */
  primeRamp(): void {
    this.e1 = -HALF;
    this.e2 = 0;
    this.e3 = 0;
  }

  /** One period of the 3rd-order loop for a wanted duty x (fixed point) within [MARGIN, top − MARGIN]: no clamp needed. */
  frame(x: i32): u32 {
    // With m = t mod 1 (the fraction round() drops, fixed point), e = ½ − m, so
    // t = x + ½ − 3e₁ + 3e₂ − e₃ = x + 3(m₁ − m₂) + m₃: the same loop without the ½s.
    const t = x + 3 * ((HALF - this.e1) - (HALF - this.e2)) + (HALF - this.e3);
    this.e3 = this.e2;
    this.e2 = this.e1;
    this.e1 = HALF - (t & MASK);
    return <u32>(t >> FRAC);
  }

  /**
   * One segment of 8 PWM periods (linear-stage.ts): wanted duty x_k =
   * v0 + k·step + c_k (fixed point; c_k is c0 at k = 0, c6 at 6, c7 at 7,
   * else 0), all within [MARGIN, top − MARGIN], so no clamp is needed (see
   * the module doc). Writes y_k as a u32 at dst + 8k (one channel of the
   * PWM frames). Written out period by period (no loop, no index tests),
   * the state in registers: with m = t mod 1 (the fraction that rounding
   * drops, fixed point) the error is e = ½ − m, and
   *     t = x + ½ − 3e₁ + 3e₂ − e₃ = x + 3(m₁ − m₂) + m₃,  y = ⌊t⌋
   * The three m rotate through a, b, c instead of being moved.
   */
  @inline segment(dst: usize, v0: i32, step: i32, c0: i32, c6: i32, c7: i32): void {
    let a = HALF - this.e1; // m₁
    let b = HALF - this.e2; // m₂
    let c = HALF - this.e3; // m₃
    let v = v0;
    let t = v + c0 + 3 * (a - b) + c; // k = 0
    store<u32>(dst, <u32>(t >> FRAC));
    c = t & MASK; // the new m₁
    v += step;
    t = v + 3 * (c - a) + b; // k = 1
    store<u32>(dst, <u32>(t >> FRAC), 8);
    b = t & MASK;
    v += step;
    t = v + 3 * (b - c) + a; // k = 2
    store<u32>(dst, <u32>(t >> FRAC), 16);
    a = t & MASK;
    v += step;
    t = v + 3 * (a - b) + c; // k = 3
    store<u32>(dst, <u32>(t >> FRAC), 24);
    c = t & MASK;
    v += step;
    t = v + 3 * (c - a) + b; // k = 4
    store<u32>(dst, <u32>(t >> FRAC), 32);
    b = t & MASK;
    v += step;
    t = v + 3 * (b - c) + a; // k = 5
    store<u32>(dst, <u32>(t >> FRAC), 40);
    a = t & MASK;
    v += step;
    t = v + c6 + 3 * (a - b) + c; // k = 6
    store<u32>(dst, <u32>(t >> FRAC), 48);
    c = t & MASK;
    v += step;
    t = v + c7 + 3 * (c - a) + b; // k = 7
    store<u32>(dst, <u32>(t >> FRAC), 56);
    b = t & MASK;
    this.e1 = HALF - b;
    this.e2 = HALF - c;
    this.e3 = HALF - a;
  }
}

/**
 * The shaped mode's last stage, per channel: ×8 linear interpolation of the
 * 88.2 kHz points (interpolator.ts) up to the PWM frame rate, M/S PWM's
 * pulse-position pre-compensation, and the noise shaper (shaper.ts), eight
 * PWM periods ("a segment", from one point to the next) at a time.
 *
 * Pre-compensation. A period with duty u (0..1) is a pulse from the
 * period's start (docs/pwm-ms-mode.md), whose spectrum is
 * (1 − e^(−jθu))/(jθ) = u − jθu²/2 − θ²u³/6 + … (θ: radians per period).
 * In time, with u = ½ + s, the jack plays u − D[u²/2] + D²[u³/6] − …
 * (D: derivative per period): the linear parts are a fixed delay, the
 * nonlinear ones the error: −s·s′ (a 2nd harmonic, −55 dB at 1 kHz full
 * scale at OSR 16) and −D²[s³]/6 (what limited broadband signals to a
 * SINAD of 86 dB). Feeding
 *     x + s·x′ + R·D²[s³]/6          (x = R·u in levels, R the range)
 * cancels both to third order, x′ the 5-point derivative
 * (−x₊₂ + 8x₊₁ − 8x₋₁ + x₋₂)/12, D² the 3-point second difference.
 *
 * Per segment instead of per period. Inside a segment x is a straight
 * line, x_k = p₀ + (k + 1)·d (k = 0..7, d = (p₁ − p₀)/8), so both
 * difference operators are exact there: x′ = d, D²[s³] = 6·s·h² (h = d/R),
 * and the pre-compensated value x + s·(d + d²/R) is itself a straight
 * line: L_k = L₀ + k·step. Only the periods whose windows reach across a
 * point where the slope changes from d to d⁺ (Δ = d⁺ − d) differ, by
 *     k = 6:  −s·Δ/12
 *     k = 7:  Δ·(s(1 + s)/2 + s(d⁺ + d)/(2R) + (d⁺² + d⁺d + d²)/(6R²))   (the point itself)
 *     next segment's k = 0:  +s·Δ⁻/12   (Δ⁻ the change at its first point)
 * The per-period formula's output, exactly (in real arithmetic): the same
 * sound as before, for a handful of operations per segment plus, per
 * period, an add and the shaper's integer error feedback. A segment needs
 * the slope after it, so this stage runs one segment (8 periods) behind.
 *
 * The wanted duty is clamped to [low, high] (MARGIN from each rail,
 * shaper.ts): a segment whose line and corrected periods all lie inside
 * (checked at its ends and at k = 0, 6, 7; the line between is monotone)
 * goes to the shaper as a line; the rare other one (a pathological input
 * beyond HEADROOM's overs) is clamped period by period.
 */
import { ONE, Shaper, toFixed } from "./shaper";

export class LinearStage {
  /** The last point whose segment has been sent, the point after it, and that segment's slope (levels per period). */
  private p0: f64 = 0;
  private p1: f64 = 0;
  private slope: f64 = 0;
  private readonly invR: f64;
  /** [low, high] in fixed point: low, and high − low. */
  private readonly lowF: i32;
  private readonly spanF: u32;

  /** `range`: the PWM range R; the wanted duty is kept in [low, high]. */
  constructor(
    readonly shaper: Shaper,
    range: f64,
    private readonly low: f64,
    private readonly high: f64,
  ) {
    this.invR = 1.0 / range;
    this.lowF = <i32>Math.ceil(low * ONE);
    this.spanF = <u32>(<i32>Math.floor(high * ONE) - this.lowF);
  }

  /** Start from a constant level (the ramp's end). */
  reset(x: f64): void {
    this.p0 = x;
    this.p1 = x;
    this.slope = 0;
  }

  /**
   * Points a then b of the next input frame (levels): 16 PWM periods of
   * this channel's duty at dst, dst + 8, … (u32 each, interleaved with the
   * other channel's).
   */
  push(dst: usize, a: f64, b: f64): void {
    const p1 = this.p1;
    this.segment(dst, this.p0, p1, (a - p1) * 0.125);
    this.segment(dst + 64, p1, a, (b - a) * 0.125);
    this.p0 = a;
    this.p1 = b;
  }

  /** The 8 periods from p0 (excluded) to p1 (included); `next`: the slope of the segment after. */
  @inline private segment(dst: usize, p0: f64, p1: f64, next: f64): void {
    const invR = this.invR;
    const d = (p1 - p0) * 0.125; // x′ on the line
    const h = d * invR;
    const c = d * (1.0 + h); // x′ + R·D²[s³]/(6s) on the line
    const g = 1.0 + c * invR;
    const step = d * g; // L_k = x_k·g − c/2
    const l7 = p1 * g - 0.5 * c;
    const l0 = l7 - 7.0 * step;
    const s7 = p1 * invR - 0.5;
    const before = d - this.slope;
    const after = next - d;
    this.slope = d;
    const c0 = (s7 - 7.0 * h) * before * (1.0 / 12.0);
    const c6 = (h - s7) * after * (1.0 / 12.0);
    const c7 = after * (0.5 * s7 * (1.0 + s7 + (next + d) * invR) + (next * next + next * d + d * d) * (1.0 / 6.0) * invR * invR);
    // Fixed point (shaper.ts). The segment's periods all lie within its
    // line's ends and the three corrected periods: if those are inside
    // [low, high], so is everything (one unsigned compare each).
    const v0 = toFixed(l0);
    const st = toFixed(step);
    const k0 = toFixed(c0);
    const k6 = toFixed(c6);
    const k7 = toFixed(c7);
    const l7f = v0 + 7 * st;
    const lowF = this.lowF;
    const span = this.spanF;
    if (<u32>(v0 - lowF) <= span && <u32>(l7f - lowF) <= span && <u32>(v0 + k0 - lowF) <= span && <u32>(l7f - st + k6 - lowF) <= span && <u32>(l7f + k7 - lowF) <= span) {
      this.shaper.segment(dst, v0, st, k0, k6, k7);
      return;
    }
    // Clamped period by period (never for inputs within HEADROOM).
    for (let k = 0; k < 8; k++) {
      let x = l0 + <f64>k * step + (k == 0 ? c0 : k == 6 ? c6 : k == 7 ? c7 : 0);
      x = x < this.low ? this.low : x > this.high ? this.high : x;
      store<u32>(dst + <usize>(k << 3), this.shaper.frame(toFixed(x)));
    }
  }
}

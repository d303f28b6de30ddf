/**
 * ×16 interpolation for the shaped mode, per channel, in two stages:
 *   1. ×2 half-band FIR (halfband-taps.ts, 143 taps, Kaiser β 10):
 *      passband 0–20 kHz ripple ±0.0001 dB, stop band from 24.1 kHz
 *      −99.7 dB (at 44.1 kHz in). Polyphase: the even output is the input
 *      delayed by 35 samples, the odd output a 72-tap dot product.
 *   2. a 7-tap droop equaliser at 88.2 kHz (DROOP_EQ), then ×8 linear
 *      interpolation (sinc² response: images around multiples of
 *      88.2 kHz, far above the audio band, where the noise shaper puts its
 *      noise too). Alone, the linear stage droops −1.5 dB at 20 kHz; the
 *      equaliser boosts what it takes, so the whole is flat within
 *      ±0.001 dB from 20 Hz to 20 kHz (host/dsp/halfband.ts designs both,
 *      tests/quality.test.ts measures it at the jack).
 * Group delay: 35.5 input samples + 1.5 (equaliser) + ½ (stage 2).
 */
import { DROOP_EQ, HALFBAND_ODD } from "./halfband-taps";

const TAPS: i32 = 72;
const EQ_LEN: i32 = 7;
const CENTER: i32 = 35;
/** Stage-2 factor. */
export const STAGE2: i32 = 8;

export class Interpolator {
  /** The last 72 input samples, twice over so a window is always contiguous. */
  private readonly hist: StaticArray<f64> = new StaticArray<f64>(TAPS * 2);
  private pos: i32 = 0;
  /** The last stage-1 output (start of the current linear segment). */
  private prev: f64 = 0;
  /** Equalised stage-1 outputs of the current input sample. */
  private a: f64 = 0;
  private b: f64 = 0;
  /** The equaliser's last 7 inputs (88.2 kHz), twice over so a window is always contiguous. */
  private readonly eq: StaticArray<f64> = new StaticArray<f64>(EQ_LEN * 2);
  private eqPos: i32 = 0;

  reset(value: f64): void {
    for (let i = 0; i < TAPS * 2; i++) unchecked((this.hist[i] = value));
    for (let i = 0; i < EQ_LEN * 2; i++) unchecked((this.eq[i] = value));
    this.prev = value;
    this.a = value;
    this.b = value;
  }

  /** Take one input sample; then `at(k)` for k = 0..15 gives the 16 outputs. */
  push(x: f64): void {
    this.pos = this.pos == 0 ? TAPS - 1 : this.pos - 1;
    unchecked((this.hist[this.pos] = x));
    unchecked((this.hist[this.pos + TAPS] = x));
    this.prev = this.b;
    // Odd phase: dot product over the window, newest first; the taps are symmetric, so pairs share a multiply.
    let acc: f64 = 0;
    const base = this.pos;
    for (let k = 0; k < TAPS / 2; k++) acc += unchecked(HALFBAND_ODD[k]) * (unchecked(this.hist[base + k]) + unchecked(this.hist[base + TAPS - 1 - k]));
    // Even phase: the centre tap alone (delay of 35 inputs).
    this.a = this.equalise(acc);
    this.b = this.equalise(unchecked(this.hist[base + CENTER]));
  }

  /** One 88.2 kHz sample through the symmetric droop equaliser (3 samples of delay). */
  @inline private equalise(v: f64): f64 {
    this.eqPos = this.eqPos == 0 ? EQ_LEN - 1 : this.eqPos - 1;
    const p = this.eqPos;
    unchecked((this.eq[p] = v));
    unchecked((this.eq[p + EQ_LEN] = v));
    return (
      unchecked(DROOP_EQ[0]) * unchecked(this.eq[p + 3]) +
      unchecked(DROOP_EQ[1]) * (unchecked(this.eq[p + 2]) + unchecked(this.eq[p + 4])) +
      unchecked(DROOP_EQ[2]) * (unchecked(this.eq[p + 1]) + unchecked(this.eq[p + 5])) +
      unchecked(DROOP_EQ[3]) * (unchecked(this.eq[p]) + unchecked(this.eq[p + 6]))
    );
  }

  /** Output k (0..15) of the current input: a linear ramp prev → a → b over 16 steps. */
  @inline at(k: i32): f64 {
    if (k < STAGE2) return this.prev + (this.a - this.prev) * (<f64>(k + 1) / <f64>STAGE2);
    return this.a + (this.b - this.a) * (<f64>(k - STAGE2 + 1) / <f64>STAGE2);
  }
}

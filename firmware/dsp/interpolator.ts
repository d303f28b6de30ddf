/**
 * ×16 interpolation for the shaped mode, both channels at once, stage 1:
 *   1. ×2 half-band FIR (halfband-taps.ts, 143 taps, Kaiser β 10):
 *      passband 0–20 kHz ripple ±0.0001 dB, stop band from 24.1 kHz
 *      −99.7 dB (at 44.1 kHz in). Polyphase: the even output is the input
 *      delayed by 35 samples, the odd output a 72-tap dot product whose
 *      taps are symmetric, so 36 multiplies per channel per input sample.
 *   2. a 7-tap droop equaliser at 88.2 kHz (DROOP_EQ) for the ×8 linear
 *      stage that follows (linear-stage.ts: sinc² response, −1.5 dB at
 *      20 kHz alone; with the equaliser the whole is flat within ±0.001 dB
 *      from 20 Hz to 20 kHz: host/dsp/halfband.ts designs both,
 *      tests/quality.test.ts measures it at the jack).
 * Each input frame gives two 88.2 kHz points per channel, `a` (odd phase)
 * then `b` (even phase). Group delay: 35.5 input samples + 1.5 (equaliser).
 *
 * Cost: the half-band works on the 16-bit samples in fixed point (taps
 * × 2^30, exact 64-bit sums: no rounding at all), written out tap by tap
 * with the taps as constants (halfband-taps.ts, generated); the left and
 * right histories are interleaved and stored twice over, so a window is
 * always contiguous at constant offsets. 36 × 2 multiply-adds per input
 * frame. The equaliser and everything after work in levels (f64).
 */
import { DROOP_EQ, HALFBAND_FIXED_BITS, halfbandOdd, oddLeft, oddRight } from "./halfband-taps";

const TAPS: i32 = 72;
const EQ_LEN: i32 = 7;
const CENTER: i32 = 35;
/** Bytes per stereo history entry: left i16, right i16. */
const ENTRY: i32 = 4;
/** Bytes per stereo equaliser entry: left f64, right f64. */
const EQ_ENTRY: i32 = 16;

export class Interpolator {
  /** The last 72 stereo input frames, newest first from `pos`, twice over so a window is always contiguous. */
  private readonly hist: StaticArray<i32> = new StaticArray<i32>(TAPS * 2);
  private pos: i32 = 0;
  /** The equaliser's last 7 stereo inputs (88.2 kHz, levels), twice over. */
  private readonly eq: StaticArray<f64> = new StaticArray<f64>(EQ_LEN * 2 * 2);
  private eqPos: i32 = 0;
  /** Output levels: mid + sample × scale. */
  private mid: f64 = 0;
  private scale: f64 = 0;
  private oddScale: f64 = 0;
  /** The current input frame's two equalised 88.2 kHz points per channel (levels), in order a then b. */
  aL: f64 = 0;
  bL: f64 = 0;
  aR: f64 = 0;
  bR: f64 = 0;

  /** Silence; the outputs are `mid + sample × scale` in levels. */
  reset(mid: f64, scale: f64): void {
    this.mid = mid;
    this.scale = scale;
    this.oddScale = scale / <f64>(<i64>1 << HALFBAND_FIXED_BITS);
    for (let i = 0; i < TAPS * 2; i++) unchecked((this.hist[i] = 0));
    for (let i = 0; i < EQ_LEN * 4; i++) unchecked((this.eq[i] = mid));
    this.aL = this.bL = this.aR = this.bR = mid;
  }

  /** Take one stereo input frame (16-bit samples; beyond that range, clamped); then aL, bL, aR, bR are its four outputs. */
  push(l: i32, r: i32): void {
    l = l < -32768 ? -32768 : l > 32767 ? 32767 : l; // the history holds 16 bits
    r = r < -32768 ? -32768 : r > 32767 ? 32767 : r;
    const pos = this.pos == 0 ? TAPS - 1 : this.pos - 1;
    this.pos = pos;
    const h = changetype<usize>(this.hist) + <usize>(pos * ENTRY);
    store<i16>(h, l);
    store<i16>(h, r, 2);
    store<i16>(h + <usize>(TAPS * ENTRY), l);
    store<i16>(h + <usize>(TAPS * ENTRY), r, 2);
    // Odd phase: the 36 symmetric tap pairs, exact in 64 bits (halfband-taps.ts).
    halfbandOdd(h);
    const mid = this.mid;
    const odd = this.oddScale;
    this.equalise(mid + <f64>oddLeft * odd, mid + <f64>oddRight * odd);
    this.aL = this.outL;
    this.aR = this.outR;
    // Even phase: the centre tap alone (delay of 35 inputs).
    const c = h + <usize>(CENTER * ENTRY);
    const scale = this.scale;
    this.equalise(mid + <f64>load<i16>(c) * scale, mid + <f64>load<i16>(c, 2) * scale);
    this.bL = this.outL;
    this.bR = this.outR;
  }

  private outL: f64 = 0;
  private outR: f64 = 0;

  /** One stereo 88.2 kHz sample through the symmetric droop equaliser (3 samples of delay) into outL/outR. */
  @inline private equalise(l: f64, r: f64): void {
    const p = this.eqPos == 0 ? EQ_LEN - 1 : this.eqPos - 1;
    this.eqPos = p;
    const e = changetype<usize>(this.eq) + <usize>(p * EQ_ENTRY);
    store<f64>(e, l);
    store<f64>(e, r, 8);
    store<f64>(e + <usize>(EQ_LEN * EQ_ENTRY), l);
    store<f64>(e + <usize>(EQ_LEN * EQ_ENTRY), r, 8);
    const k0 = unchecked(DROOP_EQ[0]);
    const k1 = unchecked(DROOP_EQ[1]);
    const k2 = unchecked(DROOP_EQ[2]);
    const k3 = unchecked(DROOP_EQ[3]);
    this.outL =
      k0 * load<f64>(e, 3 * EQ_ENTRY) + k1 * (load<f64>(e, 2 * EQ_ENTRY) + load<f64>(e, 4 * EQ_ENTRY)) + k2 * (load<f64>(e, EQ_ENTRY) + load<f64>(e, 5 * EQ_ENTRY)) + k3 * (load<f64>(e) + load<f64>(e, 6 * EQ_ENTRY));
    this.outR =
      k0 * load<f64>(e, 3 * EQ_ENTRY + 8) +
      k1 * (load<f64>(e, 2 * EQ_ENTRY + 8) + load<f64>(e, 4 * EQ_ENTRY + 8)) +
      k2 * (load<f64>(e, EQ_ENTRY + 8) + load<f64>(e, 5 * EQ_ENTRY + 8)) +
      k3 * (load<f64>(e, 8) + load<f64>(e, 6 * EQ_ENTRY + 8));
  }
}

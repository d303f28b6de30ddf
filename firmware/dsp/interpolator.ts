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
 * Cost: the left and right histories are interleaved, so one pass over the
 * taps serves both channels (one tap load per two multiply-adds), and the
 * window is stored twice over so it is always contiguous (no wrap test in
 * the loop). 36 × 2 multiply-adds per input frame: about 20 % of the
 * shaped mode's instructions (docs/cpu.md).
 */
import { DROOP_EQ, HALFBAND_ODD } from "./halfband-taps";

const TAPS: i32 = 72;
const EQ_LEN: i32 = 7;
const CENTER: i32 = 35;
/** Bytes per stereo history entry (left f64, right f64). */
const ENTRY: i32 = 16;

export class Interpolator {
  /** The last 72 stereo input frames, newest first from `pos`, twice over so a window is always contiguous. */
  private readonly hist: StaticArray<f64> = new StaticArray<f64>(TAPS * 2 * 2);
  private pos: i32 = 0;
  /** The equaliser's last 7 stereo inputs (88.2 kHz), twice over. */
  private readonly eq: StaticArray<f64> = new StaticArray<f64>(EQ_LEN * 2 * 2);
  private eqPos: i32 = 0;
  /** The current input frame's two equalised 88.2 kHz points per channel, in order a then b. */
  aL: f64 = 0;
  bL: f64 = 0;
  aR: f64 = 0;
  bR: f64 = 0;

  reset(value: f64): void {
    for (let i = 0; i < TAPS * 4; i++) unchecked((this.hist[i] = value));
    for (let i = 0; i < EQ_LEN * 4; i++) unchecked((this.eq[i] = value));
    this.aL = this.bL = this.aR = this.bR = value;
  }

  /** Take one stereo input frame; then aL, bL, aR, bR are its four outputs. */
  push(l: f64, r: f64): void {
    const pos = this.pos == 0 ? TAPS - 1 : this.pos - 1;
    this.pos = pos;
    const h = changetype<usize>(this.hist) + <usize>(pos * ENTRY);
    store<f64>(h, l);
    store<f64>(h, r, 8);
    store<f64>(h + <usize>(TAPS * ENTRY), l);
    store<f64>(h + <usize>(TAPS * ENTRY), r, 8);
    // Odd phase: the window newest first; the taps are symmetric, so pairs share a multiply.
    let accL: f64 = 0;
    let accR: f64 = 0;
    let lo = h;
    let hi = h + <usize>((TAPS - 1) * ENTRY);
    const taps = changetype<usize>(HALFBAND_ODD);
    for (let k = 0; k < TAPS / 2; k++) {
      const t = load<f64>(taps + <usize>(k << 3));
      accL += t * (load<f64>(lo) + load<f64>(hi));
      accR += t * (load<f64>(lo, 8) + load<f64>(hi, 8));
      lo += ENTRY;
      hi -= ENTRY;
    }
    // Even phase: the centre tap alone (delay of 35 inputs).
    const c = h + <usize>(CENTER * ENTRY);
    this.equalise(accL, accR);
    this.aL = this.outL;
    this.aR = this.outR;
    this.equalise(load<f64>(c), load<f64>(c, 8));
    this.bL = this.outL;
    this.bR = this.outR;
  }

  private outL: f64 = 0;
  private outR: f64 = 0;

  /** One stereo 88.2 kHz sample through the symmetric droop equaliser (3 samples of delay) into outL/outR. */
  @inline private equalise(l: f64, r: f64): void {
    const p = this.eqPos == 0 ? EQ_LEN - 1 : this.eqPos - 1;
    this.eqPos = p;
    const e = changetype<usize>(this.eq) + <usize>(p * ENTRY);
    store<f64>(e, l);
    store<f64>(e, r, 8);
    store<f64>(e + <usize>(EQ_LEN * ENTRY), l);
    store<f64>(e + <usize>(EQ_LEN * ENTRY), r, 8);
    const k0 = unchecked(DROOP_EQ[0]);
    const k1 = unchecked(DROOP_EQ[1]);
    const k2 = unchecked(DROOP_EQ[2]);
    const k3 = unchecked(DROOP_EQ[3]);
    this.outL = k0 * load<f64>(e, 3 * ENTRY) + k1 * (load<f64>(e, 2 * ENTRY) + load<f64>(e, 4 * ENTRY)) + k2 * (load<f64>(e, ENTRY) + load<f64>(e, 5 * ENTRY)) + k3 * (load<f64>(e) + load<f64>(e, 6 * ENTRY));
    this.outR =
      k0 * load<f64>(e, 3 * ENTRY + 8) + k1 * (load<f64>(e, 2 * ENTRY + 8) + load<f64>(e, 4 * ENTRY + 8)) + k2 * (load<f64>(e, ENTRY + 8) + load<f64>(e, 5 * ENTRY + 8)) + k3 * (load<f64>(e, 8) + load<f64>(e, 6 * ENTRY + 8));
  }
}

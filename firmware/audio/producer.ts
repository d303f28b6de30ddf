/**
 * The PWM word stream: one duty value per channel per PWM period.
 *
 * Phases: ramp up from 0 (the idle level, 0 V) to mid-scale (silence), the
 * music (source.ts: tracks with their lead-in/lead-out ramps), ramp down to
 * 0, done. The ramps move the jack's DC level across its AC-coupling
 * capacitor, a high-pass around 20 Hz (reference §3.4, §7.4): whatever the
 * ramp's shape, the high-pass output has an area of τ·ΔDC (τ = 1/(2π·20 Hz)
 * = 8 ms), so its peak is at least τ·ΔDC / duration. Keeping that thump
 * 60 dB below full scale takes seconds, not the milliseconds peers use:
 *   plain:  a staircase of one-level steps (the smallest move the PWM
 *           has), spaced Δ periods apart. A step of q (one level) decays
 *           through the high-pass as e^(−t/τ); steps every Δ pile up to a
 *           peak of q / (1 − e^(−Δ/τ)). Δ is the shortest for which that
 *           is THUMP_DBFS of a full-scale sine's peak (Pi 4: 15.5 s,
 *           Pi 3: 10.6 s, as the range is twice as fine).
 *   shaped: a straight line of the wanted level through the noise shaper
 *           (sub-level steps; the shaper's noise stays above the band):
 *           peak τ·slope, so duration = τ·mid / (THUMP_DBFS·full scale)
 *           (9.8 s).
 * tests/thump.test.ts measures it through the first-order 20 Hz model.
 * A build with RAMP_MS (config.ts) uses that length instead (tests that do
 * not measure the ramps).
 *
 * Plain (QUALITY 0), one PWM frame per audio frame:
 *     duty = ((s + 32768) * range) >> 16     (0 .. range-1, silence = range/2)
 * Shaped (QUALITY 1), 16 PWM frames per audio frame:
 *   Interpolator ×16 → x = MARGIN + (s + 32768)·(range − 1 − 2·MARGIN)/65535
 *   → Predistort (cancels M/S PWM's pulse-position distortion) → Shaper
 *   (3rd-order error feedback, optional TPDF dither) → duty.
 *   The predistortion adds at most (u − ½)·Δx/2 (a few levels even for a
 *   full-scale 20 kHz tone), inside the shaper's 12-level margin.
 */
import { PWM_CLOCK_HZ } from "../board";
import { OSR, RAMP_MS_SET, SHAPED } from "../config";
import { Interpolator } from "../dsp/interpolator";
import { MARGIN, Shaper } from "../dsp/shaper";
import { toward } from "../lib/ramp";
import * as source from "./source";

/** Goal for the start/stop thump through a first-order 20 Hz high-pass, dB below a full-scale sine's peak (with 0.5 dB to spare). */
const THUMP_DBFS: f64 = -60.5;
/** The AC coupling's time constant, 1 / (2π·20 Hz). */
const COUPLING_TAU_S: f64 = 1.0 / (2.0 * Math.PI * 20.0);

const UP: i32 = 0;
const PLAY: i32 = 1;
const FLUSH: i32 = 2;
const DOWN: i32 = 3;
const DONE: i32 = 4;

let phase: i32 = DONE;
let range: u32 = 0;
let mid: u32 = 0;
/** Ramp length in PWM periods, and the current position in it. */
let rampLen: u64 = 1;
let rampPos: u64 = 0;
let rampFromR: u32 = 0;
let rampFromL: u32 = 0;
/** Frames spent ramping up or down (PWM frames). */
export let rampFrames: u64 = 0;

/** The current frame after `produce()`. */
export let outRight: u32 = 0;
export let outLeft: u32 = 0;

// Shaped-mode state.
const interpL = new Interpolator();
const interpR = new Interpolator();
let shapeL: Shaper | null = null;
let shapeR: Shaper | null = null;
let sub: i32 = 16; // next output index 0..15 of the current audio frame
let xMid: f64 = 0;
let xScale: f64 = 0;
let xRamp: f64 = 0;
let xRampStep: f64 = 0;
let flushLeft: i32 = 0;

/**
 * Pre-compensation of M/S PWM's own distortion. A period with duty u
 * (0..1) is a pulse whose centre sits (u − ½)·T from the period's centre,
 * so the jack plays u(t − (u − ½)·T) ≈ u − (u − ½)·T·u': a 2nd-harmonic
 * error that grows with level and frequency (−55 dB at 1 kHz full scale at
 * OSR 16). Feeding u + (u − ½)·T·u' cancels it to first order; u' is the
 * central difference over the neighbouring periods (one period of delay).
 */
class Predistort {
  private xm1: f64 = 0;
  private x0: f64 = 0;
  constructor(private readonly range: f64) {}
  reset(x: f64): void {
    this.xm1 = x;
    this.x0 = x;
  }
  @inline next(x1: f64): f64 {
    const out = this.x0 + (this.x0 / this.range - 0.5) * (x1 - this.xm1) * 0.5;
    this.xm1 = this.x0;
    this.x0 = x1;
    return out;
  }
}
let predistortL = new Predistort(1);
let predistortR = new Predistort(1);

/**
 * The start/stop ramp's length in PWM periods for range `r` (see the module
 * doc): RAMP_MS if the build sets it, else the shortest thump-free one.
 */
export function rampPeriods(r: u32): u64 {
  const frameRate = <f64>PWM_CLOCK_HZ / <f64>r;
  if (RAMP_MS_SET > 0) {
    const n = <u64>((<f64>RAMP_MS_SET * frameRate) / 1000.0);
    return n > 0 ? n : 1;
  }
  const limit = Math.pow(10.0, THUMP_DBFS / 20.0);
  if (SHAPED) {
    const amp = (<f64>r - 1 - 2 * MARGIN) / (2.0 * <f64>r); // a full-scale sine's peak at the pin (0..1)
    const midLevel = (MARGIN + 32768.0 * ((<f64>r - 1 - 2 * MARGIN) / 65535.0)) / <f64>r;
    return <u64>Math.ceil((midLevel * COUPLING_TAU_S * frameRate) / (limit * amp));
  }
  // One-level steps q = 1/r against a full-scale peak of ½: q / (1 − e^(−Δ/τ)) ≤ limit · ½.
  const ratio = 1.0 / <f64>r / (limit * 0.5);
  const delta = -Math.log(1.0 - ratio) * COUPLING_TAU_S * frameRate;
  return <u64>Math.ceil(delta * <f64>(r / 2));
}

@inline export function convert(sample: i32, r: u32): u32 {
  return (<u32>(sample + 32768) * r) >> 16;
}

/** The s16 step of the source's lead-in/lead-out ramps (a track that starts or ends away from 0): one plain duty level per frame. */
export function sourceRampStep(r: u32): i32 {
  if (SHAPED) return 23; // same pace as a Pi 4 plain ramp: ~1.4 ms per 1 % of full scale
  const s = <i32>(<u64>65536 / <u64>r);
  return s > 0 ? s : 1;
}

export function start(pwmRange: u32, dither: bool): void {
  range = pwmRange;
  mid = range / 2;
  rampLen = rampPeriods(range);
  rampPos = 0;
  rampFrames = 0;
  outRight = 0;
  outLeft = 0;
  begun = false;
  phase = UP;
  if (SHAPED) {
    xScale = (<f64>range - 1 - 2 * MARGIN) / 65535.0;
    xMid = MARGIN + 32768.0 * xScale;
    xRamp = 0;
    xRampStep = xMid / <f64>rampLen;
    shapeL = new Shaper(<f64>(range - 1), dither, 0x9e3779b9);
    shapeR = new Shaper(<f64>(range - 1), dither, 0x7f4a7c15);
    interpL.reset(0);
    interpR.reset(0);
    predistortL = new Predistort(<f64>range);
    predistortR = new Predistort(<f64>range);
    sub = 16;
  }
  source.start(sourceRampStep(range));
}

let begun = false;

/** Level `from` scaled by pos/len, rounded down: the staircase of the plain ramps. */
@inline function stair(from: u32, pos: u64, len: u64): u32 {
  return <u32>((<u64>from * pos) / len);
}

function producePlain(): bool {
  if (!begun) {
    begun = true; // the first frame is the idle level itself
    rampFrames++;
    return true;
  }
  if (phase == UP) {
    if (rampPos < rampLen) {
      rampPos++;
      outRight = outLeft = stair(mid, rampPos, rampLen);
      rampFrames++;
      return true;
    }
    phase = PLAY;
  }
  if (phase == PLAY) {
    if (source.next()) {
      outRight = convert(source.right, range);
      outLeft = convert(source.left, range);
      return true;
    }
    phase = DOWN;
    rampPos = 0;
    rampFromR = outRight;
    rampFromL = outLeft;
  }
  if (phase == DOWN) {
    if (rampPos >= rampLen) {
      phase = DONE;
      return false;
    }
    rampPos++;
    outRight = stair(rampFromR, rampLen - rampPos, rampLen);
    outLeft = stair(rampFromL, rampLen - rampPos, rampLen);
    rampFrames++;
    return true;
  }
  return false;
}

function produceShaped(): bool {
  const sl = shapeL!;
  const sr = shapeR!;
  if (phase == UP) {
    xRamp += xRampStep;
    if (xRamp >= xMid) {
      xRamp = xMid;
      phase = PLAY;
      predistortL.reset(xMid);
      predistortR.reset(xMid);
    }
    outRight = sr.quantize(xRamp);
    outLeft = sl.quantize(xRamp);
    rampFrames++;
    return true;
  }
  if (phase == PLAY || phase == FLUSH) {
    if (sub == 16) {
      let l: f64 = 0;
      let r: f64 = 0;
      if (phase == PLAY) {
        if (source.next()) {
          l = <f64>source.left;
          r = <f64>source.right;
        } else {
          phase = FLUSH;
          flushLeft = 40; // let the interpolator's 36-sample delay line empty
        }
      }
      if (phase == FLUSH && flushLeft-- <= 0) {
        phase = DOWN;
        xRamp = xMid;
        predistortL.reset(xMid);
        predistortR.reset(xMid);
        return produceShaped();
      }
      interpL.push(l);
      interpR.push(r);
      sub = 0;
    }
    const k = sub++;
    outRight = sr.quantize(predistortR.next(MARGIN + (interpR.at(k) + 32768.0) * xScale));
    outLeft = sl.quantize(predistortL.next(MARGIN + (interpL.at(k) + 32768.0) * xScale));
    return true;
  }
  if (phase == DOWN) {
    xRamp -= xRampStep;
    if (xRamp <= 0) {
      phase = DONE;
      outRight = 0;
      outLeft = 0;
      return false;
    }
    outRight = sr.quantize(xRamp);
    outLeft = sl.quantize(xRamp);
    rampFrames++;
    return true;
  }
  outRight = 0;
  outLeft = 0;
  return false;
}

/** Next PWM frame into outRight/outLeft; false when everything has been played (then 0, 0). */
@inline export function produce(): bool {
  return SHAPED ? produceShaped() : producePlain();
}


/**
 * The PWM word stream: one duty value per channel per PWM period.
 *
 * Phases: ramp up from 0 (the idle level, 0 V) to mid-scale (silence), the
 * music (source.ts: tracks with their lead-in/lead-out ramps), ramp down to
 * 0, done. Ramps avoid the DC step through the jack's AC-coupling
 * capacitor that makes the start/stop pop (docs/hardware.md#analog-output-and-pops).
 *
 * Plain (QUALITY 0), one PWM frame per audio frame:
 *     duty = ((s + 32768) * range) >> 16     (0 .. range-1, silence = range/2)
 *   and the up/down ramps move by rampStep() per frame.
 * Shaped (QUALITY 1), 16 PWM frames per audio frame:
 *   Interpolator ×16 → x = MARGIN + (s + 32768)·(range − 1 − 2·MARGIN)/65535
 *   → Predistort (cancels M/S PWM's pulse-position distortion) → Shaper
 *   (3rd-order error feedback, optional TPDF dither) → duty.
 *   The predistortion adds at most (u − ½)·Δx/2 (a few levels even for a
 *   full-scale 20 kHz tone), inside the shaper's 12-level margin.
 *   The up/down ramps are ramps of x through the shaper (46 ms).
 */
import { OSR, SHAPED } from "../config";
import { Interpolator } from "../dsp/interpolator";
import { MARGIN, Shaper } from "../dsp/shaper";
import { toward } from "../lib/ramp";
import * as source from "./source";

/** Frames a plain 0 → mid ramp takes at most (~46 ms at 44.1 kHz). */
export const RAMP_FRAMES: u32 = 2048;

const UP: i32 = 0;
const PLAY: i32 = 1;
const FLUSH: i32 = 2;
const DOWN: i32 = 3;
const DONE: i32 = 4;

let phase: i32 = DONE;
let range: u32 = 0;
let mid: u32 = 0;
let step: u32 = 1;
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

/** Largest per-frame move of a plain ramp: reaches mid-scale in at most RAMP_FRAMES frames. */
export function rampStep(r: u32): u32 {
  const half = r / 2;
  const s = (half + RAMP_FRAMES - 1) / RAMP_FRAMES;
  return s > 0 ? s : 1;
}

@inline export function convert(sample: i32, r: u32): u32 {
  return (<u32>(sample + 32768) * r) >> 16;
}

/** The s16 ramp step that moves the plain duty by at most rampStep per frame. */
export function sourceRampStep(r: u32): i32 {
  if (SHAPED) return 23; // same pace as a Pi 4 plain ramp: ~1.4 ms per 1 % of full scale
  return <i32>((<u64>rampStep(r) * 65536) / <u64>r);
}

export function start(pwmRange: u32, dither: bool): void {
  range = pwmRange;
  mid = range / 2;
  step = rampStep(range);
  rampFrames = 0;
  outRight = 0;
  outLeft = 0;
  begun = false;
  phase = UP;
  if (SHAPED) {
    xScale = (<f64>range - 1 - 2 * MARGIN) / 65535.0;
    xMid = MARGIN + 32768.0 * xScale;
    xRamp = 0;
    xRampStep = xMid / <f64>(RAMP_FRAMES * OSR);
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

function producePlain(): bool {
  if (!begun) {
    begun = true; // the first frame is the idle level itself
    rampFrames++;
    return true;
  }
  if (phase == UP) {
    if (outRight == mid && outLeft == mid) {
      phase = PLAY;
    } else {
      outRight = toward<u32>(outRight, mid, step);
      outLeft = toward<u32>(outLeft, mid, step);
      rampFrames++;
      return true;
    }
  }
  if (phase == PLAY) {
    if (source.next()) {
      outRight = convert(source.right, range);
      outLeft = convert(source.left, range);
      return true;
    }
    phase = DOWN;
  }
  if (phase == DOWN) {
    if (outRight == 0 && outLeft == 0) {
      phase = DONE;
      return false;
    }
    outRight = toward<u32>(outRight, 0, step);
    outLeft = toward<u32>(outLeft, 0, step);
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


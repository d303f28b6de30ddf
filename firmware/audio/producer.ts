/**
 * The PWM word stream: one duty value per channel per PWM period.
 *
 * Phases: ramp up from 0 (the idle level, 0 V) to mid-scale (silence), the
 * music (source.ts: tracks with their lead-in/lead-out ramps, and silence,
 * never a ramp to 0 V, between them), ramp down to 0, done. The ramps move
 * the jack's DC level across its AC-coupling capacitor, a high-pass around
 * 20 Hz (docs/hardware.md#analog-output-and-pops). Through a first-order
 * high-pass any ramp of ΔDC in D seconds thumps at least τ·ΔDC/D
 * (τ = 1/(2π·20 Hz) = 8 ms): 60 dB below full scale takes seconds, not the
 * milliseconds peers use (docs/pwm-ms-mode.md#the-start-stop-thump):
 *   plain:  a staircase of half-level steps, spaced Δ periods apart. A
 *           half level is the level below and the one above in turn,
 *           period by period: the difference is a tone at exactly half
 *           the frame rate (22.05 kHz, above the audio band). A step of q
 *           decays through the high-pass as e^(−t/τ); steps every Δ pile up
 *           to a peak of q / (1 − e^(−Δ/τ)), plus the 11 % a band-limited
 *           step overshoots. Δ is the shortest for which that is THUMP_DBFS
 *           of a full-scale sine's peak (Pi 4: 13 s, −60.2 dBFS measured;
 *           Pi 3: 11 s, −60.9: its range is twice as fine).
 *   shaped: a straight line of the wanted level through the noise shaper
 *           (sub-level steps; the shaper's noise stays above the band):
 *           peak τ·slope (the bottom four levels go 5× slower). Below one
 *           level the PWM can only send one-clock pulses, and an isolated
 *           one band-limited to 20 kHz is −59.3 dBFS against a Pi 4's
 *           shaped full scale (52 levels: range 177 less HEADROOM). So the
 *           ramp never sends isolated pulses: it starts at x₀ = 1/32 of a
 *           level, one-clock pulses evenly spaced 32 periods apart from
 *           the first one (22 kHz, 10 % above the band: a train starting
 *           at 35 periods, 20.2 kHz, leaks −58.6 dBFS into the band, at 32
 *           −61.1), and ends there; just under one level the shaper's
 *           2nd-order loop takes over (shaper.ts quantizeRamp), where the
 *           1st-order one made isolated one-clock gaps (−56.7 dBFS before).
 *           The down-ramp holds that bottom level for 6τ (48 ms) before it
 *           stops: the high-pass's −τ·slope has decayed by then, and the
 *           last step no longer adds to it (−59.6 dBFS without the hold).
 * tests/thump.test.ts measures the ramps (host/quality/thump.ts).
 * A build with RAMP_MS (config.ts) uses that length instead (tests that do
 * not measure the ramps).
 *
 * Plain (QUALITY 0), one PWM frame per audio frame, as the output's
 * PlainCorrection (output.ts) says:
 *   Source (a bundle pre-compensated on the host over the whole band,
 *     host/dsp/plain-precompensation.ts) and Off: duty = convert(s) =
 *     ((s + 32768)·range) >> 16, nothing else;
 *   RealTime: x = (s + 32768)·range/65536, pre-compensated (precompensate.ts:
 *     the correction x′·s + range·D²[s³]/6 from the signal below 8 kHz) and
 *     rounded down, clamped to 0 .. range − 1 (26 frames of delay).
 *   M/S PWM's pulse-position distortion is 16 times
 *   larger than in shaped mode (one period per sample): THD+N −30 dB at
 *   1 kHz −1 dBFS uncorrected, what Circle and Linux ship. A constant
 *   signal has no correction, so silence and DC are exactly
 *   ((s + 32768)·range) >> 16; a PLAIN_EXACT build (config.ts) writes that
 *   for every sample (the round-trip tests).
 * Shaped (QUALITY 1), 16 PWM frames per audio frame:
 *   Interpolator ×2 (half-band and droop equaliser, interpolator.ts), in
 *   levels x = (range − 1)/2 + s·(range − 1 − 2·MARGIN)/65536/HEADROOM
 *   → LinearStage ×8 with the pre-compensation below (cancels M/S PWM's
 *   pulse-position distortion), computed per 8-period segment
 *   (linear-stage.ts) → clamp to [MARGIN, range − 1 − MARGIN] → Shaper
 *   (3rd-order error feedback in fixed point, no dither) → duty, never 0
 *   nor range − 1 (shaper.ts). An audio frame's 16 PWM frames are computed
 *   at once; produceInto() writes them straight into a DMA buffer
 *   (docs/cpu.md: ~89 M instructions per audio second, was ~600 M).
 *   HEADROOM (1.6, 4.1 dB) leaves room for the half-band's inter-sample
 *   overs of real signals; the clamp is for pathological ones.
 */
import { PWM_CLOCK_HZ } from "../board";
import { OSR, PLAIN_EXACT, RAMP_MS_SET, SHAPED } from "../config";
import { Interpolator } from "../dsp/interpolator";
import { LinearStage } from "../dsp/linear-stage";
import { HEADROOM, MARGIN, Shaper } from "../dsp/shaper";
import { toward } from "../lib/ramp";
import { PRECOMP_DELAY, PlainPrecompensation } from "./precompensate";
import * as source from "./source";

/** Ramp length when there is no jack (registers that are plain RAM, as under QEMU). */
const NO_JACK_RAMP_MS: f64 = 20;
/** Goal for the start/stop thump through a first-order 20 Hz high-pass, dB below a full-scale sine's peak (with 1.5 dB to spare: the staircase model is an estimate, tests/thump.test.ts measures). */
const THUMP_DBFS: f64 = -61.5;
/** The audio band's top: what the thump is measured in (host/quality/thump.ts). */
const BAND_HZ: f64 = 20000;
/** The AC coupling's time constant, 1 / (2π·20 Hz). */
const COUPLING_TAU_S: f64 = 1.0 / (2.0 * Math.PI * 20.0);
/** The shaped ramps' bottom (where the shaper runs at lower order, shaper.ts quantizeRamp) goes this much slower. */
const RAMP_SLOW: f64 = 5;
const RAMP_SLOW_BELOW: f64 = 4;
/** The shaped ramps' first pulses repeat this much faster than the band's edge (module doc). */
const RAMP_START_ABOVE_BAND: f64 = 1.1;
/** The shaped down-ramp holds its bottom level this many time constants of the AC coupling before it stops. */
const END_HOLD_TAU: f64 = 6;
/** How far a step, band-limited to 20 kHz (4th-order Butterworth), overshoots. */
const STEP_OVERSHOOT: f64 = 0.11;

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
const interp = new Interpolator();
let shapeL: Shaper | null = null;
let shapeR: Shaper | null = null;
let stageL: LinearStage | null = null;
let stageR: LinearStage | null = null;
/** The current audio frame's 16 PWM frames (right, left: u32 each), computed at once. */
const shaped: usize = memory.data(16 * 8, 16);
let sub: i32 = 16; // next output index 0..15 of the current audio frame
let xMid: f64 = 0;
let xScale: f64 = 0;
/** Where x is clamped: MARGIN from each rail (shaper.ts), so no period is ever at a rail. */
let xLow: f64 = 0;
let xHigh: f64 = 0;
let xRamp: f64 = 0;
let xRampStep: f64 = 0;
/** The shaped ramps' bottom: they start and end at this level (module doc). */
let xStart: f64 = 0;
/** PWM periods the down-ramp still holds at xStart before it stops. */
let holdLeft: u32 = 0;
let flushLeft: i32 = 0;
/** Plain mode: levels per 16-bit step, and silence, as reals (convert() is the integer form). */
let plainScale: f64 = 0;
let plainMid: f64 = 0;

/*
 * Pre-compensation of M/S PWM's own distortion. A period with duty u
 * (0..1) is a pulse from the period's start (docs/pwm-ms-mode.md), whose
 * spectrum is (1 − e^(−jθu))/(jθ) = u − jθu²/2 − θ²u³/6 + … (θ: radians
 * per period). In time, with u = ½ + s, the jack plays
 *     u − D[u²/2] + D²[u³/6] − …      (D: derivative per period)
 * whose linear parts are a fixed delay and whose nonlinear parts are the
 * error: −s·s′ (a 2nd harmonic, −55 dB at 1 kHz full scale at OSR 16) and,
 * once that is cancelled, −D²[s³]/6 (what limited broadband signals to a
 * SINAD of 86 dB). Feeding
 *     x + s·x′ + R·D²[s³]/6          (x = R·u in levels, R the range)
 * cancels both to third order. x′ is the 5-point derivative
 * (−x₊₂ + 8x₊₁ − 8x₋₁ + x₋₂)/12 (the 3-point one is 0.5 % off at 20 kHz,
 * which alone left −91 dB); D² the 3-point second difference. Two periods
 * of delay. The shaped mode computes this formula per 8-period segment
 * (dsp/linear-stage.ts); plain mode corrects from the content below 8 kHz
 * (precompensate.ts).
 */

/** Plain mode corrects in real time (PlainCorrection.RealTime) in this play. */
let plainRealTime: bool = false;
/** Plain mode's pre-compensation (precompensate.ts). */
let plainPrecompL = new PlainPrecompensation(1, 44100);
let plainPrecompR = new PlainPrecompensation(1, 44100);

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
    // Slope s (levels per period) with τ·s·frameRate/r ≤ limit · (a full-scale sine's peak at the pin);
    // the bottom RAMP_SLOW_BELOW levels go RAMP_SLOW times slower. (The start, a train of one-clock pulses
    // 32 periods apart, is at about the same level: module doc.)
    const amp = (shapedScale(r, MARGIN) * 32767.0) / <f64>r;
    const slope = (limit * amp * <f64>r) / (COUPLING_TAU_S * frameRate);
    return <u64>Math.ceil((<f64>(r - 1) / 2.0 + (RAMP_SLOW - 1) * RAMP_SLOW_BELOW) / slope);
  }
  // Half-level steps q = 1/(2r) against a full-scale peak of ½: q·(1.11 + e^(−Δ/τ)/(1 − e^(−Δ/τ))) ≤ limit · ½,
  // i.e. 1/(1 − e^(−Δ/τ)) ≤ limit·½/q − 0.11 (the band-limited step's overshoot).
  const q = 0.5 / <f64>r;
  const pile = (limit * 0.5) / q - STEP_OVERSHOOT;
  const delta = -Math.log(1.0 - 1.0 / pile) * COUPLING_TAU_S * frameRate;
  return <u64>Math.ceil(delta * <f64>(r & ~1)); // r/2 levels to mid, two half-steps each
}

/** Shaped mode: duty levels per 16-bit step (the usable range, less HEADROOM for inter-sample overs). */
export function shapedScale(r: u32, margin: f64): f64 {
  return (<f64>r - 1 - 2 * margin) / 65536.0 / HEADROOM;
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

/**
 * Start the stream. `noJack`: no PWM hardware behind the registers (QEMU):
 * nothing to thump, so the ramps take NO_JACK_RAMP_MS. `plainCorrection`:
 * output.ts PlainCorrection (0 real time, 1 pre-compensated source, 2 off).
 */
export function start(pwmRange: u32, noJack: bool = false, plainCorrection: i32 = 0): void {
  range = pwmRange;
  mid = range / 2;
  rampLen = noJack ? <u64>((NO_JACK_RAMP_MS * <f64>PWM_CLOCK_HZ) / <f64>range / 1000.0) + 1 : rampPeriods(range);
  rampPos = 0;
  rampFrames = 0;
  outRight = 0;
  outLeft = 0;
  begun = false;
  phase = UP;
  if (SHAPED) {
    const margin = MARGIN;
    xScale = shapedScale(range, margin);
    xMid = <f64>(range - 1) / 2.0;
    xLow = margin;
    xHigh = <f64>(range - 1) - margin;
    xStart = 1.0 / Math.floor(<f64>PWM_CLOCK_HZ / <f64>range / (RAMP_START_ABOVE_BAND * BAND_HZ));
    xRamp = xStart;
    xRampStep = (xMid + (RAMP_SLOW - 1) * RAMP_SLOW_BELOW) / <f64>rampLen;
    shapeL = new Shaper(<i32>range - 1);
    shapeR = new Shaper(<i32>range - 1);
    shapeL!.primeRamp();
    shapeR!.primeRamp();
    stageL = new LinearStage(shapeL!, <f64>range, xLow, xHigh);
    stageR = new LinearStage(shapeR!, <f64>range, xLow, xHigh);
    interp.reset(xMid, xScale);
    stageL!.reset(xMid);
    stageR!.reset(xMid);
    sub = 16;
  }
  plainScale = <f64>range / 65536.0;
  plainMid = 32768.0 * plainScale;
  plainRealTime = !SHAPED && !PLAIN_EXACT && plainCorrection == 0;
  if (plainRealTime) {
    plainPrecompL = new PlainPrecompensation(<f64>range, <f64>PWM_CLOCK_HZ / <f64>range);
    plainPrecompR = new PlainPrecompensation(<f64>range, <f64>PWM_CLOCK_HZ / <f64>range);
  }
  source.start(sourceRampStep(range));
}

let begun = false;

/** Plain mode: a pre-compensated level, rounded down (as convert() does) and kept in 0 .. range − 1. */
@inline function toDuty(x: f64): u32 {
  const d = Math.floor(x);
  return d < 0 ? 0 : d > <f64>(range - 1) ? range - 1 : <u32>d;
}

/**
 * Level `from`·pos/len in half levels, rounded down; an odd number of half
 * levels alternates between the level below and the one above, period by
 * period (`odd` is the period's parity): the plain ramps' staircase.
 */
@inline function stair(from: u32, pos: u64, len: u64, odd: bool): u32 {
  const halves = <u32>((<u64>from * 2 * pos) / len);
  return (halves >> 1) + (halves & 1 & <u32>odd);
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
      outRight = outLeft = stair(mid, rampPos, rampLen, (rampPos & 1) != 0);
      rampFrames++;
      return true;
    }
    phase = PLAY;
    plainPrecompL.reset(plainMid);
    plainPrecompR.reset(plainMid);
    flushLeft = PRECOMP_DELAY;
  }
  if (phase == PLAY) {
    if (!plainRealTime) {
      if (source.next()) {
        outRight = convert(source.right, range);
        outLeft = convert(source.left, range);
        return true;
      }
    } else {
      const more = source.next();
      // After the music, PRECOMP_DELAY more frames empty the pre-compensation's delay.
      if (more || flushLeft-- > 0) {
        const l = more ? source.left : 0;
        const r = more ? source.right : 0;
        outRight = toDuty(plainPrecompR.next((<f64>r + 32768.0) * plainScale));
        outLeft = toDuty(plainPrecompL.next((<f64>l + 32768.0) * plainScale));
        return true;
      }
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
    outRight = stair(rampFromR, rampLen - rampPos, rampLen, (rampPos & 1) != 0);
    outLeft = stair(rampFromL, rampLen - rampPos, rampLen, (rampPos & 1) != 0);
    rampFrames++;
    return true;
  }
  return false;
}

/** All 16 PWM frames of one audio frame (l, r: 16-bit samples) at dst, dst + 8, … (right, left: u32 each): linear-stage.ts. */
@inline function shapedFrames(dst: usize, l: i32, r: i32): void {
  interp.push(l, r);
  stageR!.push(dst, interp.aR, interp.bR);
  stageL!.push(dst + 4, interp.aL, interp.bL);
}

function produceShaped(): bool {
  const sl = shapeL!;
  const sr = shapeR!;
  if (phase == UP) {
    if (!begun) {
      begun = true; // the first frame is the idle level itself (0 V), as in plain mode
      outRight = outLeft = 0;
      rampFrames++;
      return true;
    }
    xRamp += xRamp < RAMP_SLOW_BELOW ? xRampStep / RAMP_SLOW : xRampStep;
    if (xRamp >= xMid) {
      xRamp = xMid;
      phase = PLAY;
    }
    outRight = sr.quantizeRamp(xRamp);
    outLeft = sl.quantizeRamp(xRamp);
    rampFrames++;
    return true;
  }
  if (phase == PLAY || phase == FLUSH) {
    if (sub == 16) {
      let l: i32 = 0;
      let r: i32 = 0;
      if (phase == PLAY) {
        if (source.next()) {
          l = source.left;
          r = source.right;
        } else {
          phase = FLUSH;
          flushLeft = 40; // let the interpolator's 36-sample delay line empty
        }
      }
      if (phase == FLUSH && flushLeft-- <= 0) {
        phase = DOWN;
        xRamp = xMid;
        holdLeft = <u32>(END_HOLD_TAU * COUPLING_TAU_S * <f64>PWM_CLOCK_HZ / <f64>range);
        return produceShaped();
      }
      shapedFrames(shaped, l, r);
      sub = 0;
    }
    const p = shaped + <usize>(sub++ << 3);
    outRight = load<u32>(p);
    outLeft = load<u32>(p, 4);
    return true;
  }
  if (phase == DOWN) {
    xRamp -= xRamp < RAMP_SLOW_BELOW ? xRampStep / RAMP_SLOW : xRampStep;
    if (xRamp < xStart && holdLeft > 0) {
      // Hold the bottom level until the capacitor has followed the ramp (the high-pass's −τ·slope has
      // decayed), so the last step does not add to it (module doc).
      holdLeft--;
      xRamp = xStart;
    }
    if (xRamp < xStart) {
      phase = DONE;
      outRight = 0;
      outLeft = 0;
      return false;
    }
    outRight = sr.quantizeRamp(xRamp);
    outLeft = sl.quantizeRamp(xRamp);
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

/**
 * Up to `count` PWM frames at dst (right, left: u32 each, 8 bytes a frame):
 * what `count` calls of produce() would give, written in place. Returns how
 * many; fewer than `count` only when everything has been played. While the
 * music plays in shaped mode, whole audio frames (16 PWM frames) go straight
 * to dst, so filling a DMA buffer costs no call per PWM frame.
 */
export function produceInto(dst: usize, count: u32): u32 {
  let n: u32 = 0;
  while (n < count) {
    if (SHAPED && phase == PLAY && sub == 16 && count - n >= 16) {
      const whole = (count - n) >> 4;
      let p = dst + <usize>(n << 3);
      let k: u32 = 0;
      while (k < whole) {
        if (!source.next()) {
          phase = FLUSH; // as produceShaped() does at the end of the music
          flushLeft = 40;
          break;
        }
        shapedFrames(p, source.left, source.right);
        p += 128;
        k++;
      }
      n += k << 4;
      if (n == count) break;
    }
    if (!produce()) break;
    const p = dst + <usize>(n << 3);
    store<u32>(p, outRight);
    store<u32>(p, outLeft, 4);
    n++;
  }
  return n;
}

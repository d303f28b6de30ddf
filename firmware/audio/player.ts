/**
 * The player: streams the bundle's tracks into the PWM FIFO by polling.
 *
 * Sample conversion: a signed 16-bit sample s becomes the PWM word
 *     duty = ((s + 32768) * range) >> 16          (0 .. range-1)
 * so silence (s = 0) is mid-scale, floor(range / 2), and full scale uses the
 * whole range (Circle's ConvertSoundFormat does the same with 32-bit input,
 * reference §4.1).
 *
 * No pops (reference §3.4, §7.4): the output sits at 0 V before the PWM
 * starts, so the player ramps 0 → mid-scale, then from mid-scale to each
 * track's first frame; after a track it ramps back to mid-scale, and after
 * the last one from mid-scale to 0 before stopping. A ramp moves each
 * channel by at most `rampStep()` per frame; the PWM keeps running between
 * tracks.
 *
 * FIFO order is right then left: channel 1 (GPIO40) is the right channel.
 *
 * Underruns: the FIFO holds only 8 stereo frames (≈181 µs at 44.1 kHz). Each
 * poll of STA also checks GAPO1/GAPO2 (a channel found the FIFO empty: an
 * audible gap, counted and cleared) and EMPT1 (the FIFO ran dry: a near
 * miss, counted). While the FIFO is full the player pumps the UART log.
 */
import { bundle_read } from "../abi";
import * as bundle from "./bundle";
import * as pwm from "../drivers/pwm";
import { micros, micros64 } from "../drivers/timer";
import * as log from "../lib/log";

/** Frames a full 0 → mid-scale ramp takes at most (~46 ms at 44.1 kHz). */
export const RAMP_FRAMES: u32 = 2048;
/** UART bytes moved per pump while audio streams (2 register accesses each). */
const PUMP_BYTES: u32 = 4;
/** A stuck FIFO (clock stopped) is declared after this long. */
const STUCK_TIMEOUT_US: u32 = 100000;

let range: u32 = 0;
let mid: u32 = 0;
let step: u32 = 1;
let curRight: u32 = 0;
let curLeft: u32 = 0;
let streaming = false;
let frameTick: u32 = 0;
/** No real PWM (emulator): pace frames with the system timer instead of the FIFO. */
let timerPaced = false;
let rateMilliHz: u64 = 0;
let pacedStart: u64 = 0;
let pacedFrames: u64 = 0;
let failed = false;

let trackFrames: u64 = 0;
let rampFrames: u64 = 0;
let gapEvents: u32 = 0;
let emptyEvents: u32 = 0;

export function framesPlayed(): u64 {
  return trackFrames;
}
export function rampFramesPlayed(): u64 {
  return rampFrames;
}
export function underruns(): u32 {
  return gapEvents;
}
export function fifoEmptyEvents(): u32 {
  return emptyEvents;
}
/** True once the FIFO was found stuck (an `E pwm:` line was logged). */
export function hasFailed(): bool {
  return failed;
}

/** Ramp step in PWM units: reaches mid-scale in at most RAMP_FRAMES frames. */
export function rampStep(r: u32): u32 {
  const half = r / 2;
  const s = (half + RAMP_FRAMES - 1) / RAMP_FRAMES;
  return s > 0 ? s : 1;
}

@inline export function convert(sample: i32, r: u32): u32 {
  return (<u32>(sample + 32768) * r) >> 16;
}

/** Wait until the FIFO has room for one word. Returns false if it stays full (clock dead). */
function waitSlot(): bool {
  let spins: u32 = 0;
  let start: u32 = 0;
  while (true) {
    const sta = pwm.status();
    if (streaming) {
      if (sta & pwm.STA_GAPS) {
        gapEvents++;
        pwm.clearStatus(sta & pwm.STA_GAPS);
      }
      if (sta & pwm.STA_EMPT1) emptyEvents++;
    }
    if (!(sta & pwm.STA_FULL1)) return true;
    log.pump(PUMP_BYTES);
    spins++;
    if (spins == 64) {
      start = micros();
    } else if (spins > 64 && (spins & 1023) == 0 && micros() - start >= STUCK_TIMEOUT_US) {
      failed = true;
      log.begin("E", "pwm");
      log.str("FIFO stuck full for 100 ms (STA ");
      log.hex(sta);
      log.str("): the PWM clock is not running");
      log.end();
      return false;
    }
  }
}

/**
 * Timer-paced output, used only where the PWM is plain RAM (QEMU): write a
 * frame when the system timer says its time has come. FIFO status and GAPO
 * mean nothing there, so they are not read.
 */
function pushFramePaced(right: u32, left: u32): bool {
  const due = pacedStart + (pacedFrames * 1000000000) / rateMilliHz;
  while (micros64() < due) {
    log.pump(PUMP_BYTES);
  }
  pwm.push(right);
  pwm.push(left);
  pacedFrames++;
  curRight = right;
  curLeft = left;
  return true;
}

/** Queue one stereo frame: right (ch1) first, then left (ch2). */
@inline function pushFrame(right: u32, left: u32): bool {
  if (timerPaced) return pushFramePaced(right, left);
  // Keep the UART log moving even when the FIFO is never seen full (a host
  // may collapse a busy-wait into one read): every 64 frames, non-blocking.
  if ((++frameTick & 63) == 0) log.pump(PUMP_BYTES);
  if (!waitSlot()) return false;
  pwm.push(right);
  if (!waitSlot()) return false;
  pwm.push(left);
  curRight = right;
  curLeft = left;
  return true;
}

@inline function toward(cur: u32, target: u32): u32 {
  if (cur < target) return target - cur > step ? cur + step : target;
  return cur - target > step ? cur - step : target;
}

/** Move both channels to (right, left), at most one step per frame. */
function rampTo(right: u32, left: u32): bool {
  while (curRight != right || curLeft != left) {
    if (!pushFrame(toward(curRight, right), toward(curLeft, left))) return false;
    rampFrames++;
  }
  return true;
}

/**
 * Start the PWM at `pwmRange` (controller already initialised, FIFO clear):
 * pre-fill the FIFO with 0 (the idle level), enable both channels, ramp to
 * mid-scale.
 */
export function start(pwmRange: u32, frameRateMilliHz: u32, plainRam: bool): bool {
  range = pwmRange;
  rateMilliHz = frameRateMilliHz;
  timerPaced = plainRam;
  mid = range / 2;
  step = rampStep(range);
  curRight = 0;
  curLeft = 0;
  if (timerPaced) {
    pacedStart = micros64();
    pacedFrames = 0;
    pwm.start();
    streaming = true;
    return rampTo(mid, mid);
  }
  for (let i: u32 = 0; i < pwm.FIFO_WORDS; i++) {
    if (pwm.status() & pwm.STA_FULL1) break;
    pwm.push(0);
  }
  pwm.start();
  streaming = true;
  return rampTo(mid, mid);
}

/** Play track `i` (0-based) of the bundle. */
export function playTrack(i: u32): bool {
  let offset = bundle.dataOffset(i);
  let remaining = bundle.frameCount(i) * bundle.FRAME_BYTES;
  const buf = bundle.chunk;
  let first = true;
  while (remaining > 0) {
    const want = remaining < bundle.CHUNK_BYTES ? remaining : bundle.CHUNK_BYTES;
    const got = bundle_read(offset, <u32>buf, want);
    if (got < bundle.FRAME_BYTES) return false;
    const end = buf + <usize>(got & ~3);
    for (let p = buf; p < end; p += 4) {
      const right = convert(<i32>load<i16>(p, 2), range);
      const left = convert(<i32>load<i16>(p), range);
      if (first) {
        first = false;
        if (!rampTo(right, left)) return false;
        if (!pushFrame(right, left)) return false;
      } else if (!pushFrame(right, left)) {
        return false;
      }
    }
    trackFrames += <u64>(got >> 2);
    offset += got & ~3;
    remaining -= got & ~3;
  }
  return rampTo(mid, mid);
}

/** Ramp to 0, let the FIFO drain, stop the PWM. */
export function finish(): bool {
  if (!rampTo(0, 0)) return false;
  if (timerPaced) {
    streaming = false;
    pwm.stop();
    return true;
  }
  const start = micros();
  while (!(pwm.status() & pwm.STA_EMPT1)) {
    log.pump(PUMP_BYTES);
    if (micros() - start >= STUCK_TIMEOUT_US) break;
  }
  streaming = false;
  pwm.stop();
  return true;
}

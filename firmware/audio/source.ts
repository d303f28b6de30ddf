/**
 * The music as a stream of signed 16-bit stereo frames at the audio rate:
 * every track of the bundle in order, each entered and left through a ramp
 * from and to silence (0), so a track that starts or ends loud does not
 * click. A ramp moves each channel by at most `step` per frame. Then the
 * stream ends.
 *
 * Track starts and ends are reported as events for the log; with DMA the
 * stream runs up to two buffers (~50 ms) ahead of what the jack plays.
 */
import { bundle_read } from "../abi";
import * as bundle from "./bundle";
import { toward } from "../lib/ramp";

export const EVENT_NONE: i32 = 0;
export const EVENT_START: i32 = 1;
export const EVENT_END: i32 = 2;

const PHASE_LEAD_IN: i32 = 0;
const PHASE_TRACK: i32 = 1;
const PHASE_LEAD_OUT: i32 = 2;
const PHASE_DONE: i32 = 3;

let step: i32 = 16;
let phase: i32 = PHASE_DONE;
let track: u32 = 0;
let offset: u32 = 0;
let remaining: u32 = 0;
let chunkPos: usize = 0;
let chunkEnd: usize = 0;
let firstL: i32 = 0;
let firstR: i32 = 0;

/** The current frame after `next()`. */
export let left: i32 = 0;
export let right: i32 = 0;
/** Frames of track audio produced so far (ramps not counted). */
export let trackFrames: u64 = 0;
export let rampFrames: u64 = 0;

// Track events cannot be lost however far the log falls behind: tracks
// play in order, so the k-th event is the start (k even) or the end (k odd)
// of track k / 2, and two counters describe every pending event.
let emitted: u32 = 0;
let reported: u32 = 0;
let taken: u32 = 0;

function emit(kind: i32, t: u32): void {
  // The k-th event is (k & 1 ? END : START) of track k >> 1, by construction.
  assert(kind == ((emitted & 1) != 0 ? EVENT_END : EVENT_START) && t == emitted >> 1);
  emitted++;
}

/** Take the oldest pending event (EVENT_*); its track is then `eventTrackIndex()`. */
export function takeEvent(): i32 {
  if (reported == emitted) return EVENT_NONE;
  const k = reported++;
  taken = k >> 1;
  return (k & 1) != 0 ? EVENT_END : EVENT_START;
}
export function eventTrackIndex(): u32 {
  return taken;
}

function openTrack(i: u32): void {
  track = i;
  offset = bundle.dataOffset(i);
  remaining = bundle.frameCount(i) * bundle.FRAME_BYTES;
  chunkPos = 0;
  chunkEnd = 0;
  refill();
  firstL = <i32>load<i16>(chunkPos);
  firstR = <i32>load<i16>(chunkPos, 2);
  phase = PHASE_LEAD_IN;
}

function refill(): bool {
  if (remaining == 0) return false;
  const want = remaining < bundle.CHUNK_BYTES ? remaining : bundle.CHUNK_BYTES;
  const got = bundle_read(offset, <u32>bundle.chunk, want) & ~3;
  if (got == 0) return false;
  offset += got;
  remaining -= got;
  chunkPos = bundle.chunk;
  chunkEnd = bundle.chunk + got;
  return true;
}

/** Start at the first track; `rampStep` is the largest per-frame move of a ramp. */
export function start(rampStep: i32): void {
  step = rampStep > 0 ? rampStep : 1;
  left = 0;
  right = 0;
  trackFrames = 0;
  rampFrames = 0;
  emitted = 0;
  reported = 0;
  if (bundle.trackCount() > 0) openTrack(0);
}

/** Advance one frame. False when the stream has ended (left = right = 0 then). */
export function next(): bool {
  while (true) {
    if (phase == PHASE_TRACK) {
      if (chunkPos >= chunkEnd && !refill()) {
        emit(EVENT_END, track);
        phase = PHASE_LEAD_OUT;
        continue;
      }
      left = <i32>load<i16>(chunkPos);
      right = <i32>load<i16>(chunkPos, 2);
      chunkPos += 4;
      trackFrames++;
      return true;
    }
    if (phase == PHASE_LEAD_IN) {
      if (left == firstL && right == firstR) {
        emit(EVENT_START, track);
        phase = PHASE_TRACK;
        continue;
      }
      left = toward<i32>(left, firstL, step);
      right = toward<i32>(right, firstR, step);
      rampFrames++;
      return true;
    }
    if (phase == PHASE_LEAD_OUT) {
      if (left == 0 && right == 0) {
        if (track + 1 < bundle.trackCount()) {
          openTrack(track + 1);
          continue;
        }
        phase = PHASE_DONE;
        continue;
      }
      left = toward<i32>(left, 0, step);
      right = toward<i32>(right, 0, step);
      rampFrames++;
      return true;
    }
    left = 0;
    right = 0;
    return false;
  }
}

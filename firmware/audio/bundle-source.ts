/**
 * `BundleSource`: the asset bundle's music as a `FrameSource` (frame-source.ts)
 * — every track of the bundle (bundle.ts, opened first) in order, each
 * entered and left through a ramp from and to silence (0), so a track that
 * starts or ends loud does not click. A ramp moves each channel by at most
 * the output's click-free step per frame (`start(rampStep)`). Then the
 * stream ends.
 *
 * Track starts and ends are kept as events (`takeEvent`) for the program to
 * log from `idle()`; with DMA the stream runs up to two buffers (~50 ms)
 * ahead of what the jack plays. The summary line opens with `tracks=N`.
 */
import { bundle_read } from "../abi";
import * as bundle from "./bundle";
import { FrameSource } from "./frame-source";
import * as log from "../lib/log";
import { toward } from "../lib/ramp";

/** `takeEvent` results. */
export const EVENT_NONE: i32 = 0;
export const EVENT_START: i32 = 1;
export const EVENT_END: i32 = 2;

const PHASE_LEAD_IN: i32 = 0;
const PHASE_TRACK: i32 = 1;
const PHASE_LEAD_OUT: i32 = 2;
const PHASE_DONE: i32 = 3;

export class BundleSource extends FrameSource {
  private step: i32 = 16;
  private phase: i32 = PHASE_DONE;
  private track: u32 = 0;
  private offset: u32 = 0;
  private remaining: u32 = 0;
  private chunkPos: usize = 0;
  private chunkEnd: usize = 0;
  private firstL: i32 = 0;
  private firstR: i32 = 0;
  /** Frames of track audio produced so far (ramps not counted). */
  trackFrames: u64 = 0;
  /** Frames of the lead-in/lead-out ramps produced so far. */
  leadFrames: u64 = 0;

  // Track events cannot be lost however far the log falls behind: tracks
  // play in order, so the k-th event is the start (k even) or the end (k odd)
  // of track k / 2, and two counters describe every pending event.
  private emitted: u32 = 0;
  private reported: u32 = 0;
  private taken: u32 = 0;

  private emit(kind: i32, t: u32): void {
    // The k-th event is (k & 1 ? END : START) of track k >> 1, by construction.
    assert(kind == ((this.emitted & 1) != 0 ? EVENT_END : EVENT_START) && t == this.emitted >> 1);
    this.emitted++;
  }

  /** Take the oldest pending event (EVENT_*); its track is then `eventTrackIndex()`. */
  takeEvent(): i32 {
    if (this.reported == this.emitted) return EVENT_NONE;
    const k = this.reported++;
    this.taken = k >> 1;
    return (k & 1) != 0 ? EVENT_END : EVENT_START;
  }
  eventTrackIndex(): u32 {
    return this.taken;
  }

  private openTrack(i: u32): void {
    this.track = i;
    this.offset = bundle.dataOffset(i);
    this.remaining = bundle.frameCount(i) * bundle.FRAME_BYTES;
    this.chunkPos = 0;
    this.chunkEnd = 0;
    this.refill();
    this.firstL = <i32>load<i16>(this.chunkPos);
    this.firstR = <i32>load<i16>(this.chunkPos, 2);
    this.phase = PHASE_LEAD_IN;
  }

  private refill(): bool {
    if (this.remaining == 0) return false;
    const want = this.remaining < bundle.CHUNK_BYTES ? this.remaining : bundle.CHUNK_BYTES;
    const got = bundle_read(this.offset, <u32>bundle.chunk, want) & ~3;
    if (got == 0) return false;
    this.offset += got;
    this.remaining -= got;
    this.chunkPos = bundle.chunk;
    this.chunkEnd = bundle.chunk + got;
    return true;
  }

  /** Start at the first track of the (opened) bundle; `rampStep` is the largest per-frame move of a ramp. */
  start(rampStep: i32): void {
    this.step = rampStep > 0 ? rampStep : 1;
    this.left = 0;
    this.right = 0;
    this.trackFrames = 0;
    this.leadFrames = 0;
    this.emitted = 0;
    this.reported = 0;
    this.phase = PHASE_DONE;
    if (bundle.trackCount() > 0) this.openTrack(0);
  }

  /** Advance one frame. False when the stream has ended (left = right = 0 then). */
  next(): bool {
    while (true) {
      const phase = this.phase;
      if (phase == PHASE_TRACK) {
        if (this.chunkPos >= this.chunkEnd && !this.refill()) {
          this.emit(EVENT_END, this.track);
          this.phase = PHASE_LEAD_OUT;
          continue;
        }
        this.left = <i32>load<i16>(this.chunkPos);
        this.right = <i32>load<i16>(this.chunkPos, 2);
        this.chunkPos += 4;
        this.trackFrames++;
        return true;
      }
      if (phase == PHASE_LEAD_IN) {
        if (this.left == this.firstL && this.right == this.firstR) {
          this.emit(EVENT_START, this.track);
          this.phase = PHASE_TRACK;
          continue;
        }
        this.left = toward<i32>(this.left, this.firstL, this.step);
        this.right = toward<i32>(this.right, this.firstR, this.step);
        this.leadFrames++;
        return true;
      }
      if (phase == PHASE_LEAD_OUT) {
        if (this.left == 0 && this.right == 0) {
          if (this.track + 1 < bundle.trackCount()) {
            this.openTrack(this.track + 1);
            continue;
          }
          this.phase = PHASE_DONE;
          continue;
        }
        this.left = toward<i32>(this.left, 0, this.step);
        this.right = toward<i32>(this.right, 0, this.step);
        this.leadFrames++;
        return true;
      }
      this.left = 0;
      this.right = 0;
      return false;
    }
  }

  rampFrames(): u64 {
    return this.leadFrames;
  }

  summaryFields(): void {
    log.str("tracks=");
    log.dec(bundle.trackCount());
    log.byte(0x20);
  }
}

/**
 * `FrameSource`: where an `AudioOutput` (output.ts) takes its audio from.
 *
 * A source is a stream of stereo frames at the output's frame rate
 * (`AudioOutput.rateMilliHz`, ~44.1 kHz): each `next()` sets `left` and
 * `right` (signed 16-bit range, −32768..32767; values outside are clamped
 * by the output's conversion) and returns true, or returns false once the
 * stream has ended. The output calls `next()` from its feed loop, which
 * keeps the PWM FIFO (or the DMA ring) full: a `next()` must return within
 * a fraction of a frame period on average (on a Pi 4 at its full ARM
 * clock, a few thousand instructions per frame; polling hardware in it is
 * fine, waiting is not).
 *
 * Work that need not happen every frame (reading the UART, logging) goes
 * in `idle()`, which the output calls between frames: every 64 audio frames
 * (~1.5 ms) when polling or timer-paced; with DMA every 256 PWM frames of a
 * buffer refill and continuously while the engine plays the other buffer;
 * and once more when the stream ended.
 *
 * The stream should start and end near 0: the output ramps the jack from
 * 0 V to mid-scale before the first frame and back after the last one, but
 * a first frame far from 0 is a step (a click). `start(rampStep)` tells the
 * source the largest per-frame change that is click-free at this output
 * (one PWM level; ramps of that step are what the player's tracks use).
 */
import * as log from "../lib/log";

export abstract class FrameSource {
  /** The current frame after `next()` returned true: signed 16-bit range. */
  left: i32 = 0;
  right: i32 = 0;
  /** Frames `next()` delivered since the output started this source (counted by the output: audio/source.ts). */
  produced: u64 = 0;

  /** Advance one frame: set `left`/`right` and return true, or return false when the stream has ended. */
  abstract next(): bool;

  /** Called by `AudioOutput.play` before the first `next()`. `rampStep`: the click-free per-frame step (s16 units). */
  start(rampStep: i32): void {}

  /** Called between frames every few ms, and once after the end: slow work (UART input, logging). Keep it short. */
  idle(): void {}

  /** Of the frames produced, how many were the source's own fades (reported as `ramp_frames`, not `frames`, in the summary). */
  rampFrames(): u64 {
    return 0;
  }

  /**
   * Log the `tracks=N ` field that opens the output's summary line (host
   * tools parse the line only in that form: host/log-line.ts). A stream is one
   * track unless the source says otherwise (BundleSource: its track count).
   */
  summaryFields(): void {
    log.str("tracks=1 ");
  }
}

/**
 * What the simulated jack played, as piwave/testing hands it to a test:
 * one PWM duty value per period on each channel, the rate and range, the
 * gaps, and the same at the audio rate (./audio-band.ts), which is what the
 * tone and click measurements read.
 *
 * `jackCapture()` builds one from duty values, for a recording made another
 * way (another simulator run, a logic analyser's capture of GPIO40/41) or a
 * signal made up in a test.
 */
import { sampleFromDuty } from "../sim/jack.js";
import { inferOversampling, toAudioBand } from "./audio-band.js";

/** What the simulated jack output: one duty value per PWM period per channel. */
export interface JackCapture {
  /** Frame rate in Hz (PWM clock / range); 0 when the PWM never ran. */
  rateHz: number;
  /** The PWM range: duty values go from 0 (0 V) to range (3.3 V); range/2 is silence. */
  range: number;
  /** Stereo frames recorded. */
  frames: number;
  /** Duty values of the left channel (PWM channel 2, GPIO41). */
  left: Uint16Array;
  /** Duty values of the right channel (PWM channel 1, GPIO40). */
  right: Uint16Array;
  /** Periods in which a channel had no data (FIFO empty), and the frame index of the first 1000. */
  gaps: { left: number; right: number; leftAt: readonly number[]; rightAt: readonly number[] };
  /** A channel as signal values in [-1, 1] (mid-scale = 0), one per PWM period. */
  signal(channel: "left" | "right"): Float64Array;
  /**
   * PWM periods per audio frame, inferred from the rate unless given (./audio-band.ts):
   * 1 in plain mode, 16 in piwave's shaped mode.
   */
  oversampling: number;
  /** The audio frame rate in Hz: rateHz / oversampling. */
  audioRateHz: number;
  /**
   * A channel in the audio band at `audioRateHz`, as values in [-1, 1]: the
   * duty values low-passed to half the audio rate and decimated (the same as
   * `signal` when `oversampling` is 1). What measureTone and clickCheck read.
   */
  audio(channel: "left" | "right"): Float64Array;
  /** Interleaved L, R 16-bit samples (as `piwave sim --out` writes). */
  toPcm(): Int16Array;
}

/** What `jackCapture` needs: the duty values per PWM period and their rate and range. */
export interface JackRecording {
  /** PWM frame rate in Hz (clock / range). */
  rateHz: number;
  range: number;
  left: Uint16Array;
  right: Uint16Array;
  /** Default: no gaps. */
  gaps?: JackCapture["gaps"];
  /** PWM periods per audio frame; default inferred from the rate (audio-band.ts). */
  oversampling?: number;
}

/** A JackCapture of duty values (the shorter channel sets the frames). */
export function jackCapture(r: JackRecording): JackCapture {
  const frames = Math.min(r.left.length, r.right.length);
  const osr = r.oversampling ?? inferOversampling(r.rateHz);
  if (!Number.isInteger(osr) || osr < 1) throw new RangeError(`jackCapture: oversampling must be a whole number of PWM periods per frame >= 1, not ${osr}`);
  const audioCache = new Map<"left" | "right", Float64Array>();
  const half = r.range / 2 || 1;
  return {
    rateHz: r.rateHz,
    range: r.range,
    frames,
    left: r.left.subarray(0, frames),
    right: r.right.subarray(0, frames),
    gaps: r.gaps ?? { left: 0, right: 0, leftAt: [], rightAt: [] },
    signal(channel) {
      const d = channel === "left" ? this.left : this.right;
      const out = new Float64Array(d.length);
      for (let i = 0; i < d.length; i++) out[i] = (d[i]! - half) / half;
      return out;
    },
    oversampling: osr,
    audioRateHz: r.rateHz / osr,
    audio(channel) {
      let a = audioCache.get(channel);
      if (!a) {
        a = toAudioBand(channel === "left" ? this.left : this.right, osr);
        for (let i = 0; i < a.length; i++) a[i] = (a[i]! - half) / half;
        audioCache.set(channel, a);
      }
      return a;
    },
    toPcm() {
      const out = new Int16Array(frames * 2);
      const range = r.range || 1;
      for (let i = 0; i < frames; i++) {
        out[2 * i] = sampleFromDuty(this.left[i]!, range);
        out[2 * i + 1] = sampleFromDuty(this.right[i]!, range);
      }
      return out;
    },
  };
}

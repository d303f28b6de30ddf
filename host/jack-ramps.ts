/**
 * Where a jack recording's start and stop ramps are, so that `piwave sim`
 * can say what they add to its length and write only the part between them.
 *
 * piwave's audio output idles the PWM at duty 0 (0 V) and ramps it to
 * mid-scale (silence) before any sound, and back after the last, slowly
 * enough that the jack's AC-coupled output does not thump: 11-19 s each way
 * by default (firmware/audio/producer.ts), so a 20 s song makes a WAV of
 * about 46 s. The ramp up ends at the first frame at mid-scale, the ramp
 * down starts after the last: nothing before the first can be sound (the
 * output is still below silence), nothing after the last either. Mid-scale
 * is taken within one level of range/2 (the shaped mode's silence is
 * (range − 1)/2), on the mean of each audio frame's `osr` PWM periods (the
 * shaped mode's single periods jump by several levels around it).
 */

export interface RampSpan {
  /** PWM periods [0, musicFrom) are the ramp up; [musicFrom, musicTo) lie between the ramps; [musicTo, end) the ramp down. */
  musicFrom: number;
  musicTo: number;
}

function firstAndLastAtMid(duty: Uint16Array, frames: number, range: number, osr: number): [number, number] | undefined {
  const mid = range / 2;
  const n = Math.floor(frames / osr);
  const mean = (f: number) => {
    let s = 0;
    for (let k = 0; k < osr; k++) s += duty[f * osr + k]!;
    return s / osr;
  };
  let first = -1;
  for (let f = 0; f < n; f++) {
    if (Math.abs(mean(f) - mid) <= 1) {
      first = f;
      break;
    }
  }
  if (first < 0) return undefined;
  let last = first;
  for (let f = n - 1; f > first; f--) {
    if (Math.abs(mean(f) - mid) <= 1) {
      last = f;
      break;
    }
  }
  return [first * osr, (last + 1) * osr];
}

/** The ramps of a stereo recording (both channels' ramps included), or undefined when it never reached mid-scale. */
export function rampSpan(left: Uint16Array, right: Uint16Array, range: number, osr: number): RampSpan | undefined {
  const frames = Math.min(left.length, right.length);
  if (frames === 0 || range <= 0) return undefined;
  const l = firstAndLastAtMid(left, frames, range, osr);
  const r = firstAndLastAtMid(right, frames, range, osr);
  if (!l || !r) return undefined;
  const musicFrom = Math.max(l[0], r[0]);
  const musicTo = Math.min(l[1], r[1]);
  return musicTo > musicFrom ? { musicFrom, musicTo } : undefined;
}

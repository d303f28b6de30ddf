/**
 * The jack's output as a listener hears it: the PWM's duty values low-passed
 * to the audio band and decimated to the audio frame rate.
 *
 * What the simulator records is one duty value per PWM period. In piwave's
 * plain mode one period is one audio frame (about 44.1 kHz), so the duty
 * values are the samples. In the shaped mode (and in any firmware that runs
 * the PWM far faster than the audio) a period is a fraction of a frame: the
 * shaped mode plays 16 periods per frame with a range 16 times smaller and
 * pushes the quantisation noise of those few levels above 20 kHz
 * (firmware/audio/producer.ts, firmware/dsp/). Single periods then jump by
 * several levels around the sound; only the audio band is the sound. The
 * jack's own output filter and the listener's ears remove the rest; here a
 * linear-phase FIR low-pass does (a Blackman-windowed sinc, cut off at half
 * the audio rate: flat to about 20 kHz, more than 70 dB down from about
 * 24 kHz at 44.1 kHz), evaluated only at every `oversampling`-th period.
 *
 * The oversampling is inferred from the PWM frame rate: the number of
 * periods nearest to one frame at 44.1 kHz, at least 1 (705.6 kHz → 16;
 * 44.1 kHz → 1). Before the first and after the last recorded period the
 * pin is at the PWM's idle level, duty 0 (0 V), and the filter sees that.
 */

/** The audio rate the oversampling is inferred for. */
export const NOMINAL_AUDIO_HZ = 44_100;

/** PWM periods per audio frame for a PWM frame rate: round(rate / 44.1 kHz), at least 1. */
export function inferOversampling(pwmRateHz: number): number {
  if (!(pwmRateHz > 0)) return 1;
  return Math.max(1, Math.round(pwmRateHz / NOMINAL_AUDIO_HZ));
}

const filters = new Map<number, Float64Array>();

/** The decimating low-pass's taps for `osr` (odd length, symmetric, unit DC gain). */
function taps(osr: number): Float64Array {
  let h = filters.get(osr);
  if (h) return h;
  const half = 32 * osr; // 65 audio frames long: transition ≈ 5.5 / (64·osr) of the PWM rate, ≈ 0.086 of the audio rate
  const n = 2 * half + 1;
  h = new Float64Array(n);
  const fc = 0.5 / osr; // cut-off at half the audio rate, in cycles per period
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const k = i - half;
    const sinc = k === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * k) / (Math.PI * k);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)) + 0.08 * Math.cos((4 * Math.PI * i) / (n - 1));
    h[i] = sinc * w;
    sum += h[i]!;
  }
  for (let i = 0; i < n; i++) h[i]! /= sum;
  filters.set(osr, h);
  return h;
}

/**
 * `duty` (one value per PWM period) at the audio rate: frame i is the
 * low-passed value at period i·osr, in duty units. With osr 1 the values
 * themselves.
 */
export function toAudioBand(duty: Uint16Array, osr: number): Float64Array {
  if (osr <= 1) return Float64Array.from(duty);
  const h = taps(osr);
  const half = (h.length - 1) / 2;
  const frames = Math.ceil(duty.length / osr);
  const out = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    const c = f * osr;
    const lo = Math.max(0, c - half);
    const hi = Math.min(duty.length - 1, c + half);
    let acc = 0;
    // Outside the recording the pin idles at duty 0: those taps add nothing.
    for (let i = lo, k = lo - c + half; i <= hi; i++, k++) acc += h[k]! * duty[i]!;
    out[f] = acc;
  }
  return out;
}

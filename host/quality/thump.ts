/**
 * The start/stop thump: what the jack's DC ramps (0 V → mid-scale at the
 * start, back at the end) put out through the AC-coupling capacitor.
 *
 * The model is the issue's: a first-order high-pass at 20 Hz (the coupling
 * capacitor into the load), then the audio band (a 4th-order Butterworth
 * low-pass at 20 kHz, so the noise shaper's out-of-band noise, which no one
 * hears, does not count as thump). The pin's level is taken per PWM period
 * as its exact average (duty / range): for a high-pass at 20 Hz the pulse
 * shape inside one 23 µs period does not matter, and the band limit at
 * 20 kHz removes what the average would fold.
 *
 * The high-pass is y = x − z with z the first-order low-pass (τ = 1/(2π·20 Hz))
 * of the pin; z is exact for a level held over each period:
 *     z ← x + (z − x)·e^(−T/τ).
 * The figure is the peak |y| over the whole run relative to a full-scale
 * sine's peak at the pin, in dBFS.
 */

export const COUPLING_HZ = 20;
export const BAND_HZ = 20000;

/** One biquad section, direct form I. */
class Biquad {
  private x1 = 0;
  private x2 = 0;
  private y1 = 0;
  private y2 = 0;
  constructor(
    private readonly b0: number,
    private readonly b1: number,
    private readonly b2: number,
    private readonly a1: number,
    private readonly a2: number,
  ) {}
  step(x: number): number {
    const y = this.b0 * x + this.b1 * this.x1 + this.b2 * this.x2 - this.a1 * this.y1 - this.a2 * this.y2;
    this.x2 = this.x1;
    this.x1 = x;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

/** 4th-order Butterworth low-pass at `fc` for sample rate `fs`, as two biquads (bilinear transform, pre-warped). */
function butterworth4(fc: number, fs: number): Biquad[] {
  const k = Math.tan((Math.PI * fc) / fs);
  return [0.7653668647301796, 1.8477590650225735].map((twoCos) => {
    // Section with poles at damping 2·cos(θ): s² + twoCos·s + 1.
    const norm = 1 / (1 + twoCos * k + k * k);
    const b0 = k * k * norm;
    return new Biquad(b0, 2 * b0, b0, 2 * (k * k - 1) * norm, (1 - twoCos * k + k * k) * norm);
  });
}

export interface Thump {
  /** Peak through the 20 Hz high-pass and the 20 kHz band, dBFS (re a full-scale sine's peak). */
  peakDbfs: number;
  /** PWM period where the peak is. */
  at: number;
}

/**
 * Thump of a recorded duty sequence `duty` (one channel) at PWM frame rate
 * `frameRate`; `fullScaleAmplitude` is a full-scale sine's peak at the pin
 * (0..1 units). `from`/`to` limit where the peak is looked for (the filters
 * run over everything before `to`).
 */
export function thump(duty: Uint16Array, range: number, frameRate: number, fullScaleAmplitude: number, from = 0, to = duty.length): Thump {
  const decay = Math.exp(-(2 * Math.PI * COUPLING_HZ) / frameRate);
  const lp = butterworth4(BAND_HZ, frameRate);
  let z = 0; // the coupling capacitor's side: starts discharged, at the idle level 0 V
  let peak = 0;
  let at = 0;
  for (let i = 0; i < to; i++) {
    const x = Math.min(duty[i]!, range) / range;
    let y = x - z;
    z = x + (z - x) * decay;
    for (const s of lp) y = s.step(y);
    if (i >= from && Math.abs(y) > peak) {
      peak = Math.abs(y);
      at = i;
    }
  }
  return { peakDbfs: 20 * Math.log10(peak / fullScaleAmplitude), at };
}

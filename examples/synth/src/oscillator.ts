/**
 * A band-limited oscillator: sine, sawtooth, square and triangle from one
 * phase accumulator.
 *
 * A naive sawtooth or square jumps once a period; the jump has energy at
 * every harmonic, and those above half the sample rate fold back into the
 * band as inharmonic tones (aliasing), loud for high notes. PolyBLEP
 * (Välimäki & Huovilainen, "Antialiasing oscillators in subtractive
 * synthesis", IEEE Signal Processing Magazine, 2007) subtracts a two-sample
 * polynomial approximation of a band-limited step at each jump, which takes
 * the aliases down by ~40 dB for little work. The triangle is the
 * band-limited square integrated (a leaky integrator, scaled by the
 * frequency), so it inherits the correction. The sine needs none.
 */

export enum Wave {
  Sine = 0,
  Saw = 1,
  Square = 2,
  Triangle = 3,
}

/** Two-sample polynomial residual of a band-limited unit step at phase `t` (0..1), `dt` = frequency / rate. */
@inline function polyBlep(t: f64, dt: f64): f64 {
  if (t < dt) {
    const x = t / dt;
    return x + x - x * x - 1.0;
  }
  if (t > 1.0 - dt) {
    const x = (t - 1.0) / dt;
    return x * x + x + x + 1.0;
  }
  return 0.0;
}

export class Oscillator {
  wave: Wave = Wave.Saw;
  /** Phase 0..1 and its increment per sample (frequency / rate). */
  private phase: f64 = 0;
  private dt: f64 = 0;
  private tri: f64 = 0;

  constructor(private readonly rateHz: f64) {}

  /** Set the frequency; kept below a quarter of the rate (the BLEP's two samples must not overlap). */
  setFrequency(hz: f64): void {
    const top = this.rateHz / 4.0;
    this.dt = (hz < top ? hz : top) / this.rateHz;
  }

  /** The next sample, −1..1. */
  next(): f64 {
    const t = this.phase;
    const dt = this.dt;
    let v: f64;
    if (this.wave == Wave.Sine) {
      v = Math.sin(2.0 * Math.PI * t);
    } else if (this.wave == Wave.Saw) {
      v = 2.0 * t - 1.0 - polyBlep(t, dt);
    } else {
      let sq = (t < 0.5 ? 1.0 : -1.0) + polyBlep(t, dt);
      let t2 = t + 0.5;
      if (t2 >= 1.0) t2 -= 1.0;
      sq -= polyBlep(t2, dt);
      if (this.wave == Wave.Square) {
        v = sq;
      } else {
        // Integrate: the square's area over a half period is 0.5, so 4·dt scales the triangle to ±1.
        this.tri = 4.0 * dt * sq + (1.0 - 4.0 * dt * 0.05) * this.tri;
        v = this.tri;
      }
    }
    let p = t + dt;
    if (p >= 1.0) p -= 1.0;
    this.phase = p;
    return v;
  }
}

/** Name of a waveform for the log. */
export function waveName(w: Wave): string {
  return w == Wave.Sine ? "sine" : w == Wave.Saw ? "saw" : w == Wave.Square ? "square" : "triangle";
}

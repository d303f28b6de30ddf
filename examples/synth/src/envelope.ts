/**
 * An ADSR envelope: on `gate(true)` the level rises linearly to 1 over the
 * attack, falls exponentially toward the sustain level (time constant =
 * decay / 5, so it is within 1 % after `decay`), holds there, and on
 * `gate(false)` falls exponentially to 0 over the release (again 1 % at
 * `release`, then exactly 0). A new gate while the envelope is still up
 * starts the attack from the current level: no jump, no click.
 */

const enum Stage {
  Idle = 0,
  Attack = 1,
  Decay = 2,
  Sustain = 3,
  Release = 4,
}

/** Below this the release is over (−100 dB). */
const FLOOR: f64 = 1e-5;

export class Envelope {
  level: f64 = 0;
  private stage: Stage = Stage.Idle;
  private attackStep: f64 = 1;
  private decayCoef: f64 = 0;
  private releaseCoef: f64 = 0;
  sustain: f64 = 0.7;

  constructor(private readonly rateHz: f64) {
    this.set(5, 150, 70, 300);
  }

  /** Times in ms, sustain in percent. */
  set(attackMs: f64, decayMs: f64, sustainPercent: f64, releaseMs: f64): void {
    const a = attackMs > 0.1 ? attackMs : 0.1;
    this.attackStep = 1000.0 / (a * this.rateHz);
    this.decayCoef = Math.exp(-5000.0 / ((decayMs > 0.1 ? decayMs : 0.1) * this.rateHz));
    this.releaseCoef = Math.exp(-5000.0 / ((releaseMs > 0.1 ? releaseMs : 0.1) * this.rateHz));
    const s = sustainPercent / 100.0;
    this.sustain = s < 0 ? 0 : s > 1 ? 1 : s;
  }

  gate(on: bool): void {
    if (on) this.stage = Stage.Attack;
    else if (this.stage != Stage.Idle) this.stage = Stage.Release;
  }

  /** True until the release has ended. */
  get active(): bool {
    return this.stage != Stage.Idle;
  }

  next(): f64 {
    const stage = this.stage;
    if (stage == Stage.Attack) {
      this.level += this.attackStep;
      if (this.level >= 1.0) {
        this.level = 1.0;
        this.stage = Stage.Decay;
      }
    } else if (stage == Stage.Decay) {
      this.level = this.sustain + (this.level - this.sustain) * this.decayCoef;
      if (Math.abs(this.level - this.sustain) < FLOOR) {
        this.level = this.sustain;
        this.stage = Stage.Sustain;
      }
    } else if (stage == Stage.Release) {
      this.level *= this.releaseCoef;
      if (this.level < FLOOR) {
        this.level = 0;
        this.stage = Stage.Idle;
      }
    }
    return this.level;
  }
}

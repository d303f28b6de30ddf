/**
 * The simulated 3.5 mm jack: what the PWM channels output, one duty value
 * per PWM period per channel (channel 1 = GPIO40 = right, channel 2 =
 * GPIO41 = left, docs/hardware.md#pwm), plus the gaps (periods where a channel found
 * the FIFO empty).
 *
 * The channels are preallocated typed arrays: the PWM model makes room for
 * a whole batch of periods with `ensure` and stores into them directly.
 *
 * As a WAV, a duty value d of range R becomes the 16-bit sample
 *     round(d * 65536 / R) - 32768      (clamped to 32767)
 * i.e. 0 V → -32768, mid-scale → ~0, full duty → +32767. Because a duty
 * step is 65536/R ≥ 1 sample step for any R < 65536, the mapping is exact
 * and reversible: dutyFromSample() gives back d.
 */
/**
 * Start and stop ramps the machine allows for on top of a bundle's audio,
 * in seconds of PWM periods: the firmware's thump-free ramps last longest in
 * shaped mode on a Pi 4, about 15 s each way at 706 kHz (its log's
 * `ramp_frames`). A reservation only costs address space where it is not
 * written, so the allowance is generous.
 */
export const RAMP_ALLOWANCE_S = 40;

/** The most values `Jack.started` reserves per channel (2^28: 512 MiB of address space); past it a channel grows as it fills. */
const MAX_RESERVE = 1 << 28;

export class GrowableU16 {
  data: Uint16Array<ArrayBuffer> = new Uint16Array(1 << 16);
  length = 0;

  /**
   * Make room for `n` values up front (avoids re-allocation while recording).
   * Room that is never written costs address space only: a large typed
   * array's pages are the operating system's zero pages until first written.
   * When the system refuses that much (a strict overcommit policy), the
   * array stays as it is and grows as it fills.
   */
  reserve(n: number): void {
    n = Math.ceil(n);
    if (n > this.data.length) {
      let d: Uint16Array<ArrayBuffer>;
      try {
        d = new Uint16Array(n);
      } catch (e) {
        if (e instanceof RangeError) return;
        throw e;
      }
      d.set(this.data.subarray(0, this.length));
      this.data = d;
    }
  }

  /**
   * Make room for `n` more values; returns `data`, which may be a new array.
   * Writers then store into `data[length...]` and move `length` themselves.
   */
  ensure(n: number): Uint16Array {
    if (this.length + n > this.data.length) {
      const d = new Uint16Array(Math.max(this.data.length * 2, this.length + n));
      d.set(this.data.subarray(0, this.length));
      this.data = d;
    }
    return this.data;
  }

  push(v: number): void {
    this.ensure(1)[this.length++] = v;
  }

  view(): Uint16Array<ArrayBuffer> {
    return this.data.subarray(0, this.length);
  }
}

export function sampleFromDuty(duty: number, range: number): number {
  return Math.min(32767, Math.round((duty * 65536) / range) - 32768);
}

export function dutyFromSample(sample: number, range: number): number {
  return Math.round(((sample + 32768) * range) / 65536);
}

export class Jack {
  /** Duty per period, channel 1 (right) and channel 2 (left). */
  readonly right = new GrowableU16();
  readonly left = new GrowableU16();
  /** Periods with no data (FIFO empty, no RPTL), per channel [ch1, ch2]. */
  readonly gaps: [number, number] = [0, 0];
  /** Index (frame number on that channel) of the first gaps, at most 1000 per channel. */
  readonly gapAt: [number[], number[]] = [[], []];
  /** Range and clock of the most recent period (for WAV scaling and rate). */
  range = 0;
  clockHz = 0;
  /**
   * Virtual seconds of output the run is expected to record (set by the
   * machine: the bundle's audio plus `RAMP_ALLOWANCE_S`), 0 when unknown.
   * When the PWM starts at a rate, both channels reserve that much at that
   * rate (`started`): the doubling growth, which copies and touches every
   * page again at each step, then never happens in a normal run.
   */
  expectSeconds = 0;

  /** The PWM runs periods at `periodsPerSecond`: reserve the expected run at that rate (once per faster rate). */
  started(periodsPerSecond: number): void {
    if (!(this.expectSeconds > 0 && periodsPerSecond > 0)) return;
    const n = Math.min(this.expectSeconds * periodsPerSecond, MAX_RESERVE);
    if (n > this.right.data.length) this.right.reserve(n);
    if (n > this.left.data.length) this.left.reserve(n);
  }

  /** A gap on `channel` (0 = channel 1, right) at the value about to be recorded. */
  gap(channel: 0 | 1): void {
    this.gapsAt(channel, (channel === 0 ? this.right : this.left).length, 1);
  }

  /** `n` consecutive gap periods on `channel`, the first at index `from`. */
  gapsAt(channel: 0 | 1, from: number, n: number): void {
    this.gaps[channel] += n;
    const at = this.gapAt[channel];
    for (let i = 0; i < n && at.length < 1000; i++) at.push(from + i);
  }

  /** Stereo frames recorded (the shorter channel). */
  get frames(): number {
    return Math.min(this.right.length, this.left.length);
  }

  /** Frame rate in Hz (PWM clock / range). */
  get rateHz(): number {
    return this.range > 0 ? this.clockHz / this.range : 0;
  }

  /** Interleaved L, R 16-bit samples. */
  toPcm(): Int16Array {
    const n = this.frames;
    const out = new Int16Array(n * 2);
    const r = this.range || 1;
    const L = this.left.data;
    const R = this.right.data;
    for (let i = 0; i < n; i++) {
      out[2 * i] = sampleFromDuty(L[i]!, r);
      out[2 * i + 1] = sampleFromDuty(R[i]!, r);
    }
    return out;
  }
}

// One AudioOutput playing two FrameSources in a row (tests/firmware-library.test.ts): a 1 kHz
// sine, then a 2 kHz one, each 0.2 s, each ramped up and down by the output, with a summary each.
import { AudioOutput, FrameSource, halt, HALT_DONE, HALT_HARDWARE, log, uart } from "piwave/firmware";

class Sine extends FrameSource {
  private n: u32 = 0;
  constructor(private readonly hz: f64, private readonly rate: f64, private readonly frames: u32) {
    super();
  }
  next(): bool {
    if (this.n >= this.frames) return false;
    // A 5 ms fade at each end: a stream must start and end near 0 (a step there is a click).
    const fade = this.rate * 0.005;
    const edge = <f64>min(this.n, this.frames - 1 - this.n);
    const gain = edge < fade ? edge / fade : 1.0;
    const v = <i32>Math.round(16384.0 * gain * Math.sin((2.0 * Math.PI * this.hz * <f64>this.n) / this.rate));
    this.left = v;
    this.right = -v;
    this.n++;
    return true;
  }
}

export function main(): void {
  const out = new AudioOutput();
  uart.init();
  const rate = <f64>out.rateMilliHz / 1000.0;
  const first = new Sine(1000, rate, <u32>(rate * 0.2));
  const second = new Sine(2000, rate, <u32>(rate * 0.2));
  let ok = out.play(first);
  out.summary(first);
  ok = ok && out.play(second);
  out.close();
  out.summary(second);
  log.drain();
  halt(ok ? HALT_DONE : HALT_HARDWARE);
}

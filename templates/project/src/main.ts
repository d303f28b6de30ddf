/**
 * {{name}}: bare-metal audio firmware for the Raspberry Pi, built with piwave.
 *
 * The runtime (or piwave's simulator) calls `main()` once. It plays a 440 Hz
 * tone on both channels of the 3.5 mm jack for two seconds, logs what it does
 * on the UART (GPIO14, 115200 baud: `npx piwave monitor`), and halts.
 */
import { AudioOutput, FrameSource, halt, HALT_DONE, HALT_HARDWARE, log, uart } from "piwave/firmware";

const TONE_HZ: f64 = 440;
const SECONDS: f64 = 2;
/** Peak level: a quarter of full scale, -12 dBFS. */
const LEVEL: f64 = 0.25 * 32767;

/**
 * A sine wave. The output asks for one frame at a time (`next()`), about
 * 44,100 times a second, until `next()` returns false. The tone fades in and
 * out over 10 ms: a stream that started or stopped half-way up a wave would
 * click.
 */
class Tone extends FrameSource {
  private phase: f64 = 0;
  private step: f64;
  private frame: u32 = 0;
  private frames: u32;
  private fadeFrames: f64;

  constructor(hz: f64, seconds: f64, rateHz: f64) {
    super();
    this.step = (2 * Math.PI * hz) / rateHz;
    this.frames = <u32>Math.round(seconds * rateHz);
    this.fadeFrames = Math.round(0.01 * rateHz);
  }

  next(): bool {
    if (this.frame == this.frames) return false; // the end of the stream: the output ramps the jack down
    const edge = <f64>min(this.frame, this.frames - 1 - this.frame); // frames from the nearer end
    const gain = min(1.0, edge / this.fadeFrames);
    const v = <i32>Math.round(gain * LEVEL * Math.sin(this.phase));
    this.left = v;
    this.right = v;
    this.frame++;
    this.phase += this.step;
    if (this.phase >= 2 * Math.PI) this.phase -= 2 * Math.PI;
    return true;
  }
}

export function main(): void {
  uart.init();
  const out = new AudioOutput();
  log.begin("I", "tone");
  log.str("440 Hz on both channels for 2 s");
  log.end();

  const tone = new Tone(TONE_HZ, SECONDS, <f64>out.rateMilliHz / 1000);
  if (!out.play(tone)) {
    // The PWM stopped moving: an E line says why.
    log.drain();
    halt(HALT_HARDWARE);
    return;
  }
  out.close();
  out.summary(tone);
  log.drain(); // every log line out of the UART before the end
  halt(HALT_DONE);
}

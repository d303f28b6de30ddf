/**
 * `AudioOutput`: the 3.5 mm jack as an audio output any firmware can feed
 * from its own code, through a `FrameSource` (frame-source.ts).
 *
 * What the hardware does (docs/hardware.md#pwm, #clocks-and-rates): the
 * jack is driven by two PWM channels (GPIO40 = channel 1 = right, GPIO41
 * = channel 2 = left, ALT0) in M/S mode, fed from one shared 16-word FIFO,
 * behind an RC low-pass and an AC-coupling capacitor. The PWM clock comes
 * from PLLD through the clock manager (Pi 4: 750 MHz / 6 = 125 MHz;
 * Pi 3: 500 / 2 = 250 MHz); the range (clocks per period) is chosen so the
 * frame rate is as near 44.1 kHz × OSR as an integer allows.
 *
 * `open()` starts the PWM clock, routes the jack pins and prepares the PWM;
 * it detects registers that behave as plain RAM (QEMU raspi3b has no PWM
 * model) and then paces frames with the system timer instead of the FIFO.
 * `play(source)` ramps the jack from 0 V to mid-scale (silence) without a
 * thump, plays the source until its `next()` returns false, and ramps back
 * (producer.ts: the ramps, the plain and the shaped mode), moving the words
 * to the PWM by FIFO polling, DMA or timer pacing (feed.ts), counting what
 * went wrong (underruns, FIFO-empty events, late DMA refills). `close()`
 * stops the PWM clock; `summary(source)` logs the summary line host tools
 * parse (host/log-line.ts):
 *
 *     I summary: tracks=N frames=F ramp_frames=R underruns=U fifo_empty=E
 *       late_refills=L fifo_overflow=0|1 log_dropped=D elapsed=S.SSSs
 *
 * Quality (plain, or ×16 oversampled and noise-shaped) and feed (polling or
 * DMA) are build-time constants (config.ts: QUALITY_MODE, FEED_MODE), so the
 * image contains one mode's code only; `QUALITY` and `FEED` say which.
 * There is one jack: use one AudioOutput at a time.
 */
import { DMA_FEED, FEED as FEED_BUILD, OSR as OSR_BUILD, QUALITY as QUALITY_BUILD, SHAPED, TARGET_RATE_HZ } from "../config";
import { JACK_LEFT_PIN, JACK_RIGHT_PIN, PLLD_HZ, PWM_BASE, PWM_CLOCK_DIVI, PWM_CLOCK_HZ, PWM_NAME } from "../board";
import * as clock from "../drivers/clock";
import * as gpio from "../drivers/gpio";
import * as pwm from "../drivers/pwm";
import { micros64 } from "../drivers/timer";
import * as log from "../lib/log";
import * as feed from "./feed";
import { FrameSource } from "./frame-source";
import * as producer from "./producer";
import * as frames from "./source";
import { HEADROOM, MARGIN } from "../dsp/shaper";

/** How samples become PWM words (build-time: `--use QUALITY_MODE=n`). */
export enum Quality {
  /** One PWM period per sample, range ≈ clock / 44.1 kHz, pulse-position pre-compensation. */
  Plain = 0,
  /** ×16 oversampling and 3rd-order noise shaping (about 4 dB quieter, far cleaner). */
  Shaped = 1,
}

/**
 * Plain mode: how M/S PWM's pulse-position distortion (THD+N −30 dB at
 * 1 kHz −1 dBFS left alone) is corrected: `AudioOutput.plainCorrection`,
 * set before `play`. Shaped mode always corrects (dsp/linear-stage.ts).
 */
export enum PlainCorrection {
  /** The output corrects in real time from the signal below 8 kHz (precompensate.ts): for sources that compute their samples, like a synth. */
  RealTime = 0,
  /** The source's samples are already pre-compensated for this output's range, over the whole band (a bundle piwave built: host/dsp/plain-precompensation.ts); the output only scales them. */
  Source = 1,
  /** None: duty = ((s + 32768)·range) >> 16 for every sample, what peers ship. */
  Off = 2,
}

/** How the PWM words reach the PWM (build-time: `--use FEED_MODE=n`). */
export enum Feed {
  /** The CPU writes the FIFO whenever it has room. */
  Poll = 0,
  /** A DMA channel reads a ring of two ~23 ms buffers the CPU refills. */
  Dma = 1,
}

/** This build's quality and feed. */
export const QUALITY: Quality = <Quality>QUALITY_BUILD;
export const FEED: Feed = <Feed>FEED_BUILD;
/** PWM frames per audio frame: 16 in shaped mode, 1 in plain mode. */
export const OSR: u32 = OSR_BUILD;

/** Shaped mode: PWM levels kept clear at each end of the range (host/quality/measure.ts relies on it). */
export const SHAPER_MARGIN: f64 = MARGIN;
/** Shaped mode: the signal's scale-down for inter-sample overs (host/quality/measure.ts relies on it). */
export const SHAPER_HEADROOM: f64 = HEADROOM;

/** PWM range (clocks per PWM period): nearest to clock / (44100 Hz × OSR) (Circle's formula for OSR 1, docs/hardware.md#clocks-and-rates). */
export function pwmRange(): u32 {
  const per = TARGET_RATE_HZ * OSR;
  return (PWM_CLOCK_HZ + per / 2) / per;
}

/** Audio frame rate in mHz: clock / (range × OSR), rounded (44,101.695 Hz on a Pi 4, 44,091.711 Hz on a Pi 3 in plain mode). */
export function frameRateMilliHz(): u32 {
  const d = <u64>pwmRange() * OSR;
  return <u32>((<u64>PWM_CLOCK_HZ * 1000 + d / 2) / d);
}

/** The source being played: the feed's between-frames hook calls its idle(). */
let current: FrameSource | null = null;

function housekeeping(): void {
  const s = current;
  if (s !== null) s.idle();
  log.pump(feed.PUMP_BYTES);
}

export class AudioOutput {
  /** PWM clocks per PWM period. */
  readonly range: u32;
  /** Audio frames per 1000 s: the rate `FrameSource.next()` is called at. */
  readonly rateMilliHz: u32;
  /** The system timer when the output was made: the summary's `elapsed` counts from here. */
  readonly createdUs: u64;
  /** Plain mode's correction for the next `play` (PlainCorrection); a PLAIN_EXACT build always uses Off. */
  plainCorrection: PlainCorrection = PlainCorrection.RealTime;
  private opened: bool = false;
  private noPwm: bool = false;
  private overflow: bool = false;

  constructor() {
    this.createdUs = micros64();
    this.range = pwmRange();
    this.rateMilliHz = frameRateMilliHz();
  }

  /** True after `open()` found no PWM behind the registers (QEMU): frames are paced by the system timer. */
  get timerPaced(): bool {
    return this.noPwm;
  }
  /** Periods the PWM found its FIFO empty (audible gaps), over every `play`. */
  get underruns(): u32 {
    return feed.underruns;
  }
  /** Times the FIFO ran dry while polling (near misses). */
  get fifoEmptyEvents(): u32 {
    return feed.emptyEvents;
  }
  /** DMA buffer switches that came late. */
  get lateRefills(): u32 {
    return feed.lateRefills;
  }

  /**
   * Start the PWM clock (PLLD / divider, MASH 0), route the jack pins to the
   * PWM (ALT0, no pulls), stop and clear the PWM at this range. Logs
   * `I clock:`, `I pwm:` (and `W pwm:` under QEMU). False, after an
   * `E clock:` line, when the clock generator does not stop (halt with
   * HALT_HARDWARE then). `play` opens the output if it is not open.
   */
  open(): bool {
    if (this.opened) return true;
    if (clock.startPwmClock(clock.CM_SRC_PLLD, PWM_CLOCK_DIVI) != clock.ClockStatus.Ok) {
      log.begin("E", "clock");
      log.str("PWM clock generator stuck BUSY after KILL (CM_PWMCTL ");
      log.hex(clock.pwmClockControl());
      log.str("): cannot set the PWM clock");
      log.end();
      return false;
    }
    log.begin("I", "clock");
    log.str("PWM clock PLLD ");
    log.dec(PLLD_HZ);
    log.str(" Hz / ");
    log.dec(PWM_CLOCK_DIVI);
    log.str(" = ");
    log.dec(PWM_CLOCK_HZ);
    log.str(" Hz");
    log.end();

    gpio.setFunction(JACK_RIGHT_PIN, gpio.FSEL_ALT0);
    gpio.setFunction(JACK_LEFT_PIN, gpio.FSEL_ALT0);
    gpio.setPullNone(JACK_RIGHT_PIN);
    gpio.setPullNone(JACK_LEFT_PIN);

    const range = this.range;
    pwm.init(range);
    const plainRam = pwm.isPlainRam();
    this.noPwm = plainRam;
    if (plainRam) {
      log.begin("W", "pwm");
      log.str("registers behave as plain RAM (CTL.CLRF1 reads back 1): no PWM hardware here, as under QEMU; pacing frames with the system timer, FIFO status ignored");
      if (DMA_FEED) log.str(", DMA not used (QEMU's DMA ignores DREQ and hangs on circular control-block rings)");
      log.end();
    }
    log.begin("I", "pwm");
    log.str(PWM_NAME);
    log.str(" at ");
    log.hex(PWM_BASE);
    log.str(", range ");
    log.dec(range);
    log.str(" (");
    log.fixed(<u64>(Math.log2(<f64>range) * 100 + 0.5), 2);
    log.str(" bits), sample rate ");
    log.fixed(this.rateMilliHz, 3);
    log.str(" Hz");
    if (SHAPED) {
      log.str(" x16 = ");
      log.fixed(<u64>this.rateMilliHz * OSR, 3);
      log.str(" Hz PWM frames, 3rd-order noise shaping");
    }
    log.str(", M/S mode, ");
    log.str(plainRam ? "timer pacing" : DMA_FEED ? "DMA" : "FIFO polling");
    log.end();
    log.flush();
    this.opened = true;
    return true;
  }

  /**
   * Play `source` to its end: ramp up from 0 V, every frame `next()` gives,
   * ramp down to 0 V. Blocks until then, calling `source.idle()` every few
   * ms and once at the end. False when the PWM (or the DMA channel) stopped
   * moving: an `E pwm:`/`E dma:` line says what (halt with HALT_HARDWARE).
   */
  play(source: FrameSource): bool {
    if (!this.open()) return false;
    current = source;
    frames.use(source); // what producer.ts reads (audio/source.ts)
    producer.start(this.range, this.noPwm, <i32>this.plainCorrection); // no PWM, no jack, no thump: short ramps
    feed.setHousekeeping(housekeeping);
    let ok: bool;
    if (this.noPwm) ok = feed.runTimer(this.rateMilliHz);
    else if (DMA_FEED) ok = feed.runDma();
    else ok = feed.runPoll();
    housekeeping();
    current = null;
    if (!ok) return false;
    if (!this.noPwm && (pwm.status() & pwm.STA_WERR1) != 0) this.overflow = true;
    return true;
  }

  /** Stop the PWM clock and send the log's queued lines. */
  close(): void {
    if (this.opened) clock.stopPwmClock();
    this.opened = false;
    log.flush();
  }

  /** Frames `source` produced that were not its own fades (the summary's `frames=`). */
  framesOf(source: FrameSource): u64 {
    return source.produced - source.rampFrames();
  }

  /** PWM frames of ramps: the source's fades (× OSR) and the output's start/stop ramps (the summary's `ramp_frames=`). */
  rampFramesOf(source: FrameSource): u64 {
    return source.rampFrames() * OSR + producer.rampFrames;
  }

  /** Log the summary line (module doc) for `source`, the last source played. */
  summary(source: FrameSource): void {
    const elapsed = micros64() - this.createdUs;
    log.begin("I", "summary");
    source.summaryFields();
    log.str("frames=");
    log.dec(this.framesOf(source));
    log.str(" ramp_frames=");
    log.dec(this.rampFramesOf(source));
    log.str(" underruns=");
    log.dec(feed.underruns);
    log.str(" fifo_empty=");
    log.dec(feed.emptyEvents);
    log.str(" late_refills=");
    log.dec(feed.lateRefills);
    log.str(" fifo_overflow=");
    log.dec(this.overflow ? 1 : 0);
    log.str(" log_dropped=");
    log.dec(log.droppedCount());
    log.str(" elapsed=");
    log.fixed(elapsed / 1000, 3);
    log.str("s");
    log.end();
  }
}

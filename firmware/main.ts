/**
 * The player: piwave's own firmware, what `piwave build SONG…` builds. It is
 * a program on the public firmware library (./index, what users import as
 * "piwave/firmware") and nothing else.
 *
 * `main()` is called once by the host (simulator or bare-metal runtime):
 * UART log up, ARM clock raised, asset bundle validated, then the bundle's
 * tracks (a `BundleSource`) played through the `AudioOutput`, each track's
 * start and end logged, the summary logged, then `halt(0)`. Any failure
 * logs an `E` line and halts with a specific code (see abi.ts); it never
 * hangs. host/log-line.ts and many tests parse these lines: keep them.
 */
import {
  AudioOutput,
  board,
  bundle,
  BundleSource,
  cpu,
  EVENT_END,
  EVENT_NONE,
  EVENT_START,
  FEED,
  frameRateMilliHz,
  halt,
  HALT_BAD_BUNDLE,
  HALT_DONE,
  HALT_HARDWARE,
  log,
  OSR,
  PlainCorrection,
  pwmRange,
  Quality,
  QUALITY,
  SHAPER_HEADROOM,
  SHAPER_MARGIN,
  uart,
} from "./index";

const FIRMWARE_VERSION: string = "0.2.0";

/** PWM range (clocks per PWM period): nearest to clock / (44100 Hz × OSR) (Circle's formula for OSR 1, docs/hardware.md#clocks-and-rates). */
export function pwm_range(): u32 {
  return pwmRange();
}
/** The PWM clock in Hz. */
export function pwm_clock_hz(): u32 {
  return board.PWM_CLOCK_HZ;
}
/** Audio frame rate in mHz: clock / (range × OSR), rounded. Tracks must be converted to exactly this. */
export function frame_rate_millihz(): u32 {
  return frameRateMilliHz();
}
/** 4 for a Pi 4 build, 3 for a Pi 3 build. */
export function board_id(): u32 {
  return board.BOARD_ID;
}
/** Asset bundle format version this firmware reads. */
export function bundle_version(): u32 {
  return bundle.VERSION;
}
/** 0 plain, 1 shaped. */
export function quality_mode(): u32 {
  return <u32>QUALITY;
}
/** 0 FIFO polling, 1 DMA. */
export function feed_mode(): u32 {
  return <u32>FEED;
}
/** Levels the shaped mode keeps clear at each end of the range (host/quality/measure.ts relies on it). */
export function shaper_margin(): f64 {
  return SHAPER_MARGIN;
}
/** Scale-down of the shaped mode's signal for inter-sample overs (host/quality/measure.ts relies on it). */
export function shaper_headroom(): f64 {
  return SHAPER_HEADROOM;
}
/** Oversampling ratio (PWM frames per audio frame). */
export function oversampling(): u32 {
  return OSR;
}

function stopWith(code: u32): void {
  log.drain();
  halt(code);
}

let rateMilliHz: u32 = 0;

function logDuration(frames: u64): void {
  log.fixed((frames * 1000000) / <u64>rateMilliHz, 3);
  log.str(" s");
}

/** The bundle's tracks, with each start and end logged between frames. */
class Tracks extends BundleSource {
  idle(): void {
    for (let e = this.takeEvent(); e != EVENT_NONE; e = this.takeEvent()) {
      const i = this.eventTrackIndex();
      const frames = <u64>bundle.frameCount(i);
      log.begin("I", "track");
      log.dec(i + 1);
      log.byte(0x2f);
      log.dec(bundle.trackCount());
      if (e == EVENT_START) {
        log.str(" start ");
        bundle.logName(i);
        log.str(", ");
      } else {
        log.str(" end, ");
      }
      log.dec(frames);
      log.str(" frames, ");
      logDuration(frames);
      if (e == EVENT_END) {
        log.str(", underruns ");
        log.dec(output.underruns);
      }
      log.end();
    }
  }
}

let output: AudioOutput = changetype<AudioOutput>(0);

export function main(): void {
  stopWith(play());
}

/**
 * The player: everything `main` does before it halts. Returns the halt code
 * (HALT_DONE after the summary line); the selftest entry
 * (firmware/selftest.ts) runs it after its measurements.
 */
export function play(): u32 {
  output = new AudioOutput(); // the summary's elapsed time counts from here
  uart.init();
  rateMilliHz = output.rateMilliHz;

  log.begin("I", "boot");
  log.str("piwave firmware ");
  log.str(FIRMWARE_VERSION);
  log.str(", board ");
  log.str(board.BOARD_NAME);
  log.str(" (");
  log.str(board.SOC_NAME);
  log.str("), peripherals at ");
  log.hex(board.PERIPHERAL_BASE);
  log.end();
  log.flush();

  cpu.raise();
  log.flush();

  if (!bundle.open(rateMilliHz)) return HALT_BAD_BUNDLE;
  let totalFrames: u64 = 0;
  for (let i: u32 = 0; i < bundle.trackCount(); i++) totalFrames += bundle.frameCount(i);
  log.begin("I", "bundle");
  log.dec(bundle.trackCount());
  log.str(bundle.trackCount() == 1 ? " track, " : " tracks, ");
  logDuration(totalFrames);
  log.str(", format v");
  log.dec(bundle.version());
  log.str(", CRCs ok");
  if (QUALITY == Quality.Plain) {
    // A bundle piwave built is pre-compensated for this range on the host, over the whole band; an older
    // one (or one written without) is corrected in real time below 8 kHz.
    if (bundle.precompRange() != 0) {
      log.str(", pre-compensated for range ");
      log.dec(bundle.precompRange());
    } else log.str(", corrected in real time");
  }
  log.end();
  log.flush();

  if (!output.open()) return HALT_HARDWARE;
  const tracks = new Tracks();
  output.plainCorrection = bundle.precompRange() != 0 ? PlainCorrection.Source : PlainCorrection.RealTime;
  if (!output.play(tracks)) return HALT_HARDWARE;
  output.close();
  output.summary(tracks);
  return HALT_DONE;
}

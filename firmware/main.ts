/**
 * piwave firmware entry point.
 *
 * `main()` is called once by the host (simulator or bare-metal runtime):
 * UART log up, asset bundle validated, PWM clock started, jack pins routed,
 * every track played, summary logged, then `halt(0)`. Any failure logs an
 * `E` line and halts with a specific code (see abi.ts); it never hangs.
 */
import { halt, HALT_BAD_BUNDLE, HALT_DONE, HALT_HARDWARE } from "./abi";
import * as bundle from "./audio/bundle";
import * as feed from "./audio/feed";
import * as producer from "./audio/producer";
import * as source from "./audio/source";
import {
  BOARD_ID,
  BOARD_NAME,
  JACK_LEFT_PIN,
  JACK_RIGHT_PIN,
  PERIPHERAL_BASE,
  PLLD_HZ,
  PWM_BASE,
  PWM_CLOCK_DIVI,
  PWM_CLOCK_HZ,
  PWM_NAME,
  SOC_NAME,
} from "./board";
import { DMA_FEED, FEED, OSR, QUALITY, SHAPED, TARGET_RATE_HZ } from "./config";
import { HEADROOM, MARGIN } from "./dsp/shaper";
import * as armClock from "./drivers/arm-clock";
import * as clock from "./drivers/clock";
import * as gpio from "./drivers/gpio";
import * as pwm from "./drivers/pwm";
import { micros64 } from "./drivers/timer";
import * as uart from "./drivers/uart";
import * as log from "./lib/log";
import "./runtime/abort"; // the handler asc routes `abort` to (asconfig.json `use`)

const FIRMWARE_VERSION: string = "0.2.0";

/** PWM range (clocks per PWM period): nearest to clock / (44100 Hz × OSR) (Circle's formula for OSR 1, docs/hardware.md#clocks-and-rates). */
export function pwm_range(): u32 {
  const per = TARGET_RATE_HZ * OSR;
  return (PWM_CLOCK_HZ + per / 2) / per;
}
/** The PWM clock in Hz. */
export function pwm_clock_hz(): u32 {
  return PWM_CLOCK_HZ;
}
/** Audio frame rate in mHz: clock / (range × OSR), rounded. Tracks must be converted to exactly this. */
export function frame_rate_millihz(): u32 {
  const d = <u64>pwm_range() * OSR;
  return <u32>((<u64>PWM_CLOCK_HZ * 1000 + d / 2) / d);
}
/** 4 for a Pi 4 build, 3 for a Pi 3 build. */
export function board_id(): u32 {
  return BOARD_ID;
}
/** Asset bundle format version this firmware reads. */
export function bundle_version(): u32 {
  return bundle.VERSION;
}
/** 0 plain, 1 shaped. */
export function quality_mode(): u32 {
  return QUALITY;
}
/** 0 FIFO polling, 1 DMA. */
export function feed_mode(): u32 {
  return FEED;
}
/** Levels the shaped mode keeps clear at each end of the range (host/quality/measure.ts relies on it). */
export function shaper_margin(): f64 {
  return MARGIN;
}
/** Scale-down of the shaped mode's signal for inter-sample overs (host/quality/measure.ts relies on it). */
export function shaper_headroom(): f64 {
  return HEADROOM;
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

/** Between frames: the log keeps moving, and track starts/ends are reported. */
function housekeeping(): void {
  for (let e = source.takeEvent(); e != source.EVENT_NONE; e = source.takeEvent()) {
    const i = source.eventTrackIndex();
    const frames = <u64>bundle.frameCount(i);
    log.begin("I", "track");
    log.dec(i + 1);
    log.byte(0x2f);
    log.dec(bundle.trackCount());
    if (e == source.EVENT_START) {
      log.str(" start ");
      bundle.logName(i);
      log.str(", ");
    } else {
      log.str(" end, ");
    }
    log.dec(frames);
    log.str(" frames, ");
    logDuration(frames);
    if (e == source.EVENT_END) {
      log.str(", underruns ");
      log.dec(feed.underruns);
    }
    log.end();
  }
  log.pump(feed.PUMP_BYTES);
}

export function main(): void {
  stopWith(play());
}

/**
 * The player: everything `main` does before it halts. Returns the halt code
 * (HALT_DONE after the summary line); the selftest entry
 * (firmware/selftest.ts) runs it after its measurements.
 */
export function play(): u32 {
  const t0 = micros64();
  uart.init();
  const range = pwm_range();
  rateMilliHz = frame_rate_millihz();

  log.begin("I", "boot");
  log.str("piwave firmware ");
  log.str(FIRMWARE_VERSION);
  log.str(", board ");
  log.str(BOARD_NAME);
  log.str(" (");
  log.str(SOC_NAME);
  log.str("), peripherals at ");
  log.hex(PERIPHERAL_BASE);
  log.end();
  log.flush();

  armClock.raise();
  log.flush();

  if (!bundle.open(rateMilliHz)) return HALT_BAD_BUNDLE;
  let totalFrames: u64 = 0;
  for (let i: u32 = 0; i < bundle.trackCount(); i++) totalFrames += bundle.frameCount(i);
  log.begin("I", "bundle");
  log.dec(bundle.trackCount());
  log.str(bundle.trackCount() == 1 ? " track, " : " tracks, ");
  logDuration(totalFrames);
  log.str(", format v1, CRCs ok");
  log.end();
  log.flush();

  if (clock.startPwmClock(clock.CM_SRC_PLLD, PWM_CLOCK_DIVI) != clock.ClockStatus.Ok) {
    log.begin("E", "clock");
    log.str("PWM clock generator stuck BUSY after KILL (CM_PWMCTL ");
    log.hex(clock.pwmClockControl());
    log.str("): cannot set the PWM clock");
    log.end();
    return HALT_HARDWARE;
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

  pwm.init(range);
  const plainRam = pwm.isPlainRam();
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
  log.fixed(rateMilliHz, 3);
  log.str(" Hz");
  if (SHAPED) {
    log.str(" x16 = ");
    log.fixed(<u64>rateMilliHz * OSR, 3);
    log.str(" Hz PWM frames, 3rd-order noise shaping");
  }
  log.str(", M/S mode, ");
  log.str(plainRam ? "timer pacing" : DMA_FEED ? "DMA" : "FIFO polling");
  log.end();
  log.flush();

  producer.start(range, plainRam); // no PWM, no jack, no thump: short ramps
  feed.setHousekeeping(housekeeping);
  let ok: bool;
  if (plainRam) ok = feed.runTimer(rateMilliHz);
  else if (DMA_FEED) ok = feed.runDma();
  else ok = feed.runPoll();
  housekeeping();
  if (!ok) return HALT_HARDWARE;
  const werr = plainRam ? 0 : pwm.status() & pwm.STA_WERR1;
  clock.stopPwmClock();
  log.flush();

  const elapsed = micros64() - t0;
  log.begin("I", "summary");
  log.str("tracks=");
  log.dec(bundle.trackCount());
  log.str(" frames=");
  log.dec(source.trackFrames);
  log.str(" ramp_frames=");
  log.dec(source.rampFrames * OSR + producer.rampFrames);
  log.str(" underruns=");
  log.dec(feed.underruns);
  log.str(" fifo_empty=");
  log.dec(feed.emptyEvents);
  log.str(" late_refills=");
  log.dec(feed.lateRefills);
  log.str(" fifo_overflow=");
  log.dec(werr ? 1 : 0);
  log.str(" log_dropped=");
  log.dec(log.droppedCount());
  log.str(" elapsed=");
  log.fixed(elapsed / 1000, 3);
  log.str("s");
  log.end();
  return HALT_DONE;
}

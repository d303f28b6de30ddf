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
import * as player from "./audio/player";
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
import * as clock from "./drivers/clock";
import * as gpio from "./drivers/gpio";
import * as pwm from "./drivers/pwm";
import { micros64 } from "./drivers/timer";
import * as uart from "./drivers/uart";
import * as log from "./lib/log";
import "./runtime/abort"; // the handler asc routes `abort` to (asconfig.json `use`)

const FIRMWARE_VERSION: string = "0.1.0";
/** The sample rate the PWM range is chosen for. */
const TARGET_RATE_HZ: u32 = 44100;

/** PWM range (clocks per sample): the nearest to clock / 44100 Hz (Circle's formula, reference §4.1). */
export function pwm_range(): u32 {
  return (PWM_CLOCK_HZ + TARGET_RATE_HZ / 2) / TARGET_RATE_HZ;
}
/** The PWM clock in Hz. */
export function pwm_clock_hz(): u32 {
  return PWM_CLOCK_HZ;
}
/** Actual frame rate in mHz: clock / range, rounded. Tracks must be converted to exactly this. */
export function frame_rate_millihz(): u32 {
  const r = <u64>pwm_range();
  return <u32>((<u64>PWM_CLOCK_HZ * 1000 + r / 2) / r);
}
/** 4 for a Pi 4 build, 3 for a Pi 3 build. */
export function board_id(): u32 {
  return BOARD_ID;
}
/** Asset bundle format version this firmware reads. */
export function bundle_version(): u32 {
  return bundle.VERSION;
}

function stopWith(code: u32): void {
  log.drain();
  halt(code);
}

export function main(): void {
  const t0 = micros64();
  uart.init();
  const range = pwm_range();
  const rate = frame_rate_millihz();

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

  if (!bundle.open(rate)) {
    stopWith(HALT_BAD_BUNDLE);
    return;
  }
  let totalFrames: u64 = 0;
  for (let i: u32 = 0; i < bundle.trackCount(); i++) totalFrames += bundle.frameCount(i);
  log.begin("I", "bundle");
  log.dec(bundle.trackCount());
  log.str(bundle.trackCount() == 1 ? " track, " : " tracks, ");
  log.fixed((totalFrames * 1000000) / rate, 3);
  log.str(" s, format v1, CRCs ok");
  log.end();
  log.flush();

  if (clock.startPwmClock(clock.CM_SRC_PLLD, PWM_CLOCK_DIVI) != clock.ClockStatus.Ok) {
    log.begin("E", "clock");
    log.str("PWM clock generator stuck BUSY after KILL (CM_PWMCTL ");
    log.hex(clock.pwmClockControl());
    log.str("): cannot set the PWM clock");
    log.end();
    stopWith(HALT_HARDWARE);
    return;
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
  log.fixed(rate, 3);
  log.str(plainRam ? " Hz, M/S mode, timer pacing" : " Hz, M/S mode, FIFO polling");
  log.end();
  log.flush();

  if (!player.start(range, rate, plainRam)) {
    stopWith(HALT_HARDWARE);
    return;
  }
  const count = bundle.trackCount();
  for (let i: u32 = 0; i < count; i++) {
    const frames = bundle.frameCount(i);
    const gapsBefore = player.underruns();
    log.begin("I", "track");
    log.dec(i + 1);
    log.byte(0x2f);
    log.dec(count);
    log.str(" start ");
    bundle.logName(i);
    log.str(", ");
    log.dec(frames);
    log.str(" frames, ");
    log.fixed((<u64>frames * 1000000) / rate, 3);
    log.str(" s");
    log.end();
    if (!player.playTrack(i)) {
      stopWith(HALT_HARDWARE);
      return;
    }
    log.begin("I", "track");
    log.dec(i + 1);
    log.byte(0x2f);
    log.dec(count);
    log.str(" end, ");
    log.dec(frames);
    log.str(" frames, ");
    log.fixed((<u64>frames * 1000000) / rate, 3);
    log.str(" s, underruns ");
    log.dec(player.underruns() - gapsBefore);
    log.end();
  }
  player.finish();
  const werr = plainRam ? 0 : pwm.status() & pwm.STA_WERR1;
  clock.stopPwmClock();
  log.flush();

  const elapsed = micros64() - t0;
  log.begin("I", "summary");
  log.str("tracks=");
  log.dec(count);
  log.str(" frames=");
  log.dec(player.framesPlayed());
  log.str(" ramp_frames=");
  log.dec(player.rampFramesPlayed());
  log.str(" underruns=");
  log.dec(player.underruns());
  log.str(" fifo_empty=");
  log.dec(player.fifoEmptyEvents());
  log.str(" fifo_overflow=");
  log.dec(werr ? 1 : 0);
  log.str(" log_dropped=");
  log.dec(log.droppedBytes());
  log.str(" elapsed=");
  log.fixed(elapsed / 1000, 3);
  log.str("s");
  log.end();
  stopWith(HALT_DONE);
}

/**
 * The selftest firmware (`piwave selftest`): a second entry point beside
 * main.ts. On a real board it measures what the simulator can only assume
 * (docs/hardware.md#unconfirmed-without-a-board) and prints it as one block
 * a user can paste into a bug report, then plays the card's announced test
 * sequence with the normal player (each part is a track whose name says
 * what to listen for), and ends with a one-line verdict.
 *
 * The block (every line `I selftest: key=value ...`):
 *   board, board revision (mailbox), ARM clock before and after raising it;
 *   the PWM clock measured against the system timer: words the FIFO takes
 *     over 200 ms of streaming at 0 % duty (silent), two words per period;
 *   the FIFO depth: words accepted with the channels off until FULL1;
 *   PACTL_CS and the DMA pacing rate: not measured by this build (PACTL_CS
 *     is outside the MMIO allow-list until the DMA work adds it);
 *   the music: its size and whether the player's checks (CRCs included)
 *     pass; the runtime serves it, so where it was found is the runtime's
 *     to say (today: linked into kernel8.img).
 * Under QEMU (the PWM is RAM) the PWM measurements are reported as not
 * measurable, and the verdict says so.
 */
import { bundle_size, halt, HALT_DONE, HALT_HARDWARE } from "./abi";
import * as bundle from "./audio/bundle";
import { BOARD_NAME, IS_PI4, PWM_CLOCK_DIVI, PWM_CLOCK_HZ, SOC_NAME } from "./board";
import * as armClock from "./drivers/arm-clock";
import * as clock from "./drivers/clock";
import * as mailbox from "./drivers/mailbox";
import * as pwm from "./drivers/pwm";
import { micros } from "./drivers/timer";
import * as uart from "./drivers/uart";
import * as log from "./lib/log";
import { frame_rate_millihz, play, pwm_range } from "./main";
import * as feed from "./audio/feed";
import "./runtime/abort";

const SELFTEST_VERSION: string = "1";
const MEASURE_US: u32 = 200000;
const FIFO_PROBE_MAX: u32 = 64;

function line(): void {
  log.begin("I", "selftest");
}

/** Words the FIFO accepts with both channels off, until FULL1 (FIFO_PROBE_MAX when it never fills). */
function fifoDepth(): u32 {
  pwm.init(pwm_range());
  let n: u32 = 0;
  while (n < FIFO_PROBE_MAX && (pwm.status() & pwm.STA_FULL1) == 0) {
    pwm.push(0);
    n++;
  }
  pwm.init(pwm_range()); // CLRF: empty it again
  return n;
}

/**
 * The PWM clock in Hz, from the words the FIFO takes while streaming 0 %
 * duty for MEASURE_US: each channel takes one word per period of `range`
 * clocks, so clock = words / 2 * range / seconds.
 */
function measurePwmClock(range: u32): u64 {
  pwm.init(range);
  while ((pwm.status() & pwm.STA_FULL1) == 0) pwm.push(0);
  pwm.start();
  let words: u64 = 0;
  const t0 = micros();
  while (micros() - t0 < MEASURE_US) {
    if ((pwm.status() & pwm.STA_FULL1) == 0) {
      pwm.push(0);
      words++;
    }
  }
  const elapsed = micros() - t0;
  pwm.stop();
  pwm.init(range);
  return (words * <u64>range * 1000000) / (2 * <u64>elapsed);
}

export function main(): void {
  uart.init();
  line();
  log.str("---- piwave selftest ");
  log.str(SELFTEST_VERSION);
  log.str(": paste from here into a bug report ----");
  log.end();
  line();
  log.str("board=");
  log.str(BOARD_NAME);
  log.str(" soc=");
  log.str(SOC_NAME);
  const rev = mailbox.query(mailbox.TAG_BOARD_REVISION, 0);
  log.str(" revision=");
  if (rev == 0) log.hex(mailbox.answer(0));
  else log.str("unknown (mailbox did not answer)");
  log.end();
  log.flush();

  armClock.raise();
  line();
  log.str("arm_clock_before=");
  log.dec(armClock.beforeHz);
  log.str(" arm_clock_after=");
  log.dec(armClock.afterHz);
  log.str(armClock.afterHz > armClock.beforeHz ? " (raised)" : armClock.beforeHz == 0 ? " (unknown: no mailbox answer)" : " (unchanged)");
  log.end();
  log.flush();

  let ok = true;
  let qemu = false;
  if (clock.startPwmClock(clock.CM_SRC_PLLD, PWM_CLOCK_DIVI) != clock.ClockStatus.Ok) {
    log.begin("E", "selftest");
    log.str("PWM clock generator stuck BUSY: no PWM measurement possible");
    log.end();
    log.drain();
    halt(HALT_HARDWARE);
    return;
  }
  const range = pwm_range();
  pwm.init(range);
  qemu = pwm.isPlainRam();
  line();
  if (qemu) {
    log.str("fifo_depth=not measurable pwm_clock=not measurable (the PWM registers are plain RAM: QEMU, no PWM model)");
  } else {
    const depth = fifoDepth();
    const hz = measurePwmClock(range);
    const ppm = (<i64>hz - <i64>PWM_CLOCK_HZ) * 1000000 / <i64>PWM_CLOCK_HZ;
    log.str("fifo_depth=");
    log.dec(depth);
    log.str(depth == FIFO_PROBE_MAX ? " (never FULL)" : " words");
    log.str(" pwm_clock_measured=");
    log.dec(hz);
    log.str(" Hz (expected ");
    log.dec(PWM_CLOCK_HZ);
    log.str(", ");
    if (ppm < 0) log.str("-");
    log.dec(<u64>(ppm < 0 ? -ppm : ppm));
    log.str(" ppm, over 200 ms)");
    if (depth < 8 || depth == FIFO_PROBE_MAX || ppm > 1000 || ppm < -1000) ok = false;
  }
  log.end();
  clock.stopPwmClock();
  line();
  log.str(IS_PI4 ? "pactl_cs=not read (outside this build's MMIO allow-list)" : "pactl_cs=n/a (BCM2837 has no DREQ mux)");
  log.str(" dma_pacing=not measured by this build");
  log.end();
  line();
  log.str("sample_rate=");
  log.fixed(frame_rate_millihz(), 3);
  log.str(" Hz range=");
  log.dec(range);
  log.end();
  // The music: the same checks the player makes (an `E bundle:` line above this one when they fail).
  const musicOk = bundle.open(frame_rate_millihz());
  line();
  log.str("music_bytes=");
  log.dec(bundle_size());
  log.str(" music=");
  log.str(musicOk ? "ok (every CRC holds)" : "refused (see the E bundle line)");
  log.end();
  line();
  log.str("---- end of the selftest block; now the test sequence, each part announced ----");
  log.end();
  log.drain(); // the player sets the UART up again, which empties its FIFO: let everything out first

  const code = play();
  if (code != HALT_DONE) {
    log.begin("E", "selftest");
    log.str("verdict: FAIL: the player stopped with halt code ");
    log.dec(code);
    log.end();
    log.drain();
    halt(code);
    return;
  }
  const underruns = feed.underruns;
  if (underruns != 0) ok = false;
  log.begin(ok ? "I" : "W", "selftest");
  log.str("verdict: ");
  if (qemu) log.str("INCOMPLETE: QEMU has no PWM, so FIFO depth, PWM clock and sound were not checked; ");
  else log.str(ok ? "PASS: " : "CHECK: ");
  log.dec(bundle.trackCount());
  log.str(" parts played, underruns ");
  log.dec(underruns);
  log.str(", ARM clock ");
  log.dec(armClock.afterHz / 1000000);
  log.str(" MHz");
  if (!ok && !qemu) log.str("; see the measurements above");
  log.end();
  log.drain();
  halt(HALT_DONE);
}

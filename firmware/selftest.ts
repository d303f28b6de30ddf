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
 *   PACTL_CS (Pi 4) as the boot firmware left it, read before anything
 *     else runs, with bit 23 decoded (DREQ 1 from DSI0 or PWM1; regs/pactl.ts);
 *     a Pi 3 has no such register;
 *   the DMA pacing rate: a two-block chain of silent words into the PWM FIFO
 *     through the runtime's DMA service (abi.ts dma_start), paced by the
 *     PWM's DREQ, set up exactly as the DMA feed does (pwm.enableDma, which
 *     sets PACTL_CS bit 23 on a Pi 4); the system timer times the second
 *     block, which the engine takes into an already full FIFO, so the rate is
 *     the PWM's consumption: two words per frame. No DREQ (DSI0's mux, or no
 *     DMAC) shows as 0 words/s, DSI0's pacing as a wrong rate;
 *   the music: the file the Pi firmware loaded (config.txt `initramfs`;
 *     the runtime's `I runtime: music at ...` line above gives the address,
 *     which the firmware cannot see), its size, and whether the player's
 *     checks (CRCs included) pass.
 * Under QEMU (the PWM is RAM, DMA ignores DREQ) the PWM and DMA
 * measurements are reported as not measurable, and the verdict says so.
 */
import { bundle_size, cache_clean, dma_position, dma_start, dma_stop, DMA_FAILED, DMA_IDLE, halt, HALT_DONE, HALT_HARDWARE } from "./abi";
import * as bundle from "./audio/bundle";
import { BOARD_NAME, IS_PI4, PWM_CLOCK_DIVI, PWM_CLOCK_HZ, SOC_NAME } from "./board";
import * as armClock from "./drivers/arm-clock";
import * as clock from "./drivers/clock";
import { CHANNEL as DMA_CHANNEL } from "./drivers/dma";
import * as mailbox from "./drivers/mailbox";
import * as pwm from "./drivers/pwm";
import { read32 } from "./drivers/mmio";
import { micros } from "./drivers/timer";
import * as uart from "./drivers/uart";
import * as log from "./lib/log";
import { PactlCs } from "../regs/pactl";
import { frame_rate_millihz, play, pwm_range } from "./main";
import * as feed from "./audio/feed";
import "./runtime/abort";

const SELFTEST_VERSION: string = "1";
const MEASURE_US: u32 = 200000;
const FIFO_PROBE_MAX: u32 = 64;
/** Words in each of the two blocks of the pacing measurement (32 KiB: ~90 ms at a Pi's frame rate). */
const PACING_WORDS: u32 = 8192;
/** How long the engine may take over a block before the measurement gives up (no DREQ). */
const PACING_TIMEOUT_US: u64 = 500000;
/** CHECK when the pacing is further than this from two words per frame (the FIFO's level at the
 *  block edges moves by at most 16 words of 8192, 0.2 %). */
const PACING_TOLERANCE_PPM: i64 = 10000;
/** The music file's name on the card (host/memory-map.ts MUSIC_FILE). */
const MUSIC_FILE: string = "music.pwb";

/** The pacing measurement's silent buffer (0 % duty, as the clock measurement streams) and block list. */
const pacingBuffer: usize = memory.data(<i32>(PACING_WORDS * 4), 32);
const pacingList: usize = memory.data(16, 8);

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

/** Why the last `measurePacing` found no rate: the engine stopped with CS.ERROR, or it did not move (no DREQ). */
let pacingFailed = false;
let pacingStalled = false;

/**
 * Words per second the DMA engine moves into the PWM FIFO, paced by the
 * PWM's DREQ, while the PWM streams at `range` (see the module doc). 0 when
 * the engine did not finish a block within PACING_TIMEOUT_US.
 */
function measurePacing(range: u32): u64 {
  pacingFailed = false;
  pacingStalled = false;
  memory.fill(pacingBuffer, 0, PACING_WORDS * 4);
  cache_clean(<u32>pacingBuffer, PACING_WORDS * 4);
  for (let i = 0; i < 2; i++) {
    store<u32>(pacingList + <usize>(i * 8), <u32>pacingBuffer, 0);
    store<u32>(pacingList + <usize>(i * 8), PACING_WORDS * 4, 4);
  }
  pwm.init(range);
  pwm.enableDma(7, 7); // the DMA feed's thresholds (audio/feed.ts); on a Pi 4 this sets PACTL_CS bit 23
  dma_start(DMA_CHANNEL, pwm.PWM_FIF1, <u32>pacingList, 2, 0);
  pwm.start();
  let rate: u64 = 0;
  const t0 = micros();
  let p = dma_position(DMA_CHANNEL);
  while (p == 0 && micros() - t0 < PACING_TIMEOUT_US) p = dma_position(DMA_CHANNEL);
  if (p == 1) {
    // Block 0 filled the FIFO; time block 1 word for word.
    const t1 = micros();
    while (p == 1 && micros() - t1 < PACING_TIMEOUT_US) p = dma_position(DMA_CHANNEL);
    const elapsed = micros() - t1;
    if (p == DMA_IDLE && elapsed > 0) rate = (<u64>PACING_WORDS * 1000000) / elapsed;
  }
  if (p == DMA_FAILED) pacingFailed = true;
  else if (rate == 0) pacingStalled = true;
  dma_stop(DMA_CHANNEL);
  pwm.disableDma();
  pwm.stop();
  pwm.init(range);
  return rate;
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
  line();
  if (IS_PI4) {
    // As the boot firmware left it: nothing of ours has written it yet.
    const pactl = read32(pwm.PACTL_CS);
    log.str("pactl_cs=");
    log.hex(pactl);
    log.str((pactl & PactlCs.DREQ1_PWM1) != 0 ? " dreq1=PWM1 (bit 23 set by the boot firmware)" : " dreq1=DSI0 (bit 23 clear as the boot firmware left it; the firmware sets it before enabling DMA)");
  } else {
    log.str("pactl_cs=none (the BCM2837 has no PACTL_CS: its PWM has DREQ 5 to itself)");
  }
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
  line();
  if (qemu) {
    log.str("dma_pacing=not measurable (QEMU's DMA ignores DREQ and there is no PWM to pace it)");
  } else {
    const wps = measurePacing(range);
    // Expected: two words (right, left) per frame.
    const expectedMilli = 2 * <u64>frame_rate_millihz();
    const ppm = ((<i64>wps * 1000 - <i64>expectedMilli) * 1000000) / <i64>expectedMilli;
    log.str("dma_pacing=");
    log.dec(wps);
    log.str(" words/s (expected ");
    log.fixed(expectedMilli, 3);
    log.str(", two per frame; ");
    if (pacingFailed) log.str("the engine stopped with an error");
    else if (pacingStalled) log.str("no DREQ reached the engine: it did not move");
    else {
      if (ppm < 0) log.str("-");
      log.dec(<u64>(ppm < 0 ? -ppm : ppm));
      log.str(" ppm");
    }
    log.str(", ");
    log.dec(PACING_WORDS);
    log.str(" words on channel ");
    log.dec(DMA_CHANNEL);
    log.str(")");
    if (IS_PI4) {
      log.str(" pactl_cs_after=");
      log.hex(read32(pwm.PACTL_CS));
    }
    if (pacingFailed || pacingStalled || ppm > PACING_TOLERANCE_PPM || ppm < -PACING_TOLERANCE_PPM) ok = false;
  }
  log.end();
  clock.stopPwmClock();
  line();
  log.str("sample_rate=");
  log.fixed(frame_rate_millihz(), 3);
  log.str(" Hz range=");
  log.dec(range);
  log.end();
  // The music: the same checks the player makes (an `E bundle:` line above this one when they fail).
  // Flush first, so the runtime's `I runtime: music at ...` line (printed at the first bundle call)
  // comes out right above ours, not in the middle of the block.
  log.flush();
  const musicOk = bundle.open(frame_rate_millihz());
  line();
  log.str("music=");
  log.str(MUSIC_FILE);
  // The runtime serves the file where the memory map puts it; who put it there:
  // on a card the Pi firmware (config.txt initramfs), under QEMU its -device loader.
  log.str(qemu ? " loaded by QEMU (-device loader)" : " loaded by the Pi firmware (config.txt initramfs)");
  log.str(", ");
  log.dec(bundle_size());
  log.str(" bytes, ");
  log.str(musicOk ? "CRCs ok" : "refused (see the E bundle line)");
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
  if (qemu) log.str("INCOMPLETE: QEMU has no PWM, so FIFO depth, PWM clock, DMA pacing and sound were not checked; ");
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

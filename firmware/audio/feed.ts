/**
 * Getting the PWM words to the PWM, three ways:
 *   poll  — the CPU writes FIF1 whenever STA.FULL1 is clear (FEED 0);
 *   dma   — a DMA channel reads a ring of two buffers (FEED 1) through the
 *           runtime's DMA service: the CPU refills the buffer the engine has
 *           just left, so a CPU stall shorter than one buffer (~23 ms)
 *           costs nothing;
 *   timer — where the PWM is plain RAM (QEMU raspi3b, no PWM model, and a
 *           DMA model that ignores DREQ and hangs on circular CB rings,
 *           docs/hardware.md#qemu-raspi3b), frames are paced by the system timer.
 * All three count what went wrong: GAPO (the PWM found the FIFO empty: an
 * audible gap), EMPT (the FIFO ran dry: a near miss), late DMA refills.
 */
import { cache_clean, DMA_FAILED } from "../abi";
import { OSR } from "../config";
import * as dma from "../drivers/dma";
import * as pwm from "../drivers/pwm";
import { micros, micros64 } from "../drivers/timer";
import * as log from "../lib/log";
import * as producer from "./producer";

/** UART bytes moved per pump while audio streams (2 register accesses each). */
export const PUMP_BYTES: u32 = 4;
/** A FIFO (or DMA ring) that does not move for this long means the clock is dead. */
const STUCK_TIMEOUT_US: u32 = 100000;

export let underruns: u32 = 0;
export let emptyEvents: u32 = 0;
export let lateRefills: u32 = 0;
let tick: u32 = 0;

/** Called between frames: keep the log moving, report track events. */
type Housekeeping = () => void;
let housekeeping: Housekeeping = () => {};
export function setHousekeeping(h: Housekeeping): void {
  housekeeping = h;
}

function stuck(what: string, sta: u32): void {
  log.begin("E", "pwm");
  log.str(what);
  log.str(" (STA ");
  log.hex(sta);
  log.str("): the PWM clock is not running");
  log.end();
}

// ---- poll ---------------------------------------------------------------

let streaming = false;

function waitSlot(): bool {
  let spins: u32 = 0;
  let start: u32 = 0;
  while (true) {
    const sta = pwm.status();
    if (streaming) {
      if (sta & pwm.STA_GAPS) {
        underruns++;
        pwm.clearStatus(sta & pwm.STA_GAPS);
      }
      if (sta & pwm.STA_EMPT1) emptyEvents++;
    }
    if (!(sta & pwm.STA_FULL1)) return true;
    log.pump(PUMP_BYTES);
    spins++;
    if (spins == 64) start = micros();
    else if (spins > 64 && (spins & 1023) == 0 && micros() - start >= STUCK_TIMEOUT_US) {
      stuck("FIFO stuck full for 100 ms", sta);
      return false;
    }
  }
}

/** FIFO polling: pre-fill, enable, then a frame at a time. */
export function runPoll(): bool {
  streaming = false;
  // Pre-fill with the first frames (the ramp starts at 0), then enable.
  for (let i: u32 = 0; i < pwm.FIFO_WORDS / 2; i++) {
    producer.produce();
    pwm.push(producer.outRight);
    pwm.push(producer.outLeft);
  }
  pwm.start();
  streaming = true;
  while (producer.produce()) {
    if ((++tick & 63) == 0) housekeeping();
    if (!waitSlot()) return false;
    pwm.push(producer.outRight);
    if (!waitSlot()) return false;
    pwm.push(producer.outLeft);
  }
  // Let the FIFO drain, then stop.
  const start = micros();
  while (!(pwm.status() & pwm.STA_EMPT1)) {
    log.pump(PUMP_BYTES);
    if (micros() - start >= STUCK_TIMEOUT_US) break;
  }
  streaming = false;
  pwm.stop();
  return true;
}

// ---- timer (no PWM hardware) ---------------------------------------------

export function runTimer(frameRateMilliHz: u32): bool {
  const rate = <u64>frameRateMilliHz * OSR;
  const t0 = micros64();
  let frames: u64 = 0;
  pwm.start();
  while (producer.produce()) {
    if ((++tick & 63) == 0) housekeeping();
    const due = t0 + (frames * 1000000000) / rate;
    while (micros64() < due) log.pump(PUMP_BYTES);
    pwm.push(producer.outRight);
    pwm.push(producer.outLeft);
    frames++;
  }
  pwm.stop();
  return true;
}

// ---- dma ------------------------------------------------------------------

/** PWM frames per DMA buffer: ~23 ms (1024 audio frames), like Circle's default chunk. */
export const DMA_BUFFER_FRAMES: u32 = 1024 * OSR;
const BUFFER_BYTES: u32 = DMA_BUFFER_FRAMES * 8;
const buffers: usize = memory.data(<i32>(2 * BUFFER_BYTES), 32);

/** Fill buffer `i` with the next frames; pads with 0 (idle) after the end. Returns false once the stream has ended. */
function fill(i: u32): bool {
  const start = buffers + <usize>(i * BUFFER_BYTES);
  let more = true;
  // 256 frames at a time (producer.produceInto: no call per frame), housekeeping between.
  for (let f: u32 = 0; f < DMA_BUFFER_FRAMES; f += 256) {
    const p = start + <usize>(f * 8);
    const n = more ? producer.produceInto(p, 256) : 0;
    if (n < 256) {
      more = false;
      memory.fill(p + <usize>(n * 8), 0, <usize>((256 - n) * 8));
    }
    housekeeping();
  }
  cache_clean(<u32>start, BUFFER_BYTES);
  return more;
}

/** Wait (at most 100 ms) until the engine works on a buffer other than `buffer`; returns the new one. */
function waitLeave(buffer: u32): u32 {
  const start = micros();
  while (true) {
    const now = dma.position();
    if (now != buffer) {
      if (!dma.running(now)) {
        log.begin("E", "dma");
        log.str(now == DMA_FAILED ? "the DMA engine reported an error" : "the DMA channel stopped by itself");
        log.end();
        return buffer;
      }
      return now;
    }
    log.pump(PUMP_BYTES);
    if (micros() - start >= STUCK_TIMEOUT_US) {
      stuck("DMA did not move for 100 ms", pwm.status());
      return buffer;
    }
  }
}

export function runDma(): bool {
  const more0 = fill(0);
  const more1 = fill(1); // all 0 (idle) when the music ended inside buffer 0

  // DREQ when the FIFO is down to 7 words, PANIC at 7 (Circle's values, docs/hardware.md#pwm).
  pwm.enableDma(7, 7);
  dma.startRing(buffers, buffers + BUFFER_BYTES, BUFFER_BYTES);
  pwm.start();

  let playing: u32 = 0;
  let lastSwitch = micros();
  const bufferUs = <u32>((<u64>DMA_BUFFER_FRAMES * 1000000) / <u64>(44100 * OSR));
  // Each time the engine leaves a buffer, refill that one. Once the music has
  // ended, `pendingTail` counts the buffer switches still to wait for.
  let pendingTail: i32 = !more0 ? 0 : !more1 ? 1 : -1;
  while (true) {
    const next = waitLeave(playing);
    if (next == playing) return false; // stuck
    const now = micros();
    if (now - lastSwitch > bufferUs + bufferUs / 2) lateRefills++;
    lastSwitch = now;
    const sta = pwm.status();
    if (sta & pwm.STA_GAPS) {
      underruns++;
      pwm.clearStatus(sta & pwm.STA_GAPS);
    }
    const free: u32 = playing;
    playing = next;
    if (pendingTail >= 0) {
      if (pendingTail == 0) break;
      pendingTail--;
      fill(free); // silence (0) after the ramp down
      continue;
    }
    if (!fill(free)) pendingTail = 1;
  }
  dma.stop();
  pwm.disableDma();
  pwm.stop();
  return true;
}

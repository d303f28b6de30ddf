/**
 * piwave's firmware library: the public AssemblyScript API for writing your
 * own bare-metal audio firmware for the Raspberry Pi 4 (and 3, and QEMU
 * raspi3b). Import it from the installed package:
 *
 *     import { AudioOutput, FrameSource, log, uart, timer, board } from "piwave/firmware";
 *
 * (asc resolves "piwave/firmware" to node_modules/piwave/firmware/index.ts.)
 * Build with piwave's settings (`piwave build --entry src/main.ts`, or an
 * asconfig.json that extends piwave's base configuration): `--runtime stub`,
 * `--use BOARD=4|3`, the abort handler below, `maximumMemory` 256. A firmware
 * exports `main()`, which the runtime or the simulator calls once; it ends
 * with `halt(code)`.
 *
 * What is here:
 *   audio      `AudioOutput` plays any `FrameSource` on the jack (ramps, plain
 *              or shaped quality, poll/DMA/timer pacing, underrun counters,
 *              the summary line); `BundleSource` plays the asset bundle's
 *              tracks; `Quality`, `Feed`, `QUALITY`, `FEED`, `OSR`;
 *              `PlainCorrection` (plain mode's pulse-position correction).
 *   log        the UART log: `log.begin("I", "topic")`, `log.str`, `log.dec`,
 *              `log.hex`, `log.fixed`, `log.end()`; never blocks the audio.
 *   uart       the PL011 both ways: `uart.readByte()`, `uart.poll()`,
 *              `uart.readLine()` and the line readers; `uart.init()` (done
 *              once, before logging).
 *   timer      the 1 MHz system timer: `micros()`, `micros64()`, `delayUs()`.
 *   board      the board's facts: `BOARD_ID`, `IS_PI4`, `PERIPHERAL_BASE`,
 *              jack and UART pins, clocks.
 *   Pin, ClockGenerator, DmaChannel
 *              drivers made with their parameters (a pin number and mode, a
 *              clock, a DMA channel), the way Circle's are.
 *   DmaBlock   a typed `@unmanaged` memory layout (the DMA service's block
 *              list), its size checked when compiling.
 *   cpu        `cpu.raise()`: the ARM clock to its maximum through the mailbox.
 *   halt, HALT_*   stopping for good, with piwave's codes (a firmware's own
 *              codes should be 8 and up).
 *   mmio       `read32`/`write32` for registers the sandbox admits.
 */
import "./runtime/abort"; // the handler asc routes `abort` to (`--use abort=…/firmware/runtime/abort/onAbort`)

import * as board from "./board";
import * as cpu from "./drivers/arm-clock";
import * as mmio from "./drivers/mmio";
import * as timer from "./drivers/timer";
import * as log from "./lib/log";
import * as uart from "./lib/serial";
import * as bundle from "./audio/bundle";

export { board, cpu, mmio, timer, log, uart, bundle };

export { halt, HALT_ABORT, HALT_BAD_BUNDLE, HALT_BAD_MMIO, HALT_DONE, HALT_HARDWARE } from "./abi";
export { FrameSource } from "./audio/frame-source";
export { AudioOutput, Feed, FEED, frameRateMilliHz, OSR, PlainCorrection, pwmRange, Quality, QUALITY, SHAPER_HEADROOM, SHAPER_MARGIN } from "./audio/output";
export { BundleSource, EVENT_END, EVENT_NONE, EVENT_START } from "./audio/bundle-source";
export { Pin, PinMode, Pull } from "./hal/pin";
export { Clock, ClockGenerator, ClockSource } from "./hal/clock";
export { DmaBlock, DmaChannel } from "./hal/dma";

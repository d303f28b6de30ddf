/**
 * `piwave/testing`: test a firmware on the simulated board.
 *
 *   import { runFirmware, writeSequence, assertRun } from "piwave/testing";
 *   const run = await runFirmware({ entry: "src/main.ts", ms: 50 });
 *
 * `runFirmware` (./run.ts) runs it with timed inputs and returns the halt
 * code, the UART lines, the trace as typed events (./trace-events.ts), the
 * violations and the jack; ./audio.ts measures tones and clicks; ./checks.ts
 * has the checks, which `piwave/testing/vitest` turns into matchers.
 * docs/testing.md is the reference.
 */
export { runFirmware } from "./run.js";
export type { Faults, FirmwareRun, FirmwareRunOptions, GpioInput, RunEnd, StallInput, UartInput } from "./run.js";
export { jackCapture } from "./jack.js";
export type { JackCapture, JackRecording } from "./jack.js";
export { inferOversampling, toAudioBand } from "./audio-band.js";
export type { Variant } from "../firmware.js";
export { fieldsMatch, parseFields } from "./trace-events.js";
export type { FieldValue, TraceEvent } from "./trace-events.js";
export { clickCheck, measureTone } from "./audio.js";
export type { Channel, ClickOptions, ClickReport, ToneMeasurement, Window } from "./audio.js";
export { assertRun, clickFree, noGaps, noViolations, tone, writeSequence } from "./checks.js";
export type { CheckResult, ToneExpectation, WriteStep } from "./checks.js";
export { FirmwareModuleError, checkFirmwareModule, moduleImports } from "../firmware-module.js";
export type { Violation } from "../sim/device.js";
export type { Track } from "../bundle.js";
export { encodeBundle } from "../bundle.js";
export { HALT_CODES, ABI_IMPORTS } from "../sim/abi.js";

/**
 * The name of each `halt` code (regs/halt.ts), as the runtime's report line
 * prints it: `I runtime: halted with code 4 (refused by the sandbox)`.
 * Host only (tsc): the simulator, the log parser, piwave/testing and the
 * generated boot/regs.h read it.
 */
import { Halt } from "./halt.js";

export const HALT_NAMES: Readonly<Record<number, string>> = {
  [Halt.DONE]: "done",
  [Halt.BAD_BUNDLE]: "bad asset bundle",
  [Halt.HARDWARE]: "hardware did not respond",
  [Halt.ABORT]: "firmware abort",
  [Halt.REFUSED]: "refused by the sandbox",
  [Halt.WASM_TRAP]: "wasm trap",
  [Halt.CPU_EXCEPTION]: "CPU exception",
  [Halt.RUNTIME]: "runtime failure",
};

/**
 * The `halt` codes: why the firmware stopped for good. One table for every
 * side: the firmware passes 0–3 to the ABI's `halt` (firmware/abi.ts), the
 * hosts add 4–7 for what they stop it for (the simulator, host/sim/machine.ts;
 * the bare-metal runtime, boot/runtime.h through the generated boot/regs.h),
 * and the runtime's report line `I runtime: halted with code N (<name>)`
 * names it with HALT_NAMES (regs/halt-names.ts), which host/log-line.ts and
 * piwave/testing read back.
 */
export const enum Halt {
  /** Played everything, summary printed. */
  DONE = 0,
  /** Asset bundle missing or malformed. */
  BAD_BUNDLE = 1,
  /** A peripheral did not respond (e.g. the clock's BUSY stuck). */
  HARDWARE = 2,
  /** AssemblyScript abort (assertion, bounds, out of memory). */
  ABORT = 3,
  /** The sandbox refused an access or a request (MMIO, a range, a DMA request). Hosts only. */
  REFUSED = 4,
  /** The firmware trapped (out of bounds, unreachable, call stack exhausted). Hosts only. */
  WASM_TRAP = 5,
  /** A CPU exception (data abort, ...). The bare-metal runtime only. */
  CPU_EXCEPTION = 6,
  /** The runtime itself failed (out of memory, an assertion). The bare-metal runtime only. */
  RUNTIME = 7,
  /** How many codes have a name. */
  COUNT = 8,
}

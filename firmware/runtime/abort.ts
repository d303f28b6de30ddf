/**
 * AssemblyScript's `abort` (a thrown Error, array index out of range,
 * allocation failure, a failed `assert` when asserts are compiled in) routed
 * to the firmware itself with `--use abort=firmware/runtime/abort/onAbort`:
 * the reason goes to the UART as an `F abort:` line and the firmware halts
 * with code 3. No JS shim is imported, so the line is the same on the
 * simulator and on the Pi (the handler is part of the firmware's wasm).
 *
 * Where the compiler knows the place (a `throw`, a stdlib check) the line
 * ends with it: `F abort: deliberate failure at src/main.ts:11:3`. A direct
 * `abort("what went wrong")` has no place, and the line is only the message.
 *
 * The firmware library's own argument checks (a pin past 57, a DMA channel
 * the runtime does not admit) name the call and the value that was refused
 * before they throw, with `refuse()`, so the line says what the caller did:
 * `F abort: new Pin(60): GPIO pin out of range (0-57) at
 * ~lib/piwave/firmware/hal/pin.ts:51:20`. Nothing is allocated for it: a
 * failed check costs a few instructions and one static string per check.
 */
import { halt, HALT_ABORT } from "../abi";
import * as log from "../lib/log";

/** The call refused by the library's check about to throw, and the value it refused (see `refuse`). */
let refusedCall: string | null = null;
let refusedValue: u32 = 0;

/**
 * A library check failed: `call` (`"new Pin"`) was given `value`. The
 * next abort's line starts with `call(value): `. Throw right after it.
 */
export function refuse(call: string, value: u32): void {
  refusedCall = call;
  refusedValue = value;
}

export function onAbort(message: string | null = null, fileName: string | null = null, line: u32 = 0, column: u32 = 0): void {
  log.begin("F", "abort"); // ends a line the abort interrupted first
  const call = refusedCall;
  if (call !== null) {
    refusedCall = null;
    log.str(call);
    log.byte(0x28); // (
    log.dec(refusedValue);
    log.str("): ");
  }
  log.str(message !== null ? message : "(no message)");
  if (fileName !== null) {
    log.str(" at ");
    log.str(fileName);
    log.byte(0x3a);
    log.dec(line);
    log.byte(0x3a);
    log.dec(column);
  }
  log.end();
  log.drain();
  halt(HALT_ABORT);
  unreachable();
}

/**
 * AssemblyScript's `abort` (failed assertion, array index out of range,
 * allocation failure) routed to the firmware itself with
 * `--use abort=firmware/runtime/abort/onAbort`: the reason goes to the UART
 * as an `F abort:` line and the firmware halts. No JS shim is imported.
 * A firmware may call `abort("what went wrong")` itself (the other
 * arguments default: the line then says `at (unknown):0:0`).
 */
import { halt, HALT_ABORT } from "../abi";
import * as log from "../lib/log";

export function onAbort(message: string | null = null, fileName: string | null = null, line: u32 = 0, column: u32 = 0): void {
  log.begin("F", "abort"); // ends a line the abort interrupted first
  log.str(message !== null ? message : "(no message)");
  log.str(" at ");
  log.str(fileName !== null ? fileName : "(unknown)");
  log.byte(0x3a);
  log.dec(line);
  log.byte(0x3a);
  log.dec(column);
  log.end();
  log.drain();
  halt(HALT_ABORT);
  unreachable();
}

/**
 * "What piwave is doing now", for steps a user waits on (compiling the
 * firmware, compiling the runtime, starting QEMU, measuring). Library modules
 * call `status(...)`; the command line shows it on stderr (host/cli.ts sets
 * the sink), a library user gets nothing unless it sets one.
 */
export type StatusSink = (message: string) => void;

let sink: StatusSink | undefined;

/** Where status messages go (undefined: nowhere). */
export function setStatusSink(s: StatusSink | undefined): void {
  sink = s;
}

/** Say what is starting, e.g. `status("compiling the firmware for pi4 (AssemblyScript)")`. */
export function status(message: string): void {
  sink?.(message);
}

/**
 * Interrupts and clean-up, once for the whole process.
 *
 * The first SIGINT, SIGTERM or SIGHUP aborts one process-wide AbortSignal:
 * long work (conversions, child processes, simulations) listens to it and
 * stops. Clean-up functions registered with {@link onCleanup} run exactly
 * once: when the process exits (normally or through `process.exit`), or when
 * the work has not wound down within a grace period after the interrupt.
 * Further signals while that happens are absorbed, so a double Ctrl-C, or
 * `timeout(1)` signalling the whole process group, can never kill node half way
 * through its clean-up and leave temporary files or child processes behind.
 *
 * Clean-up functions are synchronous on purpose: they must also run from the
 * process's 'exit' event, where nothing asynchronous completes.
 */

/** Thrown (as the abort reason) when the user interrupted piwave. */
export class InterruptedError extends Error {
  override readonly name = "InterruptedError";
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
/** How long work may take to wind down after an interrupt before piwave exits anyway. */
const GRACE_MS = 3000;

let controller: AbortController | undefined;
let received: NodeJS.Signals | undefined;
const cleanups = new Set<() => void>();

/** The conventional exit status of a process ended by `signal` (128 + its number). */
export function exitCodeFor(signal: NodeJS.Signals): number {
  switch (signal) {
    case "SIGHUP":
      return 129;
    case "SIGINT":
      return 130;
    case "SIGTERM":
      return 143;
    default:
      return 1;
  }
}

/** The signal that interrupted this process, if one did. */
export function interruptedBy(): NodeJS.Signals | undefined {
  return received;
}

/** Run every registered clean-up now, each at most once; errors are reported, not thrown. */
export function runCleanups(): void {
  const fns = [...cleanups];
  cleanups.clear();
  for (const fn of fns) {
    try {
      fn();
    } catch (e) {
      process.stderr.write(`piwave: clean-up failed: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (received) return; // already winding down: absorb repeats
  received = signal;
  controller?.abort(new InterruptedError(signal));
  const t = setTimeout(() => {
    runCleanups();
    process.exit(exitCodeFor(signal));
  }, GRACE_MS);
  t.unref();
}

function install(): AbortController {
  if (!controller) {
    controller = new AbortController();
    for (const s of SIGNALS) process.on(s, onSignal);
    process.once("exit", runCleanups);
  }
  return controller;
}

/**
 * The process-wide signal that aborts on the first SIGINT/SIGTERM/SIGHUP.
 * Calling it installs piwave's signal handlers (once); from then on those
 * signals no longer kill node directly: the command returns
 * {@link exitCodeFor}(signal) once its work has stopped.
 */
export function interruptSignal(): AbortSignal {
  return install().signal;
}

/**
 * Register a synchronous clean-up (remove a temporary directory, kill a
 * process group). It runs exactly once, at exit or after an interrupt's grace
 * period, unless the returned function unregisters it first.
 */
export function onCleanup(fn: () => void): () => void {
  install();
  cleanups.add(fn);
  return () => {
    cleanups.delete(fn);
  };
}

/** Throw the interrupt if one arrived: call between steps of long work. */
export function throwIfInterrupted(): void {
  if (controller?.signal.aborted) throw controller.signal.reason;
}

/**
 * Child processes in their own process group, always reaped.
 *
 * Every tool piwave starts (clang, ld.lld, wasm2c, QEMU, ffprobe…) runs as the
 * leader of a new process group. A Ctrl-C at the terminal then reaches piwave
 * alone, and piwave decides: on its interrupt signal (or any AbortSignal given)
 * it sends SIGTERM to the whole group, SIGKILL after a short grace, and waits
 * for the exit. If piwave itself exits first, a clean-up kills the group, so no
 * grandchild outlives the command.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { onCleanup } from "./interrupt.js";

/** How long a group gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 1500;

/** Children started here that have not been reaped yet. */
const live = new Set<ChildProcess>();

/**
 * Wait until every child started here has exited and been reaped, for at most
 * `ms`. After an interrupt the command returns as soon as its own step fails;
 * its other children (a second compiler, say) were signalled with it and are
 * reaped here before piwave exits, so none outlives the command.
 */
export async function waitForChildren(ms = 3000): Promise<void> {
  const deadline = performance.now() + ms;
  while (live.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

export interface GroupOptions extends Omit<SpawnOptions, "detached" | "signal"> {
  /** Aborting it ends the whole process group. */
  signal?: AbortSignal;
}

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    /* the group is already gone */
  }
}

/**
 * Start `cmd` as the leader of its own process group. The group is ended when
 * `opts.signal` aborts or when piwave exits, whichever comes first.
 */
export function spawnGroup(cmd: string, args: readonly string[], opts: GroupOptions = {}): ChildProcess {
  const { signal, ...rest } = opts;
  const child = spawn(cmd, args, { ...rest, detached: true });
  live.add(child);
  const unregister = onCleanup(() => killGroup(child, "SIGKILL"));
  let grace: NodeJS.Timeout | undefined;
  const onAbort = () => {
    killGroup(child, "SIGTERM");
    grace = setTimeout(() => killGroup(child, "SIGKILL"), KILL_GRACE_MS);
    grace.unref();
  };
  if (signal) {
    if (signal.aborted) queueMicrotask(onAbort);
    else signal.addEventListener("abort", onAbort, { once: true });
  }
  child.once("close", () => {
    live.delete(child);
    unregister();
    if (grace) clearTimeout(grace);
    signal?.removeEventListener("abort", onAbort);
  });
  child.once("error", () => {
    live.delete(child);
    unregister();
  });
  return child;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Written to the child's standard input, which is then closed. */
  input?: string | Uint8Array;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Run `cmd` to completion in its own process group and collect its output.
 * Rejects with the abort reason when `opts.signal` aborts (after the group has
 * exited), and with the spawn error when the program cannot be started.
 */
export function runChild(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(opts.signal.reason);
      return;
    }
    const child = spawnGroup(cmd, args, {
      signal: opts.signal,
      env: opts.env,
      cwd: opts.cwd,
      stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    child.once("error", reject);
    child.once("close", (code, sig) => {
      if (opts.signal?.aborted) reject(opts.signal.reason);
      else resolve({ code, signal: sig, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    if (opts.input !== undefined && child.stdin) {
      child.stdin.on("error", () => {
        /* the child may exit without reading */
      });
      child.stdin.end(opts.input);
    }
  });
}

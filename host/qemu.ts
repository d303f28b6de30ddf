/**
 * Booting a kernel image under QEMU raspi3b (`qemu-system-aarch64 -M
 * raspi3b`, Debian's QEMU 7.2 has no raspi4b) with the PL011 on stdio
 * (both ways: `input` is fed to its RX line) or on a pty.
 *
 * Every run is under `timeout -s KILL` and a second, JS-side timer, and the
 * process is killed when the caller is done, so no QEMU is ever left behind.
 * The UART stream is split into firmware/runtime log lines and MMIO trace
 * records (boot/abi.c: `\x1e<R|W> <addr> <value>\n`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { status } from "./status.js";
import { memoryMap } from "./memory-map.js";
import { RunLog } from "./log-line.js";
import { requireTool } from "./tools.js";

export interface MmioRecord {
  write: boolean;
  addr: number;
  value: number;
}

export interface QemuOptions {
  image: string;
  /**
   * The music file, loaded at the memory map's music address as the GPU
   * firmware's `initramfs` line would (QEMU: -device loader). Without it the
   * runtime reports that no music is loaded.
   */
  music?: string;
  /** Hard wall-clock limit in seconds. */
  timeoutSec: number;
  /** Stop as soon as the firmware's summary (or an error) has been seen. */
  untilDone?: boolean;
  onLine?: (line: string) => void;
  /** Extra QEMU arguments (e.g. -d guest_errors -D file). */
  extraArgs?: string[];
  /**
   * Where the UART goes: "stdio" (default) is read here, line by line.
   * "pty": QEMU puts it on a pseudo-terminal for `piwave monitor --port` and
   * starts paused; `onPty` gets the path and a `start` that runs the Pi.
   */
  serial?: "stdio" | "pty";
  onPty?: (path: string, start: () => void) => void;
  /**
   * With serial "stdio": bytes for the UART's RX line (what the user types or
   * pipes into `piwave qemu`), written to QEMU's standard input, which
   * `-serial stdio` reads. They are held until the firmware's first line of
   * its own (not the runtime's `X runtime:` lines): a firmware sets its UART
   * up before it prints, and setting it up empties the receive FIFO
   * (firmware/drivers/uart.ts writes LCRH 0), so bytes that arrived earlier
   * would be lost. QEMU takes them from the pipe only as the FIFO has room.
   */
  input?: NodeJS.ReadableStream;
  /** Aborting it kills QEMU at once (Ctrl-C). */
  signal?: AbortSignal;
}

export interface QemuResult {
  lines: string[];
  trace: MmioRecord[];
  /** QEMU's exit status (the halt code with the semihosting build), or null when killed. */
  exitCode: number | null;
  timedOut: boolean;
  /** The `I summary:` line was seen (whole and well-formed: host/log-line.ts). */
  done: boolean;
  /** An `E`/`F` line was seen: the firmware or runtime reported an error or a trap. */
  failed: boolean;
  /** Halt code from the runtime's `I runtime: halted with code N (reason)` line (whole and well-formed). */
  haltCode: number | null;
  /** Wall ms from spawning QEMU to the first track starting. */
  msToFirstTrack: number | null;
  wallMs: number;
  pid: number | undefined;
}

/** Splits the UART byte stream into lines and trace records. */
export class UartSplitter {
  private line: number[] = [];
  private record: number[] | null = null;

  constructor(
    /** `complete` is false for a last line that never got its newline. */
    private readonly onLine: (line: string, complete: boolean) => void,
    private readonly onRecord: (r: MmioRecord) => void,
  ) {}

  push(chunk: Uint8Array): void {
    for (const b of chunk) {
      if (this.record) {
        if (b === 0x0a) {
          const m = Buffer.from(this.record).toString("latin1").match(/^([RW]) ([0-9a-f]{8}) ([0-9a-f]{8})$/);
          if (m) this.onRecord({ write: m[1] === "W", addr: parseInt(m[2]!, 16), value: parseInt(m[3]!, 16) });
          this.record = null;
        } else this.record.push(b);
      } else if (b === 0x1e) {
        this.record = [];
      } else if (b === 0x0a) {
        this.flushLine(true);
      } else if (b !== 0x0d) {
        this.line.push(b);
      }
    }
  }

  /** Emit what was received of the current line; `complete` only when its newline arrived. */
  flushLine(complete = false): void {
    const text = Buffer.from(this.line).toString("utf8");
    this.line = [];
    if (text.length > 0) this.onLine(text, complete);
  }
}

/** QEMU's stand-in for config.txt's `initramfs FILE ADDRESS`: raw bytes at the music address (raspi3b = the pi3 map). */
export function musicLoaderArgs(file: string): string[] {
  // QEMU's option syntax: a comma inside a value is written twice.
  return ["-device", `loader,file=${file.replace(/,/g, ",,")},addr=0x${memoryMap("pi3").musicBase.toString(16)},force-raw=on`];
}

export function runQemu(o: QemuOptions): Promise<QemuResult> {
  const qemu = requireTool("qemu");
  const timeout = requireTool("timeout");
  const pty = o.serial === "pty";
  const args = [
    "-s", "KILL", String(o.timeoutSec),
    // One TCG thread: the same wall time for this single-core guest at half the host CPU.
    // debug-threads names QEMU's threads ("ALL CPUs/TCG") for top -H and the tests.
    qemu, "-name", "piwave,debug-threads=on", "-M", "raspi3b", "-accel", "tcg,thread=single", "-kernel", o.image,
    // With a pty, QEMU starts paused (-S) and its monitor on stdin takes the `cont` that starts it.
    ...(pty ? ["-serial", "pty", "-monitor", "stdio", "-S"] : ["-serial", "stdio", "-monitor", "none"]),
    "-display", "none", "-semihosting", "-nodefaults",
    ...(o.music ? musicLoaderArgs(o.music) : []),
    ...(o.extraArgs ?? []),
  ];
  status("starting QEMU raspi3b (the firmware's first line comes after a few seconds)");
  const t0 = performance.now();
  const res: QemuResult = {
    lines: [], trace: [], exitCode: null, timedOut: false, done: false, failed: false, haltCode: null,
    msToFirstTrack: null, wallMs: 0, pid: undefined,
  };
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      // Standard input is QEMU's only for the pty's monitor or for `input`: never the terminal itself (QEMU runs
      // detached, in a process group of its own, where reading a terminal would stop it).
      child = spawn(timeout, args, { stdio: [pty || o.input ? "pipe" : "ignore", "pipe", "pipe"], detached: true });
    } catch (e) {
      reject(e);
      return;
    }
    res.pid = child.pid;
    let stderr = "";
    let finished = false;
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    };
    const guard = setTimeout(() => {
      res.timedOut = true;
      kill();
    }, (o.timeoutSec + 5) * 1000);
    const onExitSignal = () => kill();
    process.once("exit", onExitSignal);
    const log = new RunLog();
    if (o.signal?.aborted) kill();
    o.signal?.addEventListener("abort", kill, { once: true });
    let inputFlowing = false;
    const startInput = () => {
      if (inputFlowing || !o.input || pty) return;
      inputFlowing = true;
      o.input.pipe(child.stdin!);
    };
    if (o.input && !pty) {
      child.stdin!.on("error", () => {
        /* QEMU exited: what was not taken is dropped */
      });
    }
    const splitter = new UartSplitter(
      (line, complete) => {
        if (!/^[A-Z] runtime: /.test(line)) startInput();
        res.lines.push(line);
        const kind = log.push(line, complete);
        if (res.msToFirstTrack === null && log.firstTrackSeen) res.msToFirstTrack = performance.now() - t0;
        if (kind === "summary") res.done = true;
        if (kind === "error") res.failed = true;
        if (kind === "halt") {
          res.haltCode = log.halt!.code;
          // The semihosting build exits by itself; a Pi build waits in wfe: stop it.
          if (o.untilDone) setTimeout(kill, 2000).unref();
        }
        o.onLine?.(line);
      },
      (r) => res.trace.push(r),
    );
    // With a pty, QEMU names it on its monitor (stdout here) or, without one, on stderr.
    let ptySeen = false;
    let monitorOut = "";
    const findPty = (text: string) => {
      const m = pty && !ptySeen ? text.match(/char device redirected to (\S+)/) : null;
      if (!m) return;
      ptySeen = true;
      o.onPty?.(m[1]!, () => child.stdin!.write("cont\n"));
    };
    if (pty) {
      child.stdin!.on("error", () => {
        /* QEMU exited */
      });
      child.stdout!.on("data", (c: Buffer) => {
        if (ptySeen) return;
        monitorOut += c.toString();
        findPty(monitorOut);
      });
    } else child.stdout!.on("data", (c: Buffer) => splitter.push(c));
    child.stderr!.on("data", (c: Buffer) => {
      stderr += c.toString();
      findPty(stderr);
      if (ptySeen) stderr = stderr.replace(/.*char device redirected to .*\n?/, "");
    });
    child.on("error", (e) => {
      if (finished) return;
      finished = true;
      clearTimeout(guard);
      process.removeListener("exit", onExitSignal);
      o.signal?.removeEventListener("abort", kill);
      reject(e);
    });
    child.on("close", (code, signal) => {
      if (finished) return;
      finished = true;
      if (inputFlowing) o.input!.unpipe(child.stdin!);
      clearTimeout(guard);
      process.removeListener("exit", onExitSignal);
      o.signal?.removeEventListener("abort", kill);
      splitter.flushLine();
      res.wallMs = performance.now() - t0;
      // timeout(1) reports 137 when it had to KILL QEMU.
      if (code === 137 || signal === "SIGKILL") res.timedOut = res.timedOut || res.haltCode === null;
      res.exitCode = signal ? null : code;
      if (stderr.trim() && !res.lines.length) {
        reject(new Error(`qemu-system-aarch64 failed: ${stderr.trim()}`));
        return;
      }
      resolve(res);
    });
  });
}

/**
 * The serial console: reads a port, shows the firmware's log lines with
 * host time stamps and colours, keeps a byte-exact log, survives the cable
 * being pulled out and plugged back in, and (with untilDone) ends when the
 * firmware has finished or failed.
 *
 * Lines are assembled in linear time with over-long lines cut for display
 * (lines.ts). Control characters in a line are shown escaped (`\x1b`), so
 * whatever arrives on the wire cannot drive the terminal. The log file is
 * opened before the port, so a bad path is reported at once; if writing it
 * fails later (a full disk), the lines keep showing, one warning says so, and
 * the summary counts the bytes that did not reach the log.
 */
import { closeSync, existsSync, openSync, writeSync } from "node:fs";
import { SerialPort } from "serialport";
import { colorLogLine } from "../commands/common.js";
import { RunLog } from "../log-line.js";
import { explainWriteError } from "../fs-atomic.js";
import { DEFAULT_MAX_LINE, LineAssembler, type LineEvent } from "./lines.js";
import { type PortInfo, listPorts } from "./ports.js";

export type TimestampMode = "off" | "time" | "delta";

export interface MonitorOptions {
  path: string;
  baud: number;
  /** The adapter's USB serial number: after an unplug, the same adapter is looked for under any name. */
  serialNumber?: string;
  timestamps: TimestampMode;
  /** Append exactly the received bytes to this file. */
  log?: string;
  /** Pass bytes through untouched (hex dump with `hex`). */
  raw?: boolean;
  hex?: boolean;
  /** End when the firmware finishes (exit 0) or reports an error or trap (non-zero). */
  untilDone?: boolean;
  /** Wait for an unplugged adapter to come back (default true). */
  reconnect?: boolean;
  /** Wait for the port to appear instead of failing when it does not exist (yet). */
  wait?: boolean;
  /** Longest line shown whole (bytes); longer ones are cut with a marker. */
  maxLine?: number;
  write: (s: string) => void;
  note: (s: string) => void;
  listPorts?: () => Promise<PortInfo[]>;
}

export interface MonitorStats {
  lines: number;
  bytes: number;
  reconnects: number;
  /** `E`/`F` lines seen. */
  errors: number;
  underruns: number | null;
  haltCode: number | null;
  /** Lines longer than maxLine, shown cut. */
  cutLines: number;
  /** Received bytes that could not be written to the log (it failed mid-session). */
  unlogged: number;
}

export class OpenError extends Error {}
/** The log file cannot be opened for writing. */
export class LogError extends Error {}

/** A line as it is safe to show on a terminal: control characters (but tab) escaped as \xNN. */
export function printable(line: string): string {
  return line.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** What went wrong opening `path`, and what to do about it. */
export function explainOpenError(path: string, e: Error): string {
  const m = e.message;
  if (/Permission denied|EACCES/i.test(m)) {
    return `${path}: permission denied. Add yourself to the group that owns it (usually dialout): sudo usermod -aG dialout $USER, then log out and in again`;
  }
  if (/Cannot lock port|Resource temporarily unavailable|EBUSY|EAGAIN/i.test(m)) {
    return `${path}: port busy: another program has it open (screen, minicom, picocom, tio, ModemManager?); close it and try again`;
  }
  if (/No such file|ENOENT/i.test(m)) return `${path}: no such port (unplugged? \`piwave monitor --list\` shows the ports)`;
  return `${path}: cannot open: ${m}`;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

export class Monitor {
  readonly stats: MonitorStats = { lines: 0, bytes: 0, reconnects: 0, errors: 0, underruns: null, haltCode: null, cutLines: 0, unlogged: 0 };
  private port: SerialPort | undefined;
  private readonly lines: LineAssembler;
  private logFd: number | undefined;
  private logFailed = false;
  private lastLineAt = 0;
  private undecodable = 0;
  private decodedChars = 0;
  private baudHinted = false;
  private stopped = false;
  private done: ((code: number) => void) | undefined;
  private summarySeen = false;
  private readonly runLog = new RunLog();
  private failed = false;
  private finishTimer: NodeJS.Timeout | undefined;
  private readonly decoder = new TextDecoder("utf-8", { fatal: false });
  private path: string;

  constructor(private readonly o: MonitorOptions) {
    this.path = o.path;
    this.lines = new LineAssembler((e) => this.onLine(e), o.maxLine ?? DEFAULT_MAX_LINE);
  }

  /** Run until stopped (resolves 0) or, with untilDone, until the firmware ends. */
  async run(): Promise<number> {
    if (this.o.log) {
      try {
        this.logFd = openSync(this.o.log, "a");
      } catch (e) {
        throw new LogError(`--log: ${explainWriteError(e, this.o.log).message}`);
      }
    }
    const result = new Promise<number>((resolve) => (this.done = resolve));
    try {
      if (this.o.wait) await this.waitForPort();
      if (!this.stopped) await this.open(false);
    } catch (e) {
      this.closeLog();
      throw e;
    }
    return result;
  }

  /** With `wait`: until the port exists (by name, or the adapter by serial number). */
  private async waitForPort(): Promise<void> {
    let told = false;
    while (!this.stopped) {
      if (this.o.serialNumber) {
        const found = (await (this.o.listPorts ?? listPorts)()).find((p) => p.serialNumber === this.o.serialNumber);
        if (found) {
          this.path = found.path;
          return;
        }
      } else if (existsSync(this.path)) return;
      if (!told) {
        this.o.note(`waiting for ${this.path} to appear (plug the adapter in; Ctrl-C to stop)`);
        told = true;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private logBytes(chunk: Buffer): void {
    if (this.logFd === undefined) return;
    if (this.logFailed) {
      this.stats.unlogged += chunk.length;
      return;
    }
    let off = 0;
    try {
      while (off < chunk.length) off += writeSync(this.logFd, chunk, off, chunk.length - off);
    } catch (e) {
      this.logFailed = true;
      this.stats.unlogged += chunk.length - off;
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === "ENOSPC" || code === "EDQUOT" ? "the disk is full" : explainWriteError(e, this.o.log!).message;
      const logged = this.stats.bytes - this.stats.unlogged;
      this.o.note(`--log ${this.o.log}: ${why} after ${logged} bytes; the log stops there, lines keep showing (the summary counts the bytes not logged)`);
    }
  }

  private closeLog(): void {
    if (this.logFd === undefined) return;
    try {
      closeSync(this.logFd);
    } catch {
      /* already reported */
    }
    this.logFd = undefined;
  }

  private async open(reconnecting: boolean): Promise<void> {
    const port = new SerialPort({ path: this.path, baudRate: this.o.baud, dataBits: 8, parity: "none", stopBits: 1, autoOpen: false, lock: true });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(new OpenError(explainOpenError(this.path, err))) : resolve())));
    // Drop what arrived while nobody listened (a pty keeps it), so the log starts now.
    await new Promise<void>((resolve) => port.flush(() => resolve()));
    this.port = port;
    port.on("data", (chunk: Buffer) => this.onData(chunk));
    port.on("close", (err?: Error & { disconnected?: boolean }) => void this.onClose(err));
    port.on("error", (err: Error) => this.o.note(`serial error on ${this.path}: ${err.message}`));
    if (!reconnecting) this.o.note(`connected to ${this.path} at ${this.o.baud} 8N1${this.o.log ? `, logging to ${this.o.log}` : ""} (Ctrl-C to quit)`);
  }

  private onData(chunk: Buffer): void {
    this.stats.bytes += chunk.length;
    this.logBytes(chunk);
    if (this.o.raw) {
      if (this.o.hex) {
        for (let i = 0; i < chunk.length; i += 16) {
          const row = chunk.subarray(i, i + 16);
          this.o.write([...row].map((b) => b.toString(16).padStart(2, "0")).join(" ").padEnd(48) + " " + [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("") + "\n");
        }
      } else this.o.write(chunk.toString("latin1"));
    } else {
      this.lines.push(chunk);
    }
    this.checkDecodable(chunk);
  }

  private checkDecodable(chunk: Buffer): void {
    const text = this.decoder.decode(chunk, { stream: true });
    for (const ch of text) {
      this.decodedChars++;
      const c = ch.codePointAt(0)!;
      if (c === 0xfffd || (c < 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) || c === 0x7f) this.undecodable++;
    }
    if (!this.baudHinted && this.undecodable >= 64 && this.undecodable * 5 > this.decodedChars) {
      this.baudHinted = true;
      this.o.note(`${this.undecodable} of ${this.decodedChars} characters received are not text: is the baud rate right? piwave firmware talks 115200 8N1 (--baud)`);
    }
  }

  private stamp(): string {
    const now = Date.now();
    if (this.o.timestamps === "off") return "";
    if (this.o.timestamps === "delta") {
      const d = this.lastLineAt ? (now - this.lastLineAt) / 1000 : 0;
      this.lastLineAt = now;
      return `[+${d.toFixed(3)}s] `;
    }
    const t = new Date(now);
    return `[${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}.${pad(t.getMilliseconds(), 3)}] `;
  }

  private onLine({ text: line, cut, complete }: LineEvent): void {
    this.stats.lines++;
    this.stats.cutLines = this.lines.cutLines;
    const marker = cut ? ` … [line cut: longer than ${this.o.maxLine ?? DEFAULT_MAX_LINE} bytes${this.o.log ? "; all of it is in the log" : ""}]` : "";
    this.o.write(this.stamp() + colorLogLine(printable(line)) + marker + "\n");
    if (cut) return;
    // Summary and halt count only as whole, well-formed lines (host/log-line.ts).
    const kind = this.runLog.push(line, complete);
    if (kind === "error") {
      this.stats.errors++;
      this.failed = true;
    }
    if (kind === "summary") {
      this.summarySeen = true;
      this.stats.underruns = this.runLog.summary!.underruns;
    }
    if (kind === "halt") this.stats.haltCode = this.runLog.halt!.code;
    if (this.o.untilDone) this.maybeFinish(kind === "halt");
  }

  /**
   * With untilDone: the halt line ends it at once (also when the summary was
   * lost or merged into another line); a summary or an error ends it a moment later.
   */
  private maybeFinish(halted: boolean): void {
    if (!halted && !this.summarySeen && !this.failed) return;
    const code = () => (this.failed ? (this.stats.haltCode ? this.stats.haltCode : 1) : this.stats.haltCode ?? 0);
    if (halted) {
      void this.finish(code());
      return;
    }
    clearTimeout(this.finishTimer);
    this.finishTimer = setTimeout(() => void this.finish(code()), 1500);
  }

  private async onClose(err?: Error & { disconnected?: boolean }): Promise<void> {
    // Whatever was received of an unfinished line is shown, not lost (but never ends the run).
    this.lines.flush();
    this.port = undefined;
    if (this.stopped) return;
    if (!err?.disconnected || this.o.reconnect === false) {
      this.o.note(`${this.path} closed${err ? `: ${err.message}` : ""}`);
      void this.finish(this.o.untilDone ? 1 : 0);
      return;
    }
    const gone = Date.now();
    this.o.note(`disconnected from ${this.path}${this.o.serialNumber ? ` (serial ${this.o.serialNumber})` : ""}; waiting for it to come back (Ctrl-C to stop)`);
    while (!this.stopped) {
      await new Promise((r) => setTimeout(r, 250));
      if (this.stopped) return;
      let path = this.path;
      if (this.o.serialNumber) {
        const found = (await (this.o.listPorts ?? listPorts)()).find((p) => p.serialNumber === this.o.serialNumber);
        if (!found) continue;
        path = found.path;
      } else if (!existsSync(path)) continue;
      try {
        this.path = path;
        await this.open(true);
        this.stats.reconnects++;
        this.o.note(`reconnected to ${path} after ${((Date.now() - gone) / 1000).toFixed(1)} s`);
        return;
      } catch {
        /* not ready yet */
      }
    }
  }

  async finish(code: number): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.finishTimer);
    const port = this.port;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
    this.lines.flush();
    this.closeLog();
    this.done?.(code);
  }

  summary(): string {
    const s = this.stats;
    return (
      `monitor: ${s.lines} lines, ${s.bytes} bytes, ${s.reconnects} reconnect${s.reconnects === 1 ? "" : "s"}, ${s.errors} error${s.errors === 1 ? "" : "s"} seen` +
      (s.underruns !== null ? `, firmware underruns ${s.underruns}` : "") +
      (s.haltCode !== null ? `, halted with code ${s.haltCode}` : "") +
      (s.cutLines ? `, ${s.cutLines} over-long line${s.cutLines === 1 ? "" : "s"} cut for display` : "") +
      (s.unlogged ? `; ${s.unlogged} bytes received were not logged (the log failed)` : "")
    );
  }
}

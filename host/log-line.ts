/**
 * The firmware's and the runtime's UART log lines, parsed in one place for
 * every host tool (`piwave qemu`, `piwave monitor`, the benchmarks, the
 * tests).
 *
 * A line is `<level> <topic>: <text>` (firmware/lib/log.ts), level I, W, E
 * or F. Two lines end a run and are accepted only whole and well-formed —
 * a complete line (it ended with a newline), matching its format from the
 * first character to the last, with no control character in it:
 *   - the firmware's summary, exactly
 *     `I summary: tracks=N frames=N ramp_frames=N underruns=N fifo_empty=N
 *      late_refills=N fifo_overflow=N log_dropped=N elapsed=N.NNNs`
 *     (firmware/main.ts, one line);
 *   - the runtime's halt line, exactly
 *     `I runtime: halted with code N (reason)` (boot/main.c runtime_halt).
 * Anything else that merely contains or starts like them (a merged line, a
 * line cut off by a closed port, text inside a track name) is an ordinary
 * line. The firmware escapes control characters in what it prints
 * (firmware/lib/text.ts) and never merges lines (firmware/lib/log.ts), so
 * a whole well-formed line can only come from the firmware or the runtime.
 */

export type LogLevel = "I" | "W" | "E" | "F";

export interface LogLine {
  level: LogLevel;
  topic: string;
  text: string;
}

export interface Summary {
  tracks: number;
  frames: number;
  rampFrames: number;
  underruns: number;
  fifoEmpty: number;
  lateRefills: number;
  fifoOverflow: number;
  /** Whole log lines the firmware had to drop (its ring was full). */
  logDropped: number;
  elapsedSeconds: number;
}

export interface Halt {
  code: number;
  reason: string;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LINE = /^([IWEF]) ([a-z][a-z0-9_-]*): (.*)$/;
const SUMMARY =
  /^I summary: tracks=(\d+) frames=(\d+) ramp_frames=(\d+) underruns=(\d+) fifo_empty=(\d+) late_refills=(\d+) fifo_overflow=(\d+) log_dropped=(\d+) elapsed=(\d+\.\d{3})s$/;
const HALT = /^I runtime: halted with code (\d{1,10}) \(([A-Za-z][A-Za-z0-9 ]*)\)$/;
const TRACK_START = /^I track: (\d+)\/(\d+) start "/;

/** `<level> <topic>: <text>`, or null for anything else (runtime banners, noise, a wrong baud rate). */
export function parseLogLine(line: string): LogLine | null {
  if (CONTROL.test(line)) return null;
  const m = LINE.exec(line);
  return m ? { level: m[1] as LogLevel, topic: m[2]!, text: m[3]! } : null;
}

/** An error or a trap (`E`/`F` line) from the firmware or the runtime. */
export function isErrorLine(line: string): boolean {
  const l = parseLogLine(line);
  return l !== null && (l.level === "E" || l.level === "F");
}

/** The firmware's summary line, or null unless `line` is exactly one. */
export function parseSummary(line: string): Summary | null {
  if (CONTROL.test(line)) return null;
  const m = SUMMARY.exec(line);
  if (!m) return null;
  const n = (i: number) => Number(m[i]);
  return {
    tracks: n(1),
    frames: n(2),
    rampFrames: n(3),
    underruns: n(4),
    fifoEmpty: n(5),
    lateRefills: n(6),
    fifoOverflow: n(7),
    logDropped: n(8),
    elapsedSeconds: n(9),
  };
}

/** The runtime's halt line, or null unless `line` is exactly one. */
export function parseHalt(line: string): Halt | null {
  if (CONTROL.test(line)) return null;
  const m = HALT.exec(line);
  if (!m) return null;
  const code = Number(m[1]);
  return code <= 0xffffffff ? { code, reason: m[2]! } : null;
}

/** `I track: 1/N start "..."`: the first track began (the time-to-music figure). */
export function isFirstTrackStart(line: string): boolean {
  const m = TRACK_START.exec(line);
  return m !== null && m[1] === "1" && !CONTROL.test(line);
}

/**
 * What a run's log has said so far, fed one line at a time. `complete`
 * false marks a line that did not end with a newline (the stream closed in
 * the middle of it): it is kept as text but never ends the run.
 */
export class RunLog {
  summary: Summary | null = null;
  halt: Halt | null = null;
  /** `E`/`F` lines seen. */
  errors = 0;
  firstTrackSeen = false;

  /** Feed one line; returns what it was, for the caller's reaction. */
  push(line: string, complete = true): "summary" | "halt" | "error" | "line" {
    if (!complete) return "line";
    const s = parseSummary(line);
    if (s) {
      this.summary = s;
      return "summary";
    }
    const h = parseHalt(line);
    if (h) {
      this.halt = h;
      return "halt";
    }
    if (isErrorLine(line)) {
      this.errors++;
      return "error";
    }
    if (!this.firstTrackSeen && isFirstTrackStart(line)) this.firstTrackSeen = true;
    return "line";
  }

  /** The firmware reported an error or a trap. */
  get failed(): boolean {
    return this.errors > 0;
  }
}

/**
 * The checks a firmware test makes on a run, each with a message that says
 * what was expected and what happened instead:
 *
 *   writeSequence   the firmware wrote these registers, in this order, with
 *                   these fields (a subsequence of its writes; `adjacent`
 *                   forbids other writes to the named registers in between)
 *   noViolations    it broke no hardware rule
 *   tone            a channel carries a tone of this frequency (and level)
 *   clickFree       the output starts and stops without a click
 *   noGaps          the PWM never ran out of data
 *
 * Each returns `{ pass, message }`, the shape vitest's (and Jest's) custom
 * matchers return: host/testing/vitest.ts makes them matchers, and
 * `assertRun` throws an AssertionError for any other test runner.
 */
import { AssertionError } from "node:assert";
import { type Channel, type ClickOptions, type Window, clickCheck, measureTone } from "./audio.js";
import type { FirmwareRun } from "./run.js";
import { type FieldValue, type TraceEvent, fieldsMatch } from "./trace-events.js";

export interface CheckResult {
  pass: boolean;
  message: () => string;
}

/** One expected write: the register's name and, optionally, fields or the exact value. */
export interface WriteStep {
  register: string;
  /** Fields that must have these values; `false` = the flag is clear. */
  fields?: Readonly<Record<string, FieldValue>>;
  /** The exact value written (after `mask`, when given). */
  value?: number;
  mask?: number;
}

function describeStep(s: WriteStep): string {
  const parts = [s.register];
  if (s.fields) parts.push(Object.entries(s.fields).map(([k, v]) => (v === true ? k : v === false ? `!${k}` : `${k}=${v}`)).join(" "));
  if (s.value !== undefined) parts.push(`value ${s.mask !== undefined ? `& 0x${s.mask.toString(16)} ` : ""}== 0x${s.value.toString(16)}`);
  return parts.join(" ");
}

function describeEvent(e: TraceEvent): string {
  return `[${e.timeUs.toFixed(3)} us] ${e.register} <= 0x${e.value.toString(16).toUpperCase().padStart(8, "0")}${e.text ? "  " + e.text : ""}`;
}

function stepMatches(s: WriteStep, e: TraceEvent): boolean {
  if (e.register !== s.register) return false;
  if (s.fields && !fieldsMatch(e.fields, s.fields)) return false;
  if (s.value !== undefined && ((s.mask !== undefined ? e.value & s.mask : e.value) >>> 0) !== s.value >>> 0) return false;
  return true;
}

/** The firmware wrote `steps` in order (see the module comment). */
export function writeSequence(run: FirmwareRun, steps: readonly WriteStep[], o: { adjacent?: boolean } = {}): CheckResult {
  const named = new Set(steps.map((s) => s.register));
  const writes = run.writes().filter((e) => named.has(e.register));
  let k = 0;
  let lastMatch: TraceEvent | undefined;
  for (const e of writes) {
    if (k === steps.length) break;
    if (stepMatches(steps[k]!, e)) {
      lastMatch = e;
      k++;
    } else if (o.adjacent && k > 0) {
      return {
        pass: false,
        message: () => `expected the writes to ${[...named].join(", ")} to go on with ${describeStep(steps[k]!)} (step ${k + 1}), but the next one was\n  ${describeEvent(e)}`,
      };
    }
  }
  if (k === steps.length) {
    return { pass: true, message: () => `expected the firmware not to write ${steps.map(describeStep).join(", then ")}, but it did` };
  }
  const after = writes.filter((e) => e.register === steps[k]!.register && (!lastMatch || e.timePs > lastMatch.timePs)).slice(0, 5);
  return {
    pass: false,
    message: () =>
      `expected a write ${describeStep(steps[k]!)} (step ${k + 1} of ${steps.length})` +
      (lastMatch ? ` after\n  ${describeEvent(lastMatch)}` : "") +
      (after.length ? `\nthe writes to ${steps[k]!.register} there were:\n  ${after.map(describeEvent).join("\n  ")}` : `\nthere was no write to ${steps[k]!.register}${lastMatch ? " after it" : ""}`) +
      (run.traceDropped > 0 ? `\n(the trace stopped after its limit: ${run.traceDropped} accesses were not recorded; raise traceLimit)` : ""),
  };
}

/** The firmware broke no hardware rule. */
export function noViolations(run: FirmwareRun): CheckResult {
  const v = run.violations;
  return {
    pass: v.length === 0,
    message: () =>
      v.length === 0
        ? "expected the firmware to break a hardware rule, but it broke none"
        : `expected no hardware-rule violations, but the firmware broke ${v.length}:\n  ${v.slice(0, 10).map((x) => `[${(x.timePs / 1e6).toFixed(3)} us] ${x.device}: ${x.message}`).join("\n  ")}`,
  };
}

export interface ToneExpectation extends Window {
  /** The expected frequency in Hz. */
  hz: number;
  /** Allowed frequency error in Hz (default 1 % of hz). */
  hzWithin?: number;
  /** The expected RMS level in dBFS (AES17), when it matters. */
  dbfs?: number;
  /** Allowed level error in dB (default 1). */
  dbWithin?: number;
}

/** `channel` carries a tone of the expected frequency (and level). */
export function tone(run: FirmwareRun, channel: Channel, x: ToneExpectation): CheckResult {
  const m = measureTone(run.jack, channel, x);
  const hzWithin = x.hzWithin ?? x.hz / 100;
  const dbWithin = x.dbWithin ?? 1;
  const hzOk = Math.abs(m.frequencyHz - x.hz) <= hzWithin;
  const dbOk = x.dbfs === undefined || Math.abs(m.levelDbfs - x.dbfs) <= dbWithin;
  const rate = run.jack.audioRateHz || 1;
  const where = `audio frames ${m.from}..${m.to} (${((m.from / rate) * 1000).toFixed(1)}..${((m.to / rate) * 1000).toFixed(1)} ms)`;
  const found = Number.isNaN(m.frequencyHz) ? "no periodic signal" : `${m.frequencyHz.toFixed(2)} Hz at ${m.levelDbfs.toFixed(2)} dBFS`;
  const want = `${x.hz} Hz ± ${hzWithin}${x.dbfs !== undefined ? ` at ${x.dbfs} dBFS ± ${dbWithin} dB` : ""}`;
  return {
    pass: hzOk && dbOk,
    message: () =>
      hzOk && dbOk
        ? `expected the ${channel} channel not to carry ${want}, but it does (${found})`
        : `expected the ${channel} channel to carry ${want} in ${where}, found ${found}` +
          (run.ended === "time-limit" ? `\n(the firmware was still running at the run's bound of ${run.virtualMs.toFixed(1)} ms: did the tone play within it? piwave's player ramps for 11-19 s before the music unless built with a short rampMs)` : ""),
  };
}

/** The output starts and stops without a click, on both channels unless one is named. */
export function clickFree(run: FirmwareRun, o: ClickOptions & { channel?: Channel } = {}): CheckResult {
  const channels: Channel[] = o.channel ? [o.channel] : ["left", "right"];
  const problems = channels.flatMap((c) => clickCheck(run.jack, c, o).problems);
  return {
    pass: problems.length === 0,
    message: () => (problems.length === 0 ? "expected a click, but the output ramps cleanly" : `expected a click-free start and stop:\n  ${problems.join("\n  ")}`),
  };
}

/** The PWM never found its FIFO empty while it ran. */
export function noGaps(run: FirmwareRun): CheckResult {
  const g = run.jack.gaps;
  const rate = run.jack.rateHz || 1;
  const first = [...g.leftAt, ...g.rightAt].sort((a, b) => a - b)[0];
  return {
    pass: g.left === 0 && g.right === 0,
    message: () =>
      g.left === 0 && g.right === 0
        ? "expected gaps in the output, but there were none"
        : `expected no gaps, but the PWM ran out of data in ${g.left} left and ${g.right} right periods` +
          (first !== undefined ? `, the first at frame ${first} (${((first / rate) * 1000).toFixed(3)} ms)` : ""),
  };
}

/** Throw (node:assert's AssertionError) when a check failed: for test runners other than vitest. */
export function assertRun(result: CheckResult): void {
  if (result.pass) return;
  throw new AssertionError({ message: result.message() });
}

/**
 * Timed UART input from the command line (`piwave sim --uart SPEC`,
 * `--uart-file [TIME:]FILE`): what a user would type into the serial
 * console, at given moments of the simulation, as piwave/testing's
 * `UartInput` ({ atMs, data }: host/testing/run.ts), which the simulator
 * receives on the PL011's RX line at the firmware's baud rate.
 *
 * A SPEC is `[TIME:]TEXT`. TIME is a virtual time such as `0.5s`, `500ms`
 * or `2` (seconds). Without one, the input comes UNTIMED_GAP_MS after the
 * previous input (the first at UNTIMED_GAP_MS): the firmware's UART is off
 * at time 0, and bytes that arrive then are not received. TEXT takes the
 * escapes `\n`, `\r`, `\t`, `\\`, `\:` (a colon, for text that would
 * otherwise read as a time) and `\xHH` (any byte); everything else is sent as
 * UTF-8. `--uart-file` sends a file's bytes as they are.
 *
 * Every mistake is a specific error naming the option and what is wrong.
 */
import { readFileSync } from "node:fs";

/** One timed input: `data` arrives on the RX line from `atMs` on. */
export interface TimedUartInput {
  atMs: number;
  data: Uint8Array;
}

/** Where untimed inputs go: this long after the previous one (the first: this long after start). */
export const UNTIMED_GAP_MS = 100;

export class UartInputError extends Error {
  override name = "UartInputError";
}

const TIME = /^(\d+(?:\.\d+)?|\.\d+)(ms|s)?$/;

/** `0.5s`, `500ms`, `2` (seconds) → milliseconds; undefined when `text` is not a time. */
export function parseTime(text: string): number | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  return m[2] === "ms" ? Number(m[1]) : Number(m[1]) * 1000;
}

/** TEXT's escapes decoded to bytes (UTF-8 for the rest). */
export function decodeEscapes(text: string, what: string): Uint8Array {
  const out: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== "\\") {
      const cp = text.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      out.push(...enc.encode(s));
      i += s.length - 1;
      continue;
    }
    const e = text[++i];
    if (e === undefined) throw new UartInputError(`${what}: a lone \\ at the end: write \\\\ for a backslash`);
    if (e === "n") out.push(0x0a);
    else if (e === "r") out.push(0x0d);
    else if (e === "t") out.push(0x09);
    else if (e === "\\") out.push(0x5c);
    else if (e === ":") out.push(0x3a);
    else if (e === "x") {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new UartInputError(`${what}: \\x takes two hex digits (\\x0d), not "\\x${hex}"`);
      out.push(parseInt(hex, 16));
      i += 2;
    } else throw new UartInputError(`${what}: unknown escape \\${e}: use \\n, \\r, \\t, \\\\, \\: or \\xHH`);
  }
  return Uint8Array.from(out);
}

/** Split `[TIME:]REST`: the time (ms) if REST follows one, else undefined and the whole text. */
function splitTime(spec: string, what: string): { atMs?: number; rest: string } {
  const colon = spec.indexOf(":");
  if (colon < 0) return { rest: spec };
  const head = spec.slice(0, colon);
  const atMs = parseTime(head);
  if (atMs !== undefined) return { atMs, rest: spec.slice(colon + 1) };
  // Something that starts like a number but is no time is a mistake, not text ("5x:A4", "1.5 s:quit").
  if (/^[\d.]/.test(head) && !head.includes("\\")) {
    throw new UartInputError(`${what}: "${head}" is not a time: give seconds or milliseconds such as 0.5s, 500ms or 2 (or write \\: for a colon in the text)`);
  }
  return { rest: spec };
}

/** One `--uart SPEC`. */
export function parseUartSpec(spec: string): { atMs?: number; data: Uint8Array } {
  const what = `--uart ${JSON.stringify(spec)}`;
  const { atMs, rest } = splitTime(spec, what);
  const data = decodeEscapes(rest, what);
  if (data.length === 0) throw new UartInputError(`${what}: no text to send (give TEXT or TIME:TEXT, e.g. '0.5s:A4\\n')`);
  return { atMs, data };
}

/** One `--uart-file [TIME:]FILE`: the file's bytes, as they are. */
export function parseUartFile(spec: string, read: (path: string) => Uint8Array = (p) => new Uint8Array(readFileSync(p))): { atMs?: number; data: Uint8Array } {
  const what = `--uart-file ${JSON.stringify(spec)}`;
  const { atMs, rest } = splitTime(spec, what);
  if (rest === "") throw new UartInputError(`${what}: no file named (give FILE or TIME:FILE)`);
  let data: Uint8Array;
  try {
    data = read(rest);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UartInputError(`${what}: cannot read ${rest}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (code ?? (e as Error).message)}`);
  }
  if (data.length === 0) throw new UartInputError(`${what}: ${rest} is empty: nothing to send`);
  return { atMs, data };
}

/**
 * The inputs in command-line order, untimed ones placed UNTIMED_GAP_MS after
 * the previous; refused when one comes after `boundMs` (the run would end
 * before it is sent).
 */
export function scheduleUartInputs(inputs: readonly { atMs?: number; data: Uint8Array; what: string }[], boundMs?: number): TimedUartInput[] {
  const out: TimedUartInput[] = [];
  let last = 0;
  for (const i of inputs) {
    const atMs = i.atMs ?? last + UNTIMED_GAP_MS;
    if (boundMs !== undefined && atMs >= boundMs) {
      throw new UartInputError(`${i.what} would arrive at ${(atMs / 1000).toFixed(3)} s, after the run's bound of ${(boundMs / 1000).toFixed(3)} s (--seconds): it would never be sent`);
    }
    out.push({ atMs, data: i.data });
    last = atMs;
  }
  return out;
}

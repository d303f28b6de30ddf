/** Helpers shared by the sub-commands. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { type BoardName, type Quality, getBoard } from "../boards.js";
import type { Variant } from "../firmware.js";

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs with usage errors that say which command and what is wrong. */
export function parse<O extends Options>(args: string[], opts: O, usage: string) {
  const options = { ...opts, help: { type: "boolean", short: "h" } } as const satisfies Options;
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true });
    if ((r.values as Record<string, unknown>).help) {
      process.stdout.write(usage);
      return undefined;
    }
    return r;
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${usage}`);
  }
}

export function boardOption(value: string | undefined): BoardName {
  try {
    return getBoard(value ?? "pi4").name;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function numberOption(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number >= ${min}, got "${value}"`);
  return n;
}

export const color = {
  enabled: process.stdout.isTTY === true && !("NO_COLOR" in process.env),
  wrap(code: number, s: string): string {
    return this.enabled ? `\x1b[${code}m${s}\x1b[0m` : s;
  },
  red(s: string) {
    return this.wrap(31, s);
  },
  yellow(s: string) {
    return this.wrap(33, s);
  },
  dim(s: string) {
    return this.wrap(2, s);
  },
  green(s: string) {
    return this.wrap(32, s);
  },
};

/** Colour a firmware log line by its level letter (I/W/E/F). */
export function colorLogLine(line: string): string {
  if (line.startsWith("E ") || line.startsWith("F ")) return color.red(line);
  if (line.startsWith("W ")) return color.yellow(line);
  return line;
}

/** parseArgs options for the firmware build variant (--quality, --feed; --dither only to refuse it). */
export const VARIANT_OPTIONS = {
  quality: { type: "string" },
  feed: { type: "string" },
  dither: { type: "boolean" },
} as const;

/** Why --dither is refused (issue 15, item 7; README "Noise shaping"). */
export const DITHER_REMOVED =
  "--dither was removed: on M/S PWM, TPDF dither raised the shaped mode's in-band idle noise by 9 dB (-103.3 to -94.0 dBFS on a Pi 4) " +
  "and cost 4.8 dB of SNR, because each pulse's position mixes the dither's out-of-band energy back into the band; the shaper needs none " +
  "(no idle tones: the largest idle spur is -130 dBFS). Leave the option out.";

/** The firmware variant chosen with VARIANT_OPTIONS, checked. */
export function variantOption(v: { quality?: string | boolean; feed?: string | boolean; dither?: string | boolean }): Variant & { quality: Quality; feed: "poll" | "dma" } {
  const quality = v.quality ?? "plain";
  const feed = v.feed ?? "poll";
  if (quality !== "plain" && quality !== "shaped") throw new UsageError(`--quality takes plain or shaped, not "${String(quality)}"`);
  if (feed !== "poll" && feed !== "dma") throw new UsageError(`--feed takes poll or dma, not "${String(feed)}"`);
  if (v.dither !== undefined && v.dither !== false) throw new UsageError(DITHER_REMOVED);
  return { quality, feed };
}

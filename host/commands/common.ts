/**
 * The command-line layer shared by the sub-commands: option parsing (with
 * --help/-h, --quiet/-q, the project file and "did you mean"), exit codes,
 * and how output is shown (--json, --quiet, NO_COLOR/FORCE_COLOR).
 *
 * Options are parsed with Node's own `util.parseArgs`, not a CLI library:
 * it costs nothing at start-up (`piwave --help` must start in well under
 * 150 ms) and adds no dependency, and what a library would add — help for
 * each command, suggestions for a mistyped option, the project file's
 * defaults — is a few dozen lines here, written the way piwave wants them.
 */
import { resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { type BoardName, type Quality, getBoard } from "../boards.js";
import type { Variant } from "../firmware.js";
import { type OutputPaths, outputPaths } from "../paths.js";
import { ConfigError, type ProjectConfig, findProjectConfig, nearest } from "../project.js";
import { setStatusSink } from "../status.js";

/** A command line that cannot be run as written (exit code 2). */
export class UsageError extends Error {}

/** piwave's exit codes, the same for every command (README, "Exit codes"). */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** Something failed: a file, a tool, the network, a build. */
  error: 1,
  /** The command line or the project file is wrong. */
  usage: 2,
  /** piwave refused to do something unsafe, or the user said no. */
  refused: 3,
  /** The firmware failed: halted with an error, trapped, or broke a hardware rule. */
  firmware: 4,
  /** A time limit (--timeout) was reached. */
  timeout: 124,
} as const;

/** How output is shown; set once by cli.ts (`configureOutput`). */
export const ui = {
  /** Only errors and warnings (stderr); no progress, no report. */
  quiet: false,
  /** stdout carries one JSON document; everything for people goes to stderr. */
  json: false,
};

/** Whether to colour output: FORCE_COLOR (not 0/false) forces it, NO_COLOR (non-empty) turns it off, else only on a terminal. */
export function colorEnabled(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  if (env.NO_COLOR) return false;
  return isTTY && env.TERM !== "dumb";
}

const writeOut = process.stdout.write.bind(process.stdout);
const writeErr = process.stderr.write.bind(process.stderr);

/**
 * Apply --quiet and --json: console.log (what the commands print for people)
 * goes nowhere under --quiet and to stderr under --json, so that stdout is
 * then only the JSON document (`emitJson`). Errors and warnings always go to
 * stderr.
 */
export function configureOutput(o: { quiet?: boolean; json?: boolean }): void {
  ui.quiet = o.quiet === true;
  ui.json = o.json === true;
  if (ui.quiet) console.log = () => {};
  else if (ui.json) console.log = (...a: unknown[]) => void writeErr(a.map(String).join(" ") + "\n");
  // What a long step is doing (host/status.ts), on stderr so that it never mixes with results.
  setStatusSink(ui.quiet ? undefined : (m) => void writeErr(color.dim(`… ${m}`) + "\n"));
}

/** Text for people on stdout (the UART log, a report), honouring --quiet and --json. */
export function say(text: string): void {
  if (ui.quiet) return;
  (ui.json ? writeErr : writeOut)(text);
}

/** A warning: stderr, always (also under --quiet). */
export function warn(message: string): void {
  writeErr(color.yellow(`warning: ${message}`) + "\n");
}

/** The one JSON document of a --json run, on stdout. */
export function emitJson(value: unknown): void {
  writeOut(JSON.stringify(value, null, 2) + "\n");
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Options every command takes. */
const COMMON_OPTIONS = {
  help: { type: "boolean", short: "h" },
  quiet: { type: "boolean", short: "q" },
} as const satisfies Options;

/** --json, for the commands that print a JSON document. */
export const JSON_OPTION = { json: { type: "boolean" } } as const satisfies Options;

type Values<O extends Options> = {
  [K in keyof (O & typeof COMMON_OPTIONS)]?: (O & typeof COMMON_OPTIONS)[K] extends { type: "boolean" } ? boolean : string;
};

export interface Parsed<O extends Options> {
  values: Values<O>;
  /** The positional arguments; the project's songs when the command takes songs and none were given. */
  positionals: string[];
  /** The project file's settings, when there is one. */
  project: ProjectConfig | undefined;
  /** Where outputs go by default (the project's outDir, else ./dist). */
  outputs: OutputPaths;
}

/** Project-file keys that fill in the option of the same meaning when the command has it and it was not given. */
const FROM_PROJECT: [keyof ProjectConfig, string][] = [
  ["board", "board"],
  ["quality", "quality"],
  ["feed", "feed"],
  ["dither", "dither"],
  ["normalize", "normalize"],
  ["fade", "fade"],
  ["trimSilence", "trim-silence"],
  ["firmwareDir", "firmware-dir"],
];

let project: { config: ProjectConfig | undefined } | undefined;
/** The project file's settings (read once per process). */
export function projectConfig(): ProjectConfig | undefined {
  if (!project) {
    try {
      project = { config: findProjectConfig() };
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
  }
  return project.config;
}

function commandName(usage: string): string {
  return usage.match(/Usage: (piwave \S+)/)?.[1] ?? "piwave";
}

/** A parseArgs error, said the piwave way: which option, what is wrong, the nearest real option. */
function usageError(e: Error & { code?: string }, opts: Options, usage: string): UsageError {
  const cmd = commandName(usage);
  const longs = Object.keys(opts).map((o) => `--${o}`);
  const unknown = e.message.match(/Unknown option '([^']+)'/);
  if (unknown) {
    const opt = unknown[1]!;
    const near = opt.startsWith("--") ? nearest(opt, longs) : undefined;
    return new UsageError(`unknown option ${opt}${near ? ` (did you mean ${near}?)` : ""}; \`${cmd} --help\` lists the options`);
  }
  const missing = e.message.match(/Option '(-\w, )?(--[\w-]+) <value>' argument missing/);
  if (missing) return new UsageError(`${missing[2]} needs a value; \`${cmd} --help\` says which`);
  const noValue = e.message.match(/Option '(--[\w-]+)' does not take an argument/);
  if (noValue) return new UsageError(`${noValue[1]} takes no value`);
  return new UsageError(`${e.message}; \`${cmd} --help\` lists the options`);
}

/**
 * parseArgs with piwave's conventions: -h/--help prints `usage` (returns
 * undefined: the command exits 0), -q/--quiet, a mistyped option named with
 * the nearest real one, positionals refused unless the command takes songs,
 * and the project file's settings as defaults for the options not given.
 */
export function parse<O extends Options>(args: string[], opts: O, usage: string, how: { songs?: boolean; project?: false } = {}): Parsed<O> | undefined {
  const options = { ...opts, ...COMMON_OPTIONS } as Options;
  let r: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    r = parseArgs({ args, options, allowPositionals: true, strict: true }) as typeof r;
  } catch (e) {
    throw usageError(e as Error, options, usage);
  }
  if (r.values.help) {
    process.stdout.write(usage);
    return undefined;
  }
  if (!how.songs && r.positionals.length) {
    throw new UsageError(`unexpected argument "${r.positionals[0]}"; \`${commandName(usage)} --help\` says what it takes`);
  }
  const cfg = how.project === false ? undefined : projectConfig(); // `init` makes a project: a broken one above must not stop it
  const values = { ...r.values };
  let positionals = r.positionals;
  if (cfg) {
    for (const [key, opt] of FROM_PROJECT) {
      const v = cfg[key];
      if (v === undefined || !(opt in opts) || values[opt] !== undefined) continue;
      values[opt] = typeof v === "number" ? String(v) : (v as string | boolean);
    }
    if (how.songs && !positionals.length && cfg.songs?.length && values.bundle === undefined) positionals = cfg.songs;
  }
  if (typeof values["cache-dir"] === "string") process.env.PIWAVE_CACHE_DIR = resolve(values["cache-dir"]); // every cache (host/paths.ts) follows it
  return { values: values as Values<O>, positionals, project: cfg, outputs: outputPaths(cfg?.outDir) };
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
  enabled: colorEnabled(process.env, process.stdout.isTTY === true),
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

/** The conversion options `build` takes, for the other commands that take songs. */
export const CONVERT_OPTIONS = {
  normalize: { type: "string" },
  "trim-silence": { type: "boolean" },
  fade: { type: "string" },
  "cache-dir": { type: "string" },
} as const;

export const CONVERT_USAGE = `  --normalize ebu|peak     loudness, as in \`piwave build\`
  --trim-silence           drop silence at the start and end of each song
  --fade S                 fade in and out over S seconds
  --cache-dir DIR          converted-audio cache (default: the user's cache folder)
`;

/** --entry / --wasm: the user's firmware instead of piwave's player (host/user-firmware.ts). */
export const FIRMWARE_OPTIONS = { entry: { type: "string" }, wasm: { type: "string" } } as const;

export const FIRMWARE_USAGE = `  --entry FILE             your firmware: an AssemblyScript entry point, built with
                           piwave's compiler settings (or "entry" in the project file)
  --wasm FILE              your firmware: a prebuilt WebAssembly module (or "wasm");
                           one that imports anything outside the ABI is refused
`;

/** The user's firmware from --entry/--wasm or the project file, built and checked; undefined for piwave's player. */
export async function userFirmwareOption(
  v: { entry?: string | boolean; wasm?: string | boolean },
  project: ProjectConfig | undefined,
  board: BoardName,
  /** --quality/--feed/--ramp: compiled into an entry; a prebuilt .wasm is as it was built (a warning says so). */
  variant: Variant = {},
): Promise<import("../user-firmware.js").UserFirmware | undefined> {
  const src = await userFirmwareSource(v, project);
  if (src?.wasm !== undefined && (variant.quality === "shaped" || variant.feed === "dma" || variant.rampMs !== undefined)) {
    warn(`--quality, --feed and --ramp are compiled into a firmware: ${src.wasm} is a prebuilt module and runs as it was built (give --entry to build it with them)`);
  }
  return src ? (await import("../user-firmware.js")).loadUserFirmware(src, board, variant) : undefined;
}

/** Which firmware --entry/--wasm or the project file name (checked, not yet loaded or compiled); undefined for piwave's player. */
export async function userFirmwareSource(v: { entry?: string | boolean; wasm?: string | boolean }, project: ProjectConfig | undefined): Promise<import("../user-firmware.js").FirmwareSource | undefined> {
  if (typeof v.entry === "string" && typeof v.wasm === "string") throw new UsageError("give --entry or --wasm, not both");
  if (v.entry === undefined && v.wasm === undefined && project?.entry !== undefined && project.wasm !== undefined) {
    throw new UsageError(`${project.file}: "entry" and "wasm" are both set; keep one`);
  }
  const { chooseFirmwareSource } = await import("../user-firmware.js");
  return chooseFirmwareSource({ entry: typeof v.entry === "string" ? v.entry : undefined, wasm: typeof v.wasm === "string" ? v.wasm : undefined }, project);
}

/** parseArgs options for the firmware build variant (--quality, --feed; --dither only to refuse it). */
export const VARIANT_OPTIONS = {
  quality: { type: "string" },
  feed: { type: "string" },
  dither: { type: "boolean" },
  ramp: { type: "string" },
} as const;

/** Longest --ramp: a minute (the thump-free default is 11-19 s). */
const RAMP_MAX_MS = 60_000;

/** Why --dither is refused (issue 15, item 7; README "Noise shaping"). */
export const DITHER_REMOVED =
  "--dither was removed: on M/S PWM, TPDF dither raised the shaped mode's in-band idle noise by 9 dB (-103.3 to -94.0 dBFS on a Pi 4) " +
  "and cost 4.8 dB of SNR, because each pulse's position mixes the dither's out-of-band energy back into the band; the shaper needs none " +
  "(no idle tones: the largest idle spur is -130 dBFS). Leave the option out.";

/** The firmware variant chosen with VARIANT_OPTIONS, checked. */
export function variantOption(v: { quality?: string | boolean; feed?: string | boolean; dither?: string | boolean; ramp?: string | boolean }): Variant & { quality: Quality; feed: "poll" | "dma" } {
  const quality = v.quality ?? "plain";
  const feed = v.feed ?? "poll";
  if (quality !== "plain" && quality !== "shaped") throw new UsageError(`--quality takes plain or shaped, not "${String(quality)}"`);
  if (feed !== "poll" && feed !== "dma") throw new UsageError(`--feed takes poll or dma, not "${String(feed)}"`);
  if (v.dither !== undefined && v.dither !== false) throw new UsageError(DITHER_REMOVED);
  if (v.ramp === undefined || v.ramp === "thump-free") return { quality, feed };
  // --ramp MS: a shorter start/stop ramp than the thump-free one, accepting a thump (README "Start and stop").
  const ms = typeof v.ramp === "string" && /^\d+$/.test(v.ramp) ? Number(v.ramp) : NaN;
  if (!(ms >= 1 && ms <= RAMP_MAX_MS)) {
    throw new UsageError(`--ramp takes the start/stop ramp's length in whole ms (1 to ${RAMP_MAX_MS}) or thump-free (the default), not "${String(v.ramp)}"`);
  }
  return { quality, feed, rampMs: ms };
}

/**
 * The project file: a project's piwave settings written once instead of on
 * every command (the way platformio.ini holds a PlatformIO project's board
 * and options). Either `piwave.config.json`, or a `"piwave"` object in the
 * project's package.json:
 *
 *   { "board": "pi4", "quality": "shaped", "feed": "dma", "dither": true,
 *     "songs": ["music/intro.mp3", "music/theme.flac"], "outDir": "dist",
 *     "normalize": "ebu", "fade": 0.5, "trimSilence": true, "firmwareDir": "pi-firmware",
 *     "entry": "src/main.ts" }        (or "wasm": "app.wasm": the user's firmware)
 *
 * Found by looking in the current directory and then each parent, stopping
 * at the first folder that has piwave.config.json or a package.json. Paths in
 * it are relative to the file's folder. Options on the command line win.
 * Every key is checked: an unknown key or a wrong type is an error naming the
 * file, the key and what it takes.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const CONFIG_FILE = "piwave.config.json";

export interface ProjectConfig {
  /** The file the settings came from (piwave.config.json or package.json). */
  file: string;
  board?: "pi4" | "pi3";
  quality?: "plain" | "shaped";
  feed?: "poll" | "dma";
  dither?: boolean;
  /** Absolute paths. */
  songs?: string[];
  /** Absolute path of the outputs' base folder. */
  outDir?: string;
  normalize?: "ebu" | "peak";
  fade?: number;
  trimSilence?: boolean;
  /** Absolute path. */
  firmwareDir?: string;
  /** The user's firmware: an AssemblyScript entry point (absolute path). */
  entry?: string;
  /** The user's firmware: a prebuilt .wasm (absolute path). */
  wasm?: string;
}

export class ConfigError extends Error {}

type Check = (v: unknown) => string | undefined; // what it takes, when v is wrong

const oneOf =
  (...xs: string[]): Check =>
  (v) =>
    typeof v === "string" && xs.includes(v) ? undefined : `takes ${xs.map((x) => `"${x}"`).join(" or ")}`;
const bool: Check = (v) => (typeof v === "boolean" ? undefined : "takes true or false");
const str: Check = (v) => (typeof v === "string" && v.length > 0 ? undefined : "takes a path (a non-empty string)");
const num: Check = (v) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? undefined : "takes a number of seconds >= 0");
const strs: Check = (v) => (Array.isArray(v) && v.every((x) => typeof x === "string" && x.length > 0) ? undefined : "takes a list of file names");

const KEYS: Record<Exclude<keyof ProjectConfig, "file">, Check> = {
  board: oneOf("pi4", "pi3"),
  quality: oneOf("plain", "shaped"),
  feed: oneOf("poll", "dma"),
  dither: bool,
  songs: strs,
  outDir: str,
  normalize: oneOf("ebu", "peak"),
  fade: num,
  trimSilence: bool,
  firmwareDir: str,
  entry: str,
  wasm: str,
};

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/** The candidate closest to `word`, when it is close enough to be a likely typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Check and normalise the settings object found in `file`. */
export function checkConfig(raw: unknown, file: string): ProjectConfig {
  const where = file.endsWith("package.json") ? `${file} ("piwave" key)` : file;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ConfigError(`${where}: the settings must be a JSON object`);
  const out: ProjectConfig = { file };
  const base = dirname(file);
  for (const [k, v] of Object.entries(raw)) {
    if (k === "$schema") continue;
    const check = KEYS[k as keyof typeof KEYS];
    if (!check) {
      const near = nearest(k, Object.keys(KEYS));
      throw new ConfigError(`${where}: unknown setting "${k}"${near ? ` (did you mean "${near}"?)` : ""}; the settings are ${Object.keys(KEYS).join(", ")}`);
    }
    const wrong = check(v);
    if (wrong) throw new ConfigError(`${where}: "${k}" ${wrong}, not ${JSON.stringify(v)}`);
    if (k === "songs") out.songs = (v as string[]).map((s) => resolve(base, s));
    else if (k === "outDir" || k === "firmwareDir" || k === "entry" || k === "wasm") out[k] = resolve(base, v as string);
    else (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * The project settings for a command run in `cwd`, or undefined when the
 * project has none. Throws ConfigError for a file that is there but wrong.
 */
export function findProjectConfig(cwd: string = process.cwd()): ProjectConfig | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const own = join(dir, CONFIG_FILE);
    if (existsSync(own)) return checkConfig(readJson(own), own);
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      const p = readJson(pkg) as { piwave?: unknown } | null;
      return p && typeof p === "object" && "piwave" in p ? checkConfig(p.piwave, pkg) : undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Building the firmware: AssemblyScript → one .wasm per board, through the
 * compiler's JS API (no shell, same flags as asconfig.json). Outputs go to
 * build/firmware/<board>.wasm and are rebuilt only when a source file,
 * asconfig.json or the compiler version changed (hash in <board>.wasm.hash).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { BoardName, Quality } from "./boards.js";

/** A firmware build: board plus the build-time options of firmware/config.ts. */
export interface Variant {
  quality?: Quality;
  feed?: "poll" | "dma";
  /** Start/stop ramp length in ms (firmware/config.ts RAMP_MS); default: the thump-free length. */
  rampMs?: number;
  /** Plain mode bit-exact, without the pulse-position pre-compensation (firmware/config.ts PLAIN_EXACT_MODE). */
  exact?: boolean;
}

function variantSuffix(v: Variant): string {
  return [v.quality === "shaped" ? "shaped" : "", v.feed === "dma" ? "dma" : "", v.rampMs !== undefined ? `ramp${v.rampMs}` : "", v.exact ? "exact" : ""].filter(Boolean).map((x) => "-" + x).join("");
}

function variantFlags(v: Variant): string[] {
  const f: string[] = [];
  if (v.quality === "shaped") f.push("--use", "QUALITY_MODE=1");
  if (v.feed === "dma") f.push("--use", "FEED_MODE=1");
  if (v.rampMs !== undefined) f.push("--use", `RAMP_MS=${Math.round(v.rampMs)}`);
  if (v.exact) f.push("--use", "PLAIN_EXACT_MODE=1");
  return f;
}

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const FIRMWARE_DIR = join(ROOT, "firmware");
export const BUILD_DIR = join(ROOT, "build");

export function firmwarePath(board: BoardName, v: Variant = {}): string {
  return join(BUILD_DIR, "firmware", `${board}${variantSuffix(v)}.wasm`);
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

interface AsConfig {
  entries: string[];
  options: { runtime?: string; noAssert?: boolean; initialMemory?: number };
  targets: Record<string, { optimizeLevel?: number; shrinkLevel?: number; use?: string[] }>;
}

function readAsConfig(): AsConfig {
  return JSON.parse(readFileSync(join(ROOT, "asconfig.json"), "utf8")) as AsConfig;
}

/**
 * Compiler flags for `board`, taken from asconfig.json (the one place they
 * are written down, so `npx asc --config asconfig.json --target pi4` builds
 * the same module by hand).
 */
export function ascFlags(board: BoardName): string[] {
  const cfg = readAsConfig();
  const t = cfg.targets[board];
  if (!t) throw new Error(`asconfig.json has no target "${board}"`);
  const o = cfg.options;
  const flags = ["--optimizeLevel", String(t.optimizeLevel ?? 3), "--shrinkLevel", String(t.shrinkLevel ?? 0)];
  if (o.runtime) flags.push("--runtime", o.runtime);
  if (o.noAssert) flags.push("--noAssert");
  if (o.initialMemory) flags.push("--initialMemory", String(o.initialMemory));
  for (const u of t.use ?? []) flags.push("--use", u);
  return flags;
}

function sourceHash(board: BoardName, entry: string, extra: string[]): string {
  const h = createHash("sha256");
  h.update(board);
  h.update(extra.join(" "));
  h.update(entry);
  const ascPkg = JSON.parse(readFileSync(join(ROOT, "node_modules/assemblyscript/package.json"), "utf8")) as { version: string };
  h.update(ascPkg.version);
  const files = [join(ROOT, "asconfig.json"), ...sourceFiles(FIRMWARE_DIR)];
  if (!entry.startsWith(FIRMWARE_DIR)) files.push(entry);
  for (const f of files) {
    h.update(relative(ROOT, f));
    h.update(readFileSync(f));
  }
  return h.digest("hex");
}

export interface BuildResult {
  path: string;
  rebuilt: boolean;
  ms: number;
}

/** Compile an AssemblyScript `entry` for `board` to `out`, unless an up-to-date build exists. */
export async function buildWasm(
  entry: string,
  board: BoardName,
  out: string,
  opts: { force?: boolean; extraFlags?: string[] } = {},
): Promise<BuildResult> {
  const hashFile = out + ".hash";
  const extra = opts.extraFlags ?? [];
  const hash = sourceHash(board, entry, extra);
  const t0 = performance.now();
  if (!opts.force && existsSync(out) && existsSync(hashFile) && readFileSync(hashFile, "utf8") === hash) {
    return { path: out, rebuilt: false, ms: performance.now() - t0 };
  }
  mkdirSync(dirname(out), { recursive: true });
  const asc = await import("assemblyscript/asc");
  let stderr = "";
  const args = [relative(ROOT, entry), ...ascFlags(board), ...extra, "--baseDir", ROOT, "--outFile", out, "--textFile", out.replace(/\.wasm$/, ".wat")];
  const { error } = await asc.main(args, {
    stdout: { write: () => true } as never,
    stderr: {
      write: (s: string | Uint8Array) => {
        stderr += typeof s === "string" ? s : Buffer.from(s).toString();
        return true;
      },
    } as never,
  });
  if (error) throw new Error(`AssemblyScript build of ${relative(ROOT, entry)} for ${board} failed: ${error.message}\n${stderr}`);
  writeFileSync(hashFile, hash);
  return { path: out, rebuilt: true, ms: performance.now() - t0 };
}

/** Compile the firmware (firmware/main.ts) for `board` into build/firmware/<board>[-variant].wasm. */
export async function buildFirmware(board: BoardName, opts: { force?: boolean; variant?: Variant } = {}): Promise<BuildResult> {
  const entry = join(ROOT, readAsConfig().entries[0] ?? "firmware/main.ts");
  const v = opts.variant ?? {};
  return buildWasm(entry, board, firmwarePath(board, v), { force: opts.force, extraFlags: variantFlags(v) });
}

export function loadFirmware(board: BoardName, v: Variant = {}): Uint8Array<ArrayBuffer> {
  const p = firmwarePath(board, v);
  if (!existsSync(p)) throw new Error(`no firmware build at ${relative(process.cwd(), p)}: run \`piwave firmware --board ${board}\``);
  return new Uint8Array(readFileSync(p));
}

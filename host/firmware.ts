/**
 * Building the firmware: AssemblyScript → one .wasm per board, with the
 * compiler's own command (node …/assemblyscript/bin/asc.js, resolved the Node
 * way, with the flags of asconfig.base.json) run as a child in its own process group,
 * so an interrupt stops it at once (the compiler is synchronous JavaScript:
 * in-process it would hold the event loop for its whole run). Outputs go to
 * <cache>/build/firmware/<board>.wasm (host/paths.ts; never inside the
 * package) and are rebuilt only when a source file, asconfig.json or the
 * compiler version changed (hash in <board>.wasm.hash). The .wasm, .wat and
 * .hash are each written to a temporary sibling and renamed, the hash last:
 * a concurrent reader sees the old build or the new one, never half of one.
 * Each compiled .wasm is also kept under its sources' key
 * (build/firmware/by-content/, the latest few per name): sources that come
 * back (another branch's checkout sharing the cache) are copied, not
 * compiled again.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, relative } from "node:path";
import type { BoardName, Quality } from "./boards.js";
import { runChild } from "./child-process.js";
import { temporaryPathFor, writeFileAtomicSync } from "./fs-atomic.js";
import { buildCacheDir, packageRoot, resolvePackageDir } from "./paths.js";
import { prebuiltWasm } from "./prebuilt.js";
import { status } from "./status.js";

/** A firmware build: board plus the build-time options of firmware/config.ts. */
export interface Variant {
  quality?: Quality;
  feed?: "poll" | "dma";
  /** Start/stop ramp length in ms (firmware/config.ts RAMP_MS); default: the thump-free length. */
  rampMs?: number;
  /** Plain mode bit-exact, without the pulse-position pre-compensation (firmware/config.ts PLAIN_EXACT_MODE). */
  exact?: boolean;
}

/** The file-name suffix of a variant's build: "-shaped-dma-ramp50". */
export function variantSuffix(v: Variant): string {
  return [v.quality === "shaped" ? "shaped" : "", v.feed === "dma" ? "dma" : "", v.rampMs !== undefined ? `ramp${v.rampMs}` : "", v.exact ? "exact" : ""].filter(Boolean).map((x) => "-" + x).join("");
}

/** The `--use` flags of a variant (firmware/config.ts). */
export function variantFlags(v: Variant): string[] {
  const f: string[] = [];
  if (v.quality === "shaped") f.push("--use", "QUALITY_MODE=1");
  if (v.feed === "dma") f.push("--use", "FEED_MODE=1");
  if (v.rampMs !== undefined) f.push("--use", `RAMP_MS=${Math.round(v.rampMs)}`);
  if (v.exact) f.push("--use", "PLAIN_EXACT_MODE=1");
  return f;
}

/** The piwave package (read-only; see host/paths.ts). */
export const ROOT = packageRoot;
export const FIRMWARE_DIR = join(ROOT, "firmware");

export function firmwarePath(board: BoardName, v: Variant = {}): string {
  return join(buildCacheDir(), "firmware", `${board}${variantSuffix(v)}.wasm`);
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
  extends?: string;
  entries?: string[];
  options?: { runtime?: string; noAssert?: boolean; initialMemory?: number; maximumMemory?: number };
  targets?: Record<string, { optimizeLevel?: number; shrinkLevel?: number; use?: string[] }>;
}

/** The compiler settings every piwave firmware is built with, the ones users extend (`"extends": "piwave/asconfig.base.json"`). */
export const BASE_ASCONFIG = "asconfig.base.json";

/**
 * The prefix under which the base configuration names piwave's own firmware
 * files (`abort=~lib/piwave/firmware/runtime/abort/onAbort`): asc's name for
 * a file of the package `piwave` found in node_modules.
 */
export const PACKAGE_LIB_PREFIX = "~lib/piwave/";

function readAsConfig(file = "asconfig.json"): AsConfig {
  return JSON.parse(readFileSync(join(ROOT, file), "utf8")) as AsConfig;
}

/**
 * Compiler flags for `board`, taken from asconfig.base.json, the one place
 * they are written down: piwave's own asconfig.json and every project's
 * (`piwave init`) extend it. The abort handler is named as the package's
 * file (`~lib/piwave/…`), as users' programs see it; piwave's own build,
 * whose base directory is the package, names it relative to that instead
 * (`ownBuild`).
 */
export function ascFlags(board: BoardName, opts: { ownBuild?: boolean } = {}): string[] {
  const cfg = readAsConfig(BASE_ASCONFIG);
  const t = cfg.targets?.[board];
  if (!t) throw new Error(`${BASE_ASCONFIG} has no target "${board}"`);
  const o = cfg.options ?? {};
  const flags = ["--optimizeLevel", String(t.optimizeLevel ?? 3), "--shrinkLevel", String(t.shrinkLevel ?? 0)];
  if (o.runtime) flags.push("--runtime", o.runtime);
  if (o.noAssert) flags.push("--noAssert");
  if (o.initialMemory) flags.push("--initialMemory", String(o.initialMemory));
  // The sandbox's limit (regs/memory.ts): the runtime and the simulator refuse a module without it.
  if (o.maximumMemory) flags.push("--maximumMemory", String(o.maximumMemory));
  for (const u of t.use ?? []) flags.push("--use", opts.ownBuild ? u.replace(`=${PACKAGE_LIB_PREFIX}`, "=") : u);
  return flags;
}

/** The build's key: board, flags, entry and every source, and (unless `withCompiler` is false: the prebuilt set's key) asc's version. */
function sourceHash(board: BoardName, entry: string, extra: string[], withCompiler = true): string {
  const h = createHash("sha256");
  h.update(board);
  h.update(extra.join(" "));
  h.update(entry.startsWith(ROOT + "/") ? relative(ROOT, entry) : entry); // the package's own entry: wherever it is installed
  if (withCompiler) {
    const ascPkg = JSON.parse(readFileSync(join(resolvePackageDir("assemblyscript"), "package.json"), "utf8")) as { version: string };
    h.update(ascPkg.version);
  }
  const files = [join(ROOT, "asconfig.json"), join(ROOT, BASE_ASCONFIG), ...sourceFiles(FIRMWARE_DIR), ...sourceFiles(join(ROOT, "regs"))];
  if (!entry.startsWith(FIRMWARE_DIR)) files.push(entry);
  for (const f of files) {
    h.update(relative(ROOT, f));
    h.update(readFileSync(f));
  }
  return h.digest("hex");
}

/** Builds kept per output name, by content (`keepBuild`). */
const KEPT_BUILDS = 6;

/** Where a build of `out` from sources with key `hash` is kept: <dir>/by-content/<name>-<hash>.wasm. */
function keptBuildPath(out: string, hash: string): string {
  return join(dirname(out), "by-content", `${basename(out, ".wasm")}-${hash.slice(0, 24)}.wasm`);
}

/**
 * Keep a copy of a fresh build under its sources' key: `<board>.wasm` holds
 * one build, and alternating sources (checkouts of two branches sharing the
 * cache, a benchmark's variants after another checkout's build) would
 * otherwise recompile at every switch. The oldest copies of the same name
 * beyond KEPT_BUILDS go. Best effort: a cache that cannot be written only
 * loses the shortcut.
 */
function keepBuild(out: string, kept: string): void {
  try {
    const dir = dirname(kept);
    mkdirSync(dir, { recursive: true });
    writeFileAtomicSync(kept, readFileSync(out));
    const prefix = `${basename(out, ".wasm")}-`;
    const same = readdirSync(dir)
      .filter((f) => f.startsWith(prefix) && f.endsWith(".wasm") && /^[0-9a-f]{24}$/.test(f.slice(prefix.length, -5)))
      .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { f } of same.slice(KEPT_BUILDS)) rmSync(join(dir, f), { force: true });
  } catch {
    // (the build itself is in place)
  }
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
  opts: { force?: boolean; extraFlags?: string[]; signal?: AbortSignal } = {},
): Promise<BuildResult> {
  const hashFile = out + ".hash";
  const extra = opts.extraFlags ?? [];
  const hash = sourceHash(board, entry, extra);
  const t0 = performance.now();
  if (!opts.force && existsSync(out) && existsSync(hashFile) && readFileSync(hashFile, "utf8") === hash) {
    return { path: out, rebuilt: false, ms: performance.now() - t0 };
  }
  mkdirSync(dirname(out), { recursive: true });
  // The same sources compiled before (another variant's turn, another checkout sharing the cache): no compiler needed.
  const kept = keptBuildPath(out, hash);
  if (!opts.force && existsSync(kept)) {
    rmSync(out.replace(/\.wasm$/, ".wat"), { force: true }); // the listing of another build
    writeFileAtomicSync(out, readFileSync(kept));
    writeFileAtomicSync(hashFile, hash);
    return { path: out, rebuilt: false, ms: performance.now() - t0 };
  }
  // Exactly these sources were compiled when the package was made (host/prebuilt.ts): no compiler needed.
  // (Keyed without asc's version: the module is complete whichever asc the user has installed.)
  const pre = opts.force ? undefined : prebuiltWasm(sourceHash(board, entry, extra, false));
  if (pre) {
    writeFileAtomicSync(out, pre);
    writeFileAtomicSync(hashFile, hash);
    return { path: out, rebuilt: false, ms: performance.now() - t0 };
  }
  status(`compiling ${relative(ROOT, entry)} for ${board} (AssemblyScript; a first build takes 10-20 s)`);
  const wat = out.replace(/\.wasm$/, ".wat");
  // Temporary names that keep the extensions asc goes by.
  const tmpWasm = temporaryPathFor(out) + ".wasm";
  const tmpWat = temporaryPathFor(wat) + ".wat";
  const ascJs = join(resolvePackageDir("assemblyscript"), "bin", "asc.js");
  const args = [ascJs, relative(ROOT, entry), ...ascFlags(board, { ownBuild: true }), ...extra, "--baseDir", ROOT, "--outFile", tmpWasm, "--textFile", tmpWat];
  try {
    const r = await runChild(process.execPath, args, { cwd: ROOT, signal: opts.signal });
    if (r.code !== 0) throw new Error(`AssemblyScript build of ${relative(ROOT, entry)} for ${board} failed (exit ${r.code ?? r.signal}):\n${r.stderr || r.stdout}`);
    renameSync(tmpWat, wat);
    renameSync(tmpWasm, out);
  } finally {
    rmSync(tmpWasm, { force: true });
    rmSync(tmpWat, { force: true });
  }
  writeFileAtomicSync(hashFile, hash);
  keepBuild(out, kept);
  return { path: out, rebuilt: true, ms: performance.now() - t0 };
}

/** Compile the firmware (firmware/main.ts) for `board` into build/firmware/<board>[-variant].wasm. */
export async function buildFirmware(board: BoardName, opts: { force?: boolean; variant?: Variant; signal?: AbortSignal } = {}): Promise<BuildResult> {
  const entry = join(ROOT, readAsConfig().entries?.[0] ?? "firmware/main.ts");
  const v = opts.variant ?? {};
  return buildWasm(entry, board, firmwarePath(board, v), { force: opts.force, extraFlags: variantFlags(v), signal: opts.signal });
}

/** The key under which the package's prebuilt set (host/prebuilt.ts) keeps the firmware for `board` and `v`. */
export function prebuiltFirmwareKey(board: BoardName, v: Variant = {}): string {
  return sourceHash(board, join(ROOT, readAsConfig().entries?.[0] ?? "firmware/main.ts"), variantFlags(v), false);
}

export function loadFirmware(board: BoardName, v: Variant = {}): Uint8Array<ArrayBuffer> {
  const p = firmwarePath(board, v);
  if (!existsSync(p)) throw new Error(`no firmware build at ${relative(process.cwd(), p)}: run \`piwave firmware --board ${board}\``);
  return new Uint8Array(readFileSync(p));
}

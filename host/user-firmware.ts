/**
 * The user's firmware: an AssemblyScript entry point (`--entry src/main.ts`,
 * or `"entry"` in the project file) compiled with piwave's compiler settings,
 * or a prebuilt module (`--wasm app.wasm`, or `"wasm"`). Whichever it is,
 * the module is checked when it is loaded (host/firmware-module.ts): one
 * that imports anything outside the ABI is refused, naming the import.
 *
 * Compiling an entry uses the flags of asconfig.base.json's target for the board
 * (host/firmware.ts `ascFlags`, the one place they are written) with the
 * entry's folder as asc's base directory and no asconfig.json of the user's
 * project read, so the build is the same from any project. The abort handler
 * named by `--use abort=…` is compiled in from the project's node_modules/piwave,
 * or, without one, from the piwave that builds, under the name users' programs know it
 * by (`~lib/piwave/firmware/runtime/abort`), so a program that imports
 * piwave's library has the handler once. The result is cached under
 * <cache>/build/user/ and rebuilt only when a file the compiler read (the
 * entry, what it imports, piwave's runtime files), the flags or the compiler
 * version changed: asc's readFile hook records exactly which files those are.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { BoardName } from "./boards.js";
import { ROOT, type Variant, ascFlags, variantFlags, variantSuffix } from "./firmware.js";
import { FirmwareModuleError, checkFirmwareModule } from "./firmware-module.js";
import { writeFileAtomicSync } from "./fs-atomic.js";
import { buildCacheDir, resolvePackageDir } from "./paths.js";
import { status } from "./status.js";

/** Where the user's firmware comes from: exactly one of the two. */
export interface FirmwareSource {
  /** An AssemblyScript entry point (a .ts file exporting main()). */
  entry?: string;
  /** A prebuilt WebAssembly module. */
  wasm?: string;
}

export interface UserFirmware {
  /** The .wasm file (the cached build of an entry, or the user's file). */
  path: string;
  /** What the user named, for messages: the entry or the .wasm. */
  source: string;
  bytes: Uint8Array<ArrayBuffer>;
  /** Compiled and checked against the ABI. */
  module: WebAssembly.Module;
}

/**
 * The firmware chosen on the command line (`entry`, `wasm`) or, when neither
 * is given there, in the project file (already resolved against its folder).
 * Undefined: piwave's own player. Throws when both are given in one place.
 */
export function chooseFirmwareSource(given: FirmwareSource, project?: FirmwareSource): FirmwareSource | undefined {
  if (given.entry !== undefined && given.wasm !== undefined) throw new FirmwareModuleError("give --entry or --wasm, not both");
  if (given.entry !== undefined) return { entry: resolve(given.entry) };
  if (given.wasm !== undefined) return { wasm: resolve(given.wasm) };
  if (project?.entry !== undefined && project.wasm !== undefined) throw new FirmwareModuleError('the project file sets both "entry" and "wasm": keep one');
  if (project?.entry !== undefined) return { entry: project.entry };
  if (project?.wasm !== undefined) return { wasm: project.wasm };
  return undefined;
}

/**
 * A package directory that exists only for asc's readFile hook below: asc
 * looks for `piwave/…` there after the node_modules folders, and finds the
 * piwave that runs this build.
 */
const PACKAGES_DIR = resolve(sep, "piwave-packages.virtual");
/** The extra entry that puts piwave's abort handler into the program (the name asc is given; its text never touches the disk). */
const RUNTIME_ENTRY = "piwave-runtime.virtual.ts";
const RUNTIME_ENTRY_SOURCE = `import "piwave/firmware/runtime/abort";\n`;

function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function ascVersion(): string {
  return (JSON.parse(readFileSync(join(resolvePackageDir("assemblyscript"), "package.json"), "utf8")) as { version: string }).version;
}

interface Deps {
  key: string;
  files: Record<string, string>;
}

function upToDate(depsFile: string, key: string): boolean {
  if (!existsSync(depsFile)) return false;
  try {
    const deps = JSON.parse(readFileSync(depsFile, "utf8")) as Deps;
    if (deps.key !== key) return false;
    for (const [file, hash] of Object.entries(deps.files)) {
      if (!existsSync(file) || sha256(readFileSync(file)) !== hash) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Where the build of `entry` for `board` (and the build-time options `variant`) is cached. */
export function entryOutputPath(entry: string, board: BoardName, variant: Variant = {}): string {
  return join(buildCacheDir(), "user", sha256(resolve(entry)).slice(0, 16), `${board}${variantSuffix(variant)}.wasm`);
}

/**
 * Compile the AssemblyScript `entry` for `board` with piwave's settings
 * and the build-time options of `variant` (quality, feed, ramp length:
 * firmware/config.ts, for firmware on the library's AudioOutput), unless the
 * cached build is up to date. Returns the .wasm path.
 */
export async function compileEntry(entry: string, board: BoardName, opts: { out?: string; force?: boolean; variant?: Variant } = {}): Promise<{ path: string; rebuilt: boolean }> {
  const abs = resolve(entry);
  if (!existsSync(abs)) throw new FirmwareModuleError(`the firmware entry ${entry} does not exist: give the AssemblyScript file that exports main()`);
  const variant = opts.variant ?? {};
  const out = opts.out ?? entryOutputPath(abs, board, variant);
  const depsFile = out + ".deps.json";
  const baseDir = dirname(abs);
  // asconfig.base.json names piwave's abort handler as asc names a file of the package: ~lib/piwave/firmware/…
  // A one-line entry of our own imports it, so it is in every program, whether the user's code imports piwave's library or only the ABI;
  // it resolves to the project's node_modules/piwave when there is one, else (the extra package path) to the piwave running this build.
  const flags = [...ascFlags(board), ...variantFlags(variant), "--path", PACKAGES_DIR];
  const extraEntries: string[] = [RUNTIME_ENTRY];
  const key = sha256(JSON.stringify({ abs, board, flags, asc: ascVersion() }));
  if (!opts.force && existsSync(out) && upToDate(depsFile, key)) return { path: out, rebuilt: false };

  status(`compiling ${relative(process.cwd(), abs) || basename(abs)} for ${board} (AssemblyScript)`);
  const asc = await import("assemblyscript/asc");
  const read = new Map<string, string>();
  let stderr = "";
  let wasm: Uint8Array | undefined;
  const { error } = await asc.main([basename(abs), ...extraEntries, ...flags, "--baseDir", baseDir, "--outFile", "out.wasm"], {
    readFile: (name: string, dir: string) => {
      if (name === "asconfig.json" && dir === baseDir) return null; // the user's asconfig.json is for their editor and asc runs; piwave's flags apply here
      if (name === RUNTIME_ENTRY && dir === baseDir) return RUNTIME_ENTRY_SOURCE;
      let p = isAbsolute(name) ? name : resolve(dir, name);
      if (p.startsWith(PACKAGES_DIR + sep + "piwave" + sep)) p = join(ROOT, p.slice(PACKAGES_DIR.length + "piwave".length + 2));
      try {
        const text = readFileSync(p, "utf8");
        read.set(p, sha256(text));
        return text;
      } catch {
        return null;
      }
    },
    writeFile: (name: string, contents: Uint8Array | string) => {
      if (name.endsWith(".wasm") && typeof contents !== "string") wasm = contents;
    },
    stdout: { write: () => true } as never,
    stderr: {
      write: (s: string | Uint8Array) => {
        stderr += typeof s === "string" ? s : Buffer.from(s).toString();
        return true;
      },
    } as never,
  });
  if (error || !wasm) {
    throw new FirmwareModuleError(`the AssemblyScript build of ${entry} for ${board} failed: ${error?.message ?? "no module written"}\n${stderr.trim()}`);
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileAtomicSync(out, wasm);
  writeFileAtomicSync(depsFile, JSON.stringify({ key, files: Object.fromEntries(read) } satisfies Deps, null, 1));
  return { path: out, rebuilt: true };
}

/** Read a .wasm file and check it against the ABI. */
export function loadWasmFile(path: string, name = path): UserFirmware {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FirmwareModuleError(`cannot read the firmware ${name}: ${code === "ENOENT" ? "no such file" : (code ?? (e as Error).message)}`);
  }
  return { path, source: name, bytes, module: checkFirmwareModule(bytes, name) };
}

/** The user's firmware for `board`: the entry compiled (if needed) or the .wasm read, and checked. */
export async function loadUserFirmware(src: FirmwareSource, board: BoardName, variant: Variant = {}): Promise<UserFirmware> {
  const name = relative(process.cwd(), src.entry ?? src.wasm ?? "") || (src.entry ?? src.wasm ?? "");
  if (src.entry !== undefined) {
    // The build-time options (--quality, --feed, --ramp) of a firmware on the library's AudioOutput.
    const { path } = await compileEntry(src.entry, board, { variant });
    return loadWasmFile(path, name);
  }
  if (src.wasm !== undefined) return loadWasmFile(resolve(src.wasm), name);
  throw new FirmwareModuleError("no firmware given: an entry (.ts) or a .wasm");
}

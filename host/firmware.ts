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
import type { BoardName } from "./boards.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const FIRMWARE_DIR = join(ROOT, "firmware");
export const BUILD_DIR = join(ROOT, "build");

export function firmwarePath(board: BoardName): string {
  return join(BUILD_DIR, "firmware", `${board}.wasm`);
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

function sourceHash(board: BoardName): string {
  const h = createHash("sha256");
  h.update(board);
  const ascPkg = JSON.parse(readFileSync(join(ROOT, "node_modules/assemblyscript/package.json"), "utf8")) as { version: string };
  h.update(ascPkg.version);
  for (const f of [join(ROOT, "asconfig.json"), ...sourceFiles(FIRMWARE_DIR)]) {
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

/** Compile the firmware for `board` unless an up-to-date build exists. */
export async function buildFirmware(board: BoardName, opts: { force?: boolean } = {}): Promise<BuildResult> {
  const out = firmwarePath(board);
  const hashFile = out + ".hash";
  const hash = sourceHash(board);
  const t0 = performance.now();
  if (!opts.force && existsSync(out) && existsSync(hashFile) && readFileSync(hashFile, "utf8") === hash) {
    return { path: out, rebuilt: false, ms: performance.now() - t0 };
  }
  mkdirSync(dirname(out), { recursive: true });
  const asc = await import("assemblyscript/asc");
  let stderr = "";
  const { error } = await asc.main(["--config", join(ROOT, "asconfig.json"), "--target", board, "--baseDir", ROOT], {
    stdout: { write: () => true } as never,
    stderr: {
      write: (s: string | Uint8Array) => {
        stderr += typeof s === "string" ? s : Buffer.from(s).toString();
        return true;
      },
    } as never,
  });
  if (error) throw new Error(`firmware build for ${board} failed: ${error.message}\n${stderr}`);
  writeFileSync(hashFile, hash);
  return { path: out, rebuilt: true, ms: performance.now() - t0 };
}

export function loadFirmware(board: BoardName): Uint8Array<ArrayBuffer> {
  const p = firmwarePath(board);
  if (!existsSync(p)) throw new Error(`no firmware build at ${relative(process.cwd(), p)}: run \`piwave firmware --board ${board}\``);
  return new Uint8Array(readFileSync(p));
}

/**
 * Prebuilt firmware and kernel8.img for piwave's own player, shipped in the
 * published package so that a user's first build of a new song starts no
 * compiler (no asc, wasm2c, clang or ld.lld: a first build is then the song's
 * conversion and nothing else, and the Debian compilers are needed only for
 * changed or user firmware).
 *
 * Made at pack time (`npm pack` / `npm publish` run `prepack`, which calls
 * {@link makePrebuilt}); never committed, and removed again by `postpack`, so
 * a checkout always builds from its sources. Layout, content-addressed:
 *   prebuilt/firmware/<source hash>.wasm   the hash host/firmware.ts computes
 *       over board, flags and every firmware source (not asc's version: the
 *       module is complete), so a prebuilt module is used only for exactly
 *       the sources it was made from;
 *   prebuilt/kernel/<key>/kernel8.img + sizes.json   the key covers the
 *       firmware's bytes, every file of boot/, the compiler and linker flags
 *       (not the packer's tools: the image is complete, it needs none of the
 *       user's). sizes.json records the image's SHA-256; an image that does
 *       not match it is ignored (and the kernel is built as usual).
 * The package may be read-only: these files are only ever read, or copied
 * (atomically) into the user's cache.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BoardName, Quality } from "./boards.js";
import { writeFileAtomicSync } from "./fs-atomic.js";
import { packagePath } from "./paths.js";

/** The folder in the package (absent in a checkout). */
export function prebuiltDir(): string {
  return process.env.PIWAVE_PREBUILT_DIR || packagePath("prebuilt");
}

/** The prebuilt module made from sources with hash `sourceHash`, or undefined. */
export function prebuiltWasm(sourceHash: string): Uint8Array | undefined {
  if (!/^[0-9a-f]{64}$/.test(sourceHash)) return undefined;
  try {
    return new Uint8Array(readFileSync(join(prebuiltDir(), "firmware", `${sourceHash}.wasm`)));
  } catch {
    return undefined;
  }
}

/** What sizes.json of a prebuilt (or cached) kernel holds. */
export interface PrebuiltKernelInfo {
  imageBytes: number;
  sha256: string;
  sizes: { firmware: number; wasmRuntime: number; glue: number; other: number };
  steps: Record<string, number>;
}

/** The prebuilt kernel8.img with key `key` and its record, when present and whole. */
export function prebuiltKernel(key: string): { image: string; info: PrebuiltKernelInfo } | undefined {
  if (!/^[0-9a-f]{64}$/.test(key)) return undefined;
  const dir = join(prebuiltDir(), "kernel", key);
  try {
    const info = JSON.parse(readFileSync(join(dir, "sizes.json"), "utf8")) as PrebuiltKernelInfo;
    const image = join(dir, "kernel8.img");
    const bytes = readFileSync(image);
    if (bytes.length !== info.imageBytes || createHash("sha256").update(bytes).digest("hex") !== info.sha256) return undefined;
    return { image, info };
  } catch {
    return undefined;
  }
}

/** The player builds a package carries: every board, quality and feed (dither is gone; ramps and exact mode are tests' options). */
export const PREBUILT_VARIANTS: { board: BoardName; quality: Quality; feed: "poll" | "dma" }[] = (["pi4", "pi3"] as const).flatMap((board) =>
  (["plain", "shaped"] as const).flatMap((quality) => (["poll", "dma"] as const).map((feed) => ({ board, quality, feed }))),
);

/**
 * Build every {@link PREBUILT_VARIANTS} with the local tools into `dest`
 * (default: the package's prebuilt/), replacing it whole. Uses a private
 * cache, so the developer's own cache neither helps nor is touched.
 */
export async function makePrebuilt(
  o: { dest?: string; variants?: typeof PREBUILT_VARIANTS; log?: (line: string) => void } = {},
): Promise<{ dest: string; variants: number }> {
  const variants = o.variants ?? PREBUILT_VARIANTS;
  const dest = o.dest ?? packagePath("prebuilt");
  const work = mkdtempSync(join(tmpdir(), "piwave-prebuilt-"));
  const saved = process.env.PIWAVE_CACHE_DIR;
  const savedPrebuilt = process.env.PIWAVE_PREBUILT_DIR;
  process.env.PIWAVE_CACHE_DIR = join(work, "cache");
  process.env.PIWAVE_PREBUILT_DIR = join(work, "none"); // never build from an older prebuilt set
  try {
    const { buildFirmware, prebuiltFirmwareKey } = await import("./firmware.js");
    const { buildKernel, portableKernelKey } = await import("./kernel.js");
    const staged = join(work, "prebuilt");
    mkdirSync(join(staged, "firmware"), { recursive: true });
    mkdirSync(join(staged, "kernel"), { recursive: true });
    for (const v of variants) {
      const variant = { quality: v.quality, feed: v.feed };
      const t0 = performance.now();
      const fw = await buildFirmware(v.board, { variant });
      const hash = prebuiltFirmwareKey(v.board, variant);
      const wasm = readFileSync(fw.path);
      writeFileAtomicSync(join(staged, "firmware", `${hash}.wasm`), wasm);
      const k = await buildKernel({ board: v.board, variant, wasmPath: fw.path, cacheDir: join(work, "cache") });
      const key = portableKernelKey({ board: v.board }, wasm);
      const kdir = join(staged, "kernel", key);
      mkdirSync(kdir, { recursive: true });
      const image = readFileSync(k.image);
      writeFileAtomicSync(join(kdir, "kernel8.img"), image);
      const info: PrebuiltKernelInfo = { imageBytes: image.length, sha256: createHash("sha256").update(image).digest("hex"), sizes: k.sizes, steps: k.steps };
      writeFileAtomicSync(join(kdir, "sizes.json"), JSON.stringify(info, null, 2) + "\n");
      o.log?.(`prebuilt ${v.board} ${v.quality}/${v.feed}: ${image.length} bytes (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
    // Replace the old set whole: a reader sees the old one or the new one.
    const old = `${dest}.old-${process.pid}`;
    const next = `${dest}.new-${process.pid}`;
    rmSync(next, { recursive: true, force: true });
    cpSync(staged, next, { recursive: true });
    if (existsSync(dest)) renameSync(dest, old);
    renameSync(next, dest);
    rmSync(old, { recursive: true, force: true });
    return { dest, variants: variants.length };
  } finally {
    if (saved === undefined) delete process.env.PIWAVE_CACHE_DIR;
    else process.env.PIWAVE_CACHE_DIR = saved;
    if (savedPrebuilt === undefined) delete process.env.PIWAVE_PREBUILT_DIR;
    else process.env.PIWAVE_PREBUILT_DIR = savedPrebuilt;
    rmSync(work, { recursive: true, force: true });
  }
}

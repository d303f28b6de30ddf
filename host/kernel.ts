/**
 * Building kernel8.img: firmware .wasm → wasm2c (C) → clang (freestanding
 * aarch64) with the runtime in boot/ → ld.lld → llvm-objcopy.
 *
 * The music is not part of it: the GPU firmware loads the music as its own
 * file (boot/music.c, docs/memory-map.md), so kernel8.img depends only on
 * the board, the firmware build (quality, feed, dither) and the runtime.
 *
 * Content-addressed and shared safely between concurrent builds:
 *   <cache>/kernel/obj/<sha256>.o        one object per compile; the key
 *       covers clang's identity, the flags, the source and every header it
 *       includes (transitively), so an unchanged file is never recompiled;
 *   <cache>/kernel/img/<sha256>/         kernel8.img + sizes.json; the key
 *       covers the firmware's bytes, every runtime file, the flags and the
 *       tools' identities, so a build whose firmware and runtime did not
 *       change starts no tool at all.
 * Every cache entry is written to a temporary name and renamed into place,
 * so a reader sees a whole entry or none. Intermediate files go to a private
 * work directory per run, removed afterwards (also on an interrupt).
 * Children run in their own process group (host/child-process.ts) and end
 * with the build's AbortSignal.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from "node:fs";
import { delimiter, dirname, join, relative } from "node:path";
import type { BoardName } from "./boards.js";
import { runChild } from "./child-process.js";
import { ROOT, type Variant, buildFirmware } from "./firmware.js";
import { removeAbandoned, writeFileAtomicSync } from "./fs-atomic.js";
import { onCleanup } from "./interrupt.js";
import { prebuiltKernel } from "./prebuilt.js";
import { MUSIC_FILE, clangDefines, linkerDefines, memoryMap } from "./memory-map.js";
import { TOOLS, requireTool } from "./tools.js";

export const BOOT_DIR = join(ROOT, "boot");
const RUNTIME_SOURCES = ["start.S", "vectors.S", "setjmp.S", "uart.c", "libc.c", "mmu.c", "exceptions.c", "music.c", "abi.c", "main.c"];
const WASM_RT_DIR = "/usr/src/wasm2c";
/** Bump when the way objects or images are made changes in a way the keys do not see. */
const CACHE_FORMAT = 1;

export interface KernelOptions {
  board: BoardName;
  /** A .wasm other than the board's firmware (test firmwares). */
  wasmPath?: string;
  /** Firmware build options (quality, feed). */
  variant?: Variant;
  /** Exit QEMU through semihosting when the firmware halts (never for a real Pi). */
  qemuExit?: boolean;
  /** Print every MMIO access over the UART (see boot/abi.c). */
  mmioTrace?: boolean;
  /** Fault on purpose before the firmware runs, to test the exception report. */
  selftestException?: boolean;
  /** The content-addressed cache (objects and images); see the module doc. */
  cacheDir: string;
  /** Aborting stops the build: children are killed, nothing is added to the cache. */
  signal?: AbortSignal;
  /** Told before each step that starts a program (for a progress line). */
  onStep?: (step: string) => void;
}

export interface SizeSplit {
  /** The AOT-translated firmware (app.o). */
  firmware: number;
  /** wasm2c's runtime (wasm-rt-impl.o). */
  wasmRuntime: number;
  /** piwave's own runtime files in boot/. */
  glue: number;
  /** Padding and anything else in the image. */
  other: number;
}

export interface KernelResult {
  /** kernel8.img inside the cache: read it or copy it, never change it. */
  image: string;
  imageBytes: number;
  sizes: SizeSplit;
  /** Wall time of each step in ms (of the build that made the image, plus this one's lookups). */
  steps: Record<string, number>;
  /** The image came from the cache or the package's prebuilt set: no program was started. */
  fromCache: boolean;
  /** It is the package's prebuilt image (host/prebuilt.ts). */
  prebuilt?: boolean;
  /** How many objects were compiled now (the rest came from the cache). */
  compiled: number;
  /** The image's cache key. */
  key: string;
}

async function timed<T>(steps: Record<string, number>, name: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    steps[name] = (steps[name] ?? 0) + performance.now() - t0;
  }
}

async function run(cmd: string, args: string[], what: string, signal: AbortSignal | undefined): Promise<void> {
  let r;
  try {
    r = await runChild(cmd, args, { cwd: ROOT, signal });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new Error(`${what} failed: could not start ${cmd}: ${(e as Error).message}`);
  }
  if (r.code !== 0) throw new Error(`${what} failed: ${cmd} ${args.join(" ")}\n${r.stderr || r.stdout || `exit ${r.code ?? r.signal}`}`);
}

/**
 * What identifies an installed program without starting anything: the
 * first of its names found on PATH, resolved, with size and modification
 * time (a package upgrade changes them). Undefined when it is not installed.
 */
function toolIdentity(names: readonly string[]): string | undefined {
  for (const name of names) {
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      if (!dir) continue;
      try {
        const real = realpathSync(join(dir, name));
        const s = statSync(real);
        if (s.isFile()) return `${name}=${real}:${s.size}:${s.mtimeMs}`;
      } catch {
        /* not in this directory */
      }
    }
  }
  return undefined;
}

const KERNEL_TOOLS = ["clang", "lld", "objcopy", "wasm2c"] as const;

/** The tools' identities; a missing tool is reported the usual way (how to install it). */
function toolIdentities(): Record<(typeof KERNEL_TOOLS)[number], string> {
  const out = {} as Record<(typeof KERNEL_TOOLS)[number], string>;
  for (const t of KERNEL_TOOLS) {
    const id = toolIdentity(TOOLS[t].names);
    if (id === undefined) requireTool(t); // throws MissingToolError with the install hint
    out[t] = id ?? t;
  }
  return out;
}

const sha256 = (...parts: (string | Uint8Array)[]) => {
  const h = createHash("sha256");
  for (const p of parts) {
    h.update(typeof p === "string" ? `${p.length}:${p}` : p);
    h.update("\0");
  }
  return h.digest("hex");
};

/** Every file of a directory (not recursive into other trees), sorted, as name + bytes. */
function directoryDigest(dir: string): string {
  const h = createHash("sha256");
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        h.update(relative(dir, p));
        h.update("\0");
        h.update(readFileSync(p));
        h.update("\0");
      }
    }
  };
  walk(dir);
  return h.digest("hex");
}

/**
 * The source plus every header it includes, transitively, found in the
 * include directories (headers clang finds elsewhere are its own: covered by
 * its identity).
 */
function includeClosure(source: string, includeDirs: string[]): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "latin1");
    for (const m of text.matchAll(/^\s*#\s*include\s*[<"]([^">]+)[">]/gm)) {
      const name = m[1]!;
      for (const d of [dirname(file), ...includeDirs]) {
        const p = join(d, name);
        if (existsSync(p) && statSync(p).isFile()) {
          visit(p);
          break;
        }
      }
    }
  };
  visit(source);
  return [...seen].sort();
}

/** Sum the loadable input-section sizes per object file from an ld.lld map. */
function sizesFromMap(map: string): Map<string, number> {
  const per = new Map<string, number>();
  let loadable = false;
  for (const line of map.split("\n")) {
    // "     VMA              LMA     Size Align Out     In      Symbol"
    const m = line.match(/^\s*([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+\d+\s(\s*)(\S.*)$/);
    if (!m) continue;
    const indent = m[4]!.length;
    const what = m[5]!;
    if (indent === 0) {
      loadable = /^\.(text|rodata|data)\b/.test(what);
      continue;
    }
    if (!loadable || indent > 8) continue;
    const obj = what.match(/([\w.-]+\.o):\(/);
    if (!obj) continue;
    per.set(obj[1]!, (per.get(obj[1]!) ?? 0) + parseInt(m[3]!, 16));
  }
  return per;
}

/** Remove the work directories (`.work-<pid>-…`) of builds that were killed outright (their process is gone). */
function removeAbandonedWork(cacheRoot: string): void {
  removeAbandoned(cacheRoot, (name) => Number(name.match(/^\.work-(\d+)-/)?.[1]) || undefined);
}

/** Move a finished directory into the cache under `final`; a concurrent build may have put an identical one there first. */
function publishDir(tmp: string, final: string): void {
  try {
    renameSync(tmp, final);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if ((code === "ENOTEMPTY" || code === "EEXIST") && existsSync(join(final, "kernel8.img"))) {
      rmSync(tmp, { recursive: true, force: true });
      return;
    }
    throw e;
  }
}

interface CachedImage {
  imageBytes: number;
  sizes: SizeSplit;
  steps: Record<string, number>;
}

/**
 * How wasm2c's code checks linear-memory accesses in kernel8.img: by the MMU
 * (boot/mmu.c maps linear memory before an unmapped 16 GiB range; a fault
 * there is the wasm trap, boot/exceptions.c), not by a compare before every
 * load and store: half the instructions. The call depth is still counted
 * (no guard page under the stack). bench/cpu.ts compiles the firmware's C with
 * the same definitions (its host equivalent is an mmap and a SIGSEGV handler).
 */
export const MEMORY_CHECK_DEFINES = ["-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=1", "-DWASM_RT_SKIP_SIGNAL_RECOVERY=1", "-DWASM_RT_USE_STACK_DEPTH_COUNT=1"];

export function compilerFlags(o: Pick<KernelOptions, "board" | "qemuExit" | "mmioTrace" | "selftestException">, workDir: string): string[] {
  const flags = [
    "--target=aarch64-none-elf",
    "-mcpu=cortex-a53", // runs on the Pi 3's A53 and the Pi 4's A72
    "-O2",
    "-ffreestanding",
    "-nostdlibinc",
    "-fno-math-errno",
    "-fno-stack-protector",
    "-fno-pic",
    "-mcmodel=small",
    "-ffunction-sections",
    "-fdata-sections",
    // Objects are cached by content: keep the work directory's name out of them.
    `-ffile-prefix-map=${workDir}=.`,
    "-Wall",
    "-Wno-unused-function",
    "-Wno-unused-variable",
    `-I${join(BOOT_DIR, "include")}`,
    `-I${BOOT_DIR}`,
    `-I${WASM_RT_DIR}`,
    `-I${workDir}`,
    ...MEMORY_CHECK_DEFINES,
    `-DPIWAVE_BOARD=${o.board === "pi4" ? 4 : 3}`,
    ...clangDefines(memoryMap(o.board)),
    `-DPIWAVE_MUSIC_FILE="${MUSIC_FILE}"`,
  ];
  if (o.qemuExit) flags.push("-DPIWAVE_QEMU_EXIT");
  if (o.mmioTrace) flags.push("-DPIWAVE_MMIO_TRACE");
  if (o.selftestException) flags.push("-DPIWAVE_SELFTEST_EXCEPTION");
  return flags;
}

/**
 * The key of a prebuilt kernel8.img (host/prebuilt.ts): the firmware's bytes,
 * every file of boot/ and the flags, not the tools (the image needs none).
 */
export function portableKernelKey(o: Pick<KernelOptions, "board" | "qemuExit" | "mmioTrace" | "selftestException">, wasmBytes: Uint8Array): string {
  // Where the package is installed does not matter: its path is taken out of the flags.
  const flags = compilerFlags(o, "<work>").map((f) => f.split(ROOT).join("<package>"));
  return sha256(`piwave prebuilt kernel ${CACHE_FORMAT}`, flags.join(" "), linkerDefines(memoryMap(o.board)).join(" "), directoryDigest(BOOT_DIR), wasmBytes);
}

export async function buildKernel(o: KernelOptions): Promise<KernelResult> {
  const steps: Record<string, number> = {};
  const signal = o.signal;
  const wasm = o.wasmPath ?? (await timed(steps, "asc (firmware → wasm)", () => buildFirmware(o.board, { variant: o.variant, signal }))).path;
  signal?.throwIfAborted();
  const wasmBytes = readFileSync(wasm);

  // piwave's own player, exactly as the package was made: its prebuilt image (no tool needed at all).
  const portable = portableKernelKey(o, wasmBytes);
  const pre = prebuiltKernel(portable);
  if (pre) return { image: pre.image, imageBytes: pre.info.imageBytes, sizes: pre.info.sizes, steps, fromCache: true, prebuilt: true, compiled: 0, key: portable };

  // Identified without starting anything, so a cache hit starts no process at all.
  const ids = toolIdentities();
  const tools = KERNEL_TOOLS.map((t) => ids[t]).join("\n");
  // Flags with a fixed work directory name: the real one differs per run and is mapped away.
  const keyFlags = compilerFlags(o, "<work>");
  const map = memoryMap(o.board);
  const key = sha256(`piwave kernel ${CACHE_FORMAT}`, tools, keyFlags.join(" "), linkerDefines(map).join(" "), directoryDigest(BOOT_DIR), directoryDigest(WASM_RT_DIR), wasmBytes);

  const cacheRoot = join(o.cacheDir, "kernel");
  const imgDir = join(cacheRoot, "img", key);
  const image = join(imgDir, "kernel8.img");
  if (existsSync(image) && existsSync(join(imgDir, "sizes.json"))) {
    const c = JSON.parse(readFileSync(join(imgDir, "sizes.json"), "utf8")) as CachedImage;
    return { image, imageBytes: c.imageBytes, sizes: c.sizes, steps: { ...c.steps, ...steps }, fromCache: true, compiled: 0, key };
  }

  mkdirSync(join(cacheRoot, "obj"), { recursive: true });
  mkdirSync(join(cacheRoot, "img"), { recursive: true });
  removeAbandonedWork(cacheRoot);
  // A private work directory inside the cache (same filesystem: the finished image is renamed into place).
  const work = mkdtempSync(join(cacheRoot, `.work-${process.pid}-`));
  const unregister = onCleanup(() => rmSync(work, { recursive: true, force: true }));
  try {
    const clang = requireTool("clang");
    const lld = requireTool("lld");
    const objcopy = requireTool("objcopy");
    const wasm2c = requireTool("wasm2c");
    o.onStep?.("translating the firmware to C (wasm2c)");
    await timed(steps, "wasm2c (wasm → C)", () => run(wasm2c, [wasm, "-n", "app", "-o", join(work, "app.c")], "wasm2c", signal));

    const flags = compilerFlags(o, work);
    const includeDirs = [join(BOOT_DIR, "include"), BOOT_DIR, WASM_RT_DIR, work];
    const units: { obj: string; args: string[]; source: string }[] = [
      ...RUNTIME_SOURCES.map((f) => ({ obj: join(work, f.replace(/\.[cS]$/, ".o")), args: [join(BOOT_DIR, f)], source: join(BOOT_DIR, f) })),
      // boot/abi.c wraps memory.grow with the sandbox's bounds (wasm2c's own computes the size in 32 bits).
      { obj: join(work, "wasm-rt-impl.o"), args: ["-Dwasm_rt_grow_memory=wasm_rt_grow_memory_unchecked", join(WASM_RT_DIR, "wasm-rt-impl.c")], source: join(WASM_RT_DIR, "wasm-rt-impl.c") },
      { obj: join(work, "app.o"), args: [join(work, "app.c")], source: join(work, "app.c") },
    ];
    const clangId = ids.clang;
    const pending: { obj: string; args: string[]; cached: string }[] = [];
    for (const u of units) {
      const files = includeClosure(u.source, includeDirs);
      const args = u.args.map((x) => (x.startsWith(work) ? relative(work, x) : x)).join(" ");
      const objKey = sha256(`piwave object ${CACHE_FORMAT}`, clangId, keyFlags.join(" "), args, ...files.flatMap((f) => [f.startsWith(work) ? relative(work, f) : f, readFileSync(f)]));
      const cached = join(cacheRoot, "obj", `${objKey}.o`);
      if (existsSync(cached)) writeFileAtomicSync(u.obj, readFileSync(cached));
      else pending.push({ obj: u.obj, args: u.args, cached });
    }
    if (pending.length) {
      o.onStep?.(`compiling ${pending.length} of ${units.length} runtime and firmware files (clang)`);
      await timed(steps, "clang (C → objects)", async () => {
        // Two at a time: a small machine has two cores; app.c is the long one.
        const queue = [...pending].sort((a) => (a.obj.endsWith("app.o") ? -1 : 1));
        const worker = async () => {
          for (let u = queue.shift(); u; u = queue.shift()) {
            await run(clang, [...flags, "-c", ...u.args, "-o", u.obj], `compiling ${relative(ROOT, u.args.at(-1)!)}`, signal);
            writeFileAtomicSync(u.cached, readFileSync(u.obj));
          }
        };
        await Promise.all([worker(), worker()]);
      });
    }

    const elf = join(work, "kernel8.elf");
    const out = join(work, "img");
    mkdirSync(out);
    const mapFile = join(work, "kernel8.map");
    o.onStep?.("linking kernel8.img (ld.lld)");
    await timed(steps, "ld.lld + objcopy", async () => {
      await run(lld, ["-T", join(BOOT_DIR, "link.ld"), ...linkerDefines(map), "-nostdlib", "--gc-sections", "-Map", mapFile, ...units.map((u) => u.obj), "-o", elf], "linking", signal);
      await run(objcopy, ["-O", "binary", elf, join(out, "kernel8.img")], "objcopy", signal);
    });

    const per = sizesFromMap(readFileSync(mapFile, "utf8"));
    const imageBytes = statSync(join(out, "kernel8.img")).size;
    const firmware = per.get("app.o") ?? 0;
    const wasmRuntime = per.get("wasm-rt-impl.o") ?? 0;
    let glue = 0;
    for (const [obj, n] of per) if (!["app.o", "wasm-rt-impl.o"].includes(obj)) glue += n;
    const sizes = { firmware, wasmRuntime, glue, other: imageBytes - firmware - wasmRuntime - glue };
    writeFileAtomicSync(join(out, "sizes.json"), JSON.stringify({ imageBytes, sizes, steps } satisfies CachedImage, null, 2));
    signal?.throwIfAborted();
    publishDir(out, imgDir);
    return { image, imageBytes, sizes, steps, fromCache: false, compiled: pending.length, key };
  } finally {
    rmSync(work, { recursive: true, force: true });
    unregister();
  }
}

/**
 * Building kernel8.img: firmware .wasm → wasm2c (C) → clang (freestanding
 * aarch64) with the runtime in boot/ → ld.lld → llvm-objcopy. The asset
 * bundle is linked in as a blob by boot/bundle.S (.incbin), never as wasm
 * data. Each step is timed; the link map gives the size split.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import type { BoardName } from "./boards.js";
import { ROOT, type Variant, buildFirmware } from "./firmware.js";
import { requireTool } from "./tools.js";

const exec = promisify(execFile);
export const BOOT_DIR = join(ROOT, "boot");
const RUNTIME_SOURCES = ["start.S", "vectors.S", "setjmp.S", "uart.c", "libc.c", "mmu.c", "exceptions.c", "abi.c", "main.c"];
const WASM_RT_DIR = "/usr/src/wasm2c";

export interface KernelOptions {
  board: BoardName;
  /** The asset bundle file to link in. */
  bundlePath: string;
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
  /** Where the intermediate files go (default build/kernel/<variant>). */
  workDir?: string;
}

export interface SizeSplit {
  /** The AOT-translated firmware (app.o). */
  firmware: number;
  /** wasm2c's runtime (wasm-rt-impl.o). */
  wasmRuntime: number;
  /** piwave's own runtime files in boot/. */
  glue: number;
  /** The asset bundle. */
  assets: number;
  /** Padding and anything else in the image. */
  other: number;
}

export interface KernelResult {
  image: string;
  elf: string;
  imageBytes: number;
  sizes: SizeSplit;
  /** Wall time of each step in ms. */
  steps: Record<string, number>;
}

function variantName(o: KernelOptions): string {
  return [o.board, o.variant?.quality === "shaped" ? "shaped" : "", o.variant?.feed === "dma" ? "dma" : "", o.qemuExit ? "qemu" : "", o.mmioTrace ? "trace" : "", o.selftestException ? "selftest" : "", o.wasmPath ? "custom" : ""]
    .filter(Boolean)
    .join("-");
}

async function timed<T>(steps: Record<string, number>, name: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    steps[name] = (steps[name] ?? 0) + performance.now() - t0;
  }
}

async function run(cmd: string, args: string[], what: string): Promise<void> {
  try {
    await exec(cmd, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${what} failed: ${cmd} ${args.join(" ")}\n${err.stderr || err.message}`);
  }
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

export async function buildKernel(o: KernelOptions): Promise<KernelResult> {
  const clang = requireTool("clang");
  const lld = requireTool("lld");
  const objcopy = requireTool("objcopy");
  const wasm2c = requireTool("wasm2c");
  const steps: Record<string, number> = {};
  const work = o.workDir ?? join(ROOT, "build", "kernel", variantName(o));
  mkdirSync(work, { recursive: true });

  const wasm = o.wasmPath ?? (await timed(steps, "asc (firmware → wasm)", () => buildFirmware(o.board, { variant: o.variant }))).path;
  await timed(steps, "wasm2c (wasm → C)", () => run(wasm2c, [wasm, "-n", "app", "-o", join(work, "app.c")], "wasm2c"));

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
    "-Wall",
    "-Wno-unused-function",
    "-Wno-unused-variable",
    `-I${join(BOOT_DIR, "include")}`,
    `-I${BOOT_DIR}`,
    `-I${WASM_RT_DIR}`,
    `-I${work}`,
    "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0",
    `-DPIWAVE_BOARD=${o.board === "pi4" ? 4 : 3}`,
  ];
  if (o.qemuExit) flags.push("-DPIWAVE_QEMU_EXIT");
  if (o.mmioTrace) flags.push("-DPIWAVE_MMIO_TRACE");
  if (o.selftestException) flags.push("-DPIWAVE_SELFTEST_EXCEPTION");

  const units: [string, string[]][] = [
    ...RUNTIME_SOURCES.map((f): [string, string[]] => [join(work, f.replace(/\.[cS]$/, ".o")), [join(BOOT_DIR, f)]]),
    [join(work, "wasm-rt-impl.o"), [join(WASM_RT_DIR, "wasm-rt-impl.c")]],
    [join(work, "app.o"), [join(work, "app.c")]],
    [join(work, "bundle.o"), [`-DBUNDLE_FILE="${o.bundlePath.replace(/(["\\])/g, "\\$1")}"`, join(BOOT_DIR, "bundle.S")]],
  ];
  await timed(steps, "clang (C → objects)", async () => {
    // Two at a time: the machine has two cores; app.c is the long one.
    const queue = [...units].sort((a) => (a[0].endsWith("app.o") ? -1 : 1));
    const worker = async () => {
      for (let u = queue.shift(); u; u = queue.shift()) await run(clang, [...flags, "-c", ...u[1], "-o", u[0]], `compiling ${relative(ROOT, u[1].at(-1)!)}`);
    };
    await Promise.all([worker(), worker()]);
  });

  const elf = join(work, "kernel8.elf");
  const image = join(work, "kernel8.img");
  const mapFile = join(work, "kernel8.map");
  await timed(steps, "ld.lld + objcopy", async () => {
    await run(lld, ["-T", join(BOOT_DIR, "link.ld"), "-nostdlib", "--gc-sections", "-Map", mapFile, ...units.map((u) => u[0]), "-o", elf], "linking");
    await run(objcopy, ["-O", "binary", elf, image], "objcopy");
  });

  const per = sizesFromMap(readFileSync(mapFile, "utf8"));
  const imageBytes = statSync(image).size;
  const firmware = per.get("app.o") ?? 0;
  const wasmRuntime = per.get("wasm-rt-impl.o") ?? 0;
  const assets = per.get("bundle.o") ?? 0;
  let glue = 0;
  for (const [obj, n] of per) if (!["app.o", "wasm-rt-impl.o", "bundle.o"].includes(obj)) glue += n;
  const sizes = { firmware, wasmRuntime, glue, assets, other: imageBytes - firmware - wasmRuntime - glue - assets };
  writeFileSync(join(work, "sizes.json"), JSON.stringify({ imageBytes, sizes, steps }, null, 2));
  return { image, elf, imageBytes, sizes, steps };
}

/** Copy a built image and boot/config.txt into `dir` (e.g. dist/boot). */
export function installBootFiles(k: KernelResult, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const img = join(dir, "kernel8.img");
  const cfg = join(dir, "config.txt");
  copyFileSync(k.image, img);
  copyFileSync(join(BOOT_DIR, "config.txt"), cfg);
  return [img, cfg];
}

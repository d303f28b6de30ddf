/**
 * Benchmark: the firmware's CPU cost per second of audio, per mode. The same
 * wasm2c C that goes into kernel8.img is compiled natively for this machine
 * (bench/native/runner.c stubs the hardware so the firmware never waits)
 * and timed with the process CPU clock.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BOARDS, frameRateMilliHz } from "../host/boards.js";
import { encodeBundle } from "../host/bundle.js";
import { ROOT, type Variant, buildFirmware } from "../host/firmware.js";
import { requireTool } from "../host/tools.js";
import { buildCacheDir } from "../host/paths.js";
import { MEMORY_CHECK_DEFINES } from "../host/kernel.js";

export interface CpuFigure {
  label: string;
  /** CPU seconds per second of audio (0.05 = 5 % of one core). */
  fraction: number;
}

export async function benchCpu(seconds = 10): Promise<CpuFigure[]> {
  const clang = requireTool("clang");
  const wasm2c = requireTool("wasm2c");
  const dir = join(buildCacheDir(), "bench", "cpu");
  mkdirSync(dir, { recursive: true });
  const out: CpuFigure[] = [];
  const modes: [string, Variant][] = [
    ["plain, FIFO polling", {}],
    ["plain, DMA", { feed: "dma" }],
    ["shaped, DMA", { quality: "shaped", feed: "dma" }],
  ];
  for (const [label, v] of modes) {
    const q = v.quality ?? "plain";
    const rate = frameRateMilliHz(BOARDS.pi4, q);
    const n = Math.round((seconds * rate) / 1000);
    const pcm = new Int16Array(n * 2);
    for (let i = 0; i < n; i++) {
      pcm[2 * i] = Math.round(20000 * Math.sin((2 * Math.PI * 1000 * i * 1000) / rate));
      pcm[2 * i + 1] = Math.round(15000 * Math.sin((2 * Math.PI * 440 * i * 1000) / rate));
    }
    const bundlePath = join(dir, `${q}.pwb`);
    writeFileSync(bundlePath, encodeBundle([{ name: "cpu", rateMilliHz: rate, pcm }]));
    const wasm = (await buildFirmware("pi4", { variant: v })).path;
    const work = join(dir, label.replace(/\W+/g, "-"));
    mkdirSync(work, { recursive: true });
    const c = join(work, "app.c");
    execFileSync(wasm2c, [wasm, "-n", "app", "-o", c]);
    const exe = join(work, "runner");
    execFileSync(clang, ["-O2", "-I/usr/src/wasm2c", `-I${work}`, "-o", exe, c, "/usr/src/wasm2c/wasm-rt-impl.c", join(ROOT, "bench", "native", "runner.c"), "-lm", "-w"], { stdio: "pipe" });
    const res = execFileSync(exe, [bundlePath], { encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "pipe"] });
    const m = res.match(/cpu_seconds=([\d.]+) frames=(\d+) halt=0/);
    if (!m) throw new Error(`cpu benchmark ${label}: unexpected output ${res}`);
    out.push({ label, fraction: Number(m[1]) / (Number(m[2]) / (rate / 1000)) });
  }
  return out;
}

export interface InstructionFigure {
  label: string;
  /** Instructions (callgrind's Ir) per second of audio, millions. */
  millionsPerSecond: number;
}

/**
 * Instructions per second of audio, counted by callgrind (deterministic,
 * unlike CPU time), on the firmware's wasm2c C compiled the way
 * kernel8.img compiles it: -O2, -fno-math-errno, and memory checked by the
 * MMU (host/kernel.ts MEMORY_CHECK_DEFINES: no compare per load or store;
 * here the host's mmap stands in for boot/mmu.c). "explicit checks" is the
 * same firmware with wasm2c's compare before every access, as kernel8.img
 * had it before. Counted on this machine's instruction set, not the
 * Cortex-A72's: a figure to compare builds with. The count covers start-up
 * too: two runs (`seconds` and twice that) and the difference per second
 * keeps only the steady state.
 */
export async function benchInstructions(seconds = 0.5): Promise<InstructionFigure[]> {
  const clang = requireTool("clang");
  const wasm2c = requireTool("wasm2c");
  const valgrind = "/usr/bin/valgrind";
  if (!existsSync(valgrind)) throw new Error("the instruction count needs valgrind (/usr/bin/valgrind): apt-get install valgrind");
  const dir = join(ROOT, "build", "bench", "callgrind");
  mkdirSync(dir, { recursive: true });
  const out: InstructionFigure[] = [];
  const kernelChecks = MEMORY_CHECK_DEFINES;
  const explicitChecks = ["-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0"];
  const modes: [string, Variant, string[]][] = [
    ["plain, DMA", { feed: "dma" }, kernelChecks],
    ["shaped, DMA", { quality: "shaped", feed: "dma" }, kernelChecks],
    ["shaped, DMA, explicit checks", { quality: "shaped", feed: "dma" }, explicitChecks],
  ];
  for (const [label, v, checks] of modes) {
    const q = v.quality ?? "plain";
    const rate = frameRateMilliHz(BOARDS.pi4, q);
    const wasm = (await buildFirmware("pi4", { variant: { ...v, rampMs: 1 } })).path;
    const work = join(dir, label.replace(/\W+/g, "-"));
    mkdirSync(work, { recursive: true });
    const c = join(work, "app.c");
    execFileSync(wasm2c, [wasm, "-n", "app", "-o", c]);
    const exe = join(work, "runner");
    execFileSync(
      clang,
      ["-O2", "-fno-math-errno", "-fno-stack-protector", ...checks, "-I/usr/src/wasm2c", `-I${work}`, "-o", exe, c, "/usr/src/wasm2c/wasm-rt-impl.c", join(ROOT, "bench", "native", "runner.c"), "-lm", "-w"],
      { stdio: "pipe" },
    );
    const count = (s: number): number => {
      const n = Math.round((s * rate) / 1000);
      const pcm = new Int16Array(n * 2);
      for (let i = 0; i < n; i++) {
        pcm[2 * i] = Math.round(20000 * Math.sin((2 * Math.PI * 1000 * i * 1000) / rate));
        pcm[2 * i + 1] = Math.round(15000 * Math.sin((2 * Math.PI * 440 * i * 1000) / rate));
      }
      const bundlePath = join(work, `${s}.pwb`);
      writeFileSync(bundlePath, encodeBundle([{ name: "cpu", rateMilliHz: rate, pcm }]));
      const outFile = join(work, `callgrind-${s}.out`);
      execFileSync(valgrind, ["--tool=callgrind", `--callgrind-out-file=${outFile}`, exe, bundlePath], { stdio: "pipe", timeout: 600_000 });
      const m = readFileSync(outFile, "utf8").match(/^(?:summary|totals): (\d+)/m);
      if (!m) throw new Error(`callgrind output ${outFile} has no summary line`);
      return Number(m[1]);
    };
    const a = count(seconds);
    const b = count(2 * seconds);
    out.push({ label, millionsPerSecond: (b - a) / seconds / 1e6 });
  }
  return out;
}

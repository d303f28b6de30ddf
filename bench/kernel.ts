/**
 * Benchmark: kernel8.img size and how it splits, the time of each build
 * step, and boot-to-first-sample under QEMU raspi3b.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BOARDS, type BoardName, frameRateMilliHz } from "../host/boards.js";
import { encodeBundle } from "../host/bundle.js";
import { ROOT, buildFirmware } from "../host/firmware.js";
import { type KernelResult, buildKernel } from "../host/kernel.js";
import { runQemu } from "../host/qemu.js";
import { buildCacheDir } from "../host/paths.js";

function silence(board: BoardName, seconds: number) {
  const rate = frameRateMilliHz(BOARDS[board]);
  return encodeBundle([{ name: "silence", rateMilliHz: rate, pcm: new Int16Array(Math.round((seconds * rate) / 1000) * 2) }]);
}

export async function benchKernel(board: BoardName): Promise<KernelResult> {
  const dir = join(buildCacheDir(), "bench");
  mkdirSync(dir, { recursive: true });
  // A cold build of every step: asc forced, an empty kernel cache.
  const asc = await buildFirmware(board, { force: true });
  const cacheDir = mkdtempSync(join(dir, `kernel-${board}-`));
  try {
    const k = await buildKernel({ board, cacheDir });
    k.steps["asc (firmware → wasm)"] = asc.ms;
    return k;
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

export interface BootTiming {
  /** Wall ms from starting QEMU to the firmware's first track line (first samples written). */
  msToFirstSample: number[];
  /** Firmware-reported boot lines before the first sample. */
  runs: number;
}

export async function benchQemuBoot(runs = 3): Promise<BootTiming> {
  const dir = join(buildCacheDir(), "bench");
  mkdirSync(dir, { recursive: true });
  const bundlePath = join(dir, "boot-pi3.pwb");
  writeFileSync(bundlePath, silence("pi3", 0.05));
  const k = await buildKernel({ board: "pi3", qemuExit: true, cacheDir: join(dir, "kernel-cache") });
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await runQemu({ image: k.image, music: bundlePath, timeoutSec: 30, untilDone: true });
    if (r.msToFirstTrack === null || r.haltCode !== 0) throw new Error(`QEMU boot benchmark failed: ${r.lines.join(" | ")}`);
    ms.push(r.msToFirstTrack);
  }
  return { msToFirstSample: ms, runs };
}

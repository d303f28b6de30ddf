/**
 * Benchmark: convert + crunch + image for a 3-minute stereo song that
 * ffmpeg generates here, cold (empty cache) and warm (unchanged audio).
 * The Raspberry Pi firmware files are stand-ins of the real sizes (they are
 * only copied; their content does not change the timing).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertFile } from "../host/audio/convert.js";
import { BOARDS } from "../host/boards.js";
import { encodeBundle } from "../host/bundle.js";
import { buildSdImage } from "../host/image.js";
import { configTxt } from "../host/config-txt.js";
import { buildKernel } from "../host/kernel.js";
import { packagePath } from "../host/paths.js";

export interface PipelineTiming {
  stepsMs: Record<string, number>;
  totalMs: number;
}

async function once(song: string, cacheDir: string, work: string, compareExact = false): Promise<PipelineTiming> {
  const steps: Record<string, number> = {};
  const t = async <T>(name: string, f: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    const r = await f();
    steps[name] = performance.now() - t0;
    return r;
  };
  const t0 = performance.now();
  const c = await t("convert", () => convertFile(song, { board: BOARDS.pi4, cacheDir }));
  const bundlePath = join(work, "bundle.pwb");
  // As `piwave build` does: the pre-compensation (fast setting, two threads) cached with the converted songs.
  await t("crunch (bundle)", () => writeFileSync(bundlePath, encodeBundle([{ name: c.name, rateMilliHz: c.rateMilliHz, pcm: c.pcm }], { cacheDir })));
  const k = await t("kernel8.img", () => buildKernel({ board: "pi4", cacheDir: join(work, "kernel") }));
  await t("SD image", async () => {
    const img = await buildSdImage([
      { name: "kernel8.img", data: new Uint8Array(readFileSync(k.image)) },
      { name: "config.txt", data: new TextEncoder().encode(configTxt("pi4")) },
      { name: "music.pwb", data: new Uint8Array(readFileSync(bundlePath)) },
      { name: "start4.elf", data: new Uint8Array(2_300_000) },
      { name: "fixup4.dat", data: new Uint8Array(5_400) },
    ]);
    writeFileSync(join(work, "piwave.img"), img);
  });
  const totalMs = performance.now() - t0;
  // For comparison, not in the total: the exact setting (`--precompensation exact`), uncached.
  if (compareExact) await t("crunch exact (not in total)", () => encodeBundle([{ name: c.name, rateMilliHz: c.rateMilliHz, pcm: c.pcm }], { precompensation: "exact" }));
  return { stepsMs: steps, totalMs };
}

export async function benchPipeline(): Promise<{ cold: PipelineTiming; warm: PipelineTiming }> {
  const dir = mkdtempSync(join(tmpdir(), "piwave-bench-"));
  try {
    const song = join(dir, "three-minutes.mp3");
    execFileSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=180", "-f", "lavfi", "-i", "anoisesrc=d=180:c=pink:r=44100:a=0.1", "-filter_complex", "[0][1]amerge=inputs=2", "-c:a", "libmp3lame", "-b:a", "192k", song]);
    const cacheDir = join(dir, "cache");
    const cold = await once(song, cacheDir, dir, true);
    const warm = await once(song, cacheDir, dir);
    return { cold, warm };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

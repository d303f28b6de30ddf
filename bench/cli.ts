/**
 * Whole-process figures, as a user meets them: `piwave --help`, `piwave build`
 * of a 3-minute song with a cold cache and again warm, and `piwave image`,
 * each a separate node process of the package's own bin/piwave.mjs (in an
 * installed package, that installation; in a clone, the compiled lib/).
 * Runs in a temporary directory with its own cache; the Raspberry Pi
 * firmware is a stand-in (plausible size and form), since only the time
 * matters here.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packagePath } from "../host/paths.js";

export interface CliFigures {
  /** Median wall ms of `piwave --help`, and every run. */
  help: { medianMs: number; runsMs: number[] };
  buildColdMs: number;
  buildWarmMs: number;
  imageMs: number;
}

function timeRun(args: string[], o: { cwd: string; env: NodeJS.ProcessEnv; bin: string }): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [o.bin, ...args], { cwd: o.cwd, env: o.env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`piwave ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

export async function benchCli(o: { runs?: number; bin?: string } = {}): Promise<CliFigures> {
  const bin = o.bin ?? packagePath("bin", "piwave.mjs");
  const dir = mkdtempSync(join(tmpdir(), "piwave-bench-cli-"));
  try {
    const env = { ...process.env, PIWAVE_CACHE_DIR: join(dir, "cache"), NO_COLOR: "1" };
    const run = { cwd: dir, env, bin };
    const runsMs: number[] = [];
    timeRun(["--help"], run); // the first start warms the file system cache
    for (let i = 0; i < Math.max(5, o.runs ?? 11); i++) runsMs.push(timeRun(["--help"], run));
    const sorted = [...runsMs].sort((a, b) => a - b);

    const song = join(dir, "three minutes.mp3");
    execFileSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=180", "-f", "lavfi", "-i", "sine=frequency=660:duration=180", "-filter_complex", "[0][1]amerge=inputs=2", "-c:a", "libmp3lame", "-b:a", "192k", song]);
    const fw = join(dir, "pi-firmware");
    mkdirSync(fw);
    const elf = new Uint8Array(2_200_000).fill(0x5a);
    elf.set([0x7f, 0x45, 0x4c, 0x46]);
    writeFileSync(join(fw, "start4.elf"), elf);
    writeFileSync(join(fw, "fixup4.dat"), new Uint8Array(5_400).fill(0x5a));
    const build = ["build", song, "--firmware-dir", fw];
    const buildColdMs = timeRun(build, run);
    const buildWarmMs = timeRun(build, run);
    const imageMs = timeRun(["image"], run);
    return { help: { medianMs: sorted[sorted.length >> 1]!, runsMs }, buildColdMs, buildWarmMs, imageMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

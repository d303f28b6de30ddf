/**
 * Whole-process figures, as a user meets them: `piwave --help`, `piwave build`
 * of a 3-minute song cold and warm, and `piwave image`, each a separate node
 * process of an installed piwave, each beside a floor measured in the same
 * run on the same files (what no such process can beat):
 *   --help        `node -e ''`: starting node itself;
 *   build, cold   ffmpeg decoding the same song to raw samples (no resampling);
 *   build, warm   `cp` of the boot files the build leaves;
 *   image         `cp` of the image's bytes, then `sync` of the copy (piwave
 *                 flushes what it writes).
 *
 * "Cold" is a user's first build of a new song with a freshly installed
 * package: the package as `npm pack` makes it (the prebuilt player included,
 * host/prebuilt.ts), extracted into a new project beside its dependencies, and
 * an empty user cache for every cold run. In a checkout the bench packs it
 * first (that takes a while: the pack builds the player for every board and
 * mode); in an installed package it uses that package. The Raspberry Pi
 * firmware is a stand-in (plausible size and form): only the time matters here.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../host/paths.js";

export interface Timed {
  medianMs: number;
  runsMs: number[];
}

export interface CliFigures {
  /** How the package under test was installed, and how long packing it took (ms; 0 when already installed). */
  install: { how: string; packMs: number };
  help: Timed;
  buildCold: Timed;
  buildWarm: Timed;
  image: Timed;
  /** A cold build without the prebuilt player (a checkout, or changed firmware sources): one run. */
  buildColdNoPrebuiltMs: number;
  floors: { node: Timed; ffmpegDecode: Timed; copyBootFiles: Timed; copyImage: Timed };
  song: { seconds: number; bytes: number };
  imageBytes: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

function timed(runs: number, f: (i: number) => void): Timed {
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f(i);
    runsMs.push(performance.now() - t0);
  }
  return { medianMs: median(runsMs), runsMs };
}

function run(cmd: string, args: string[], o: { cwd: string; env?: NodeJS.ProcessEnv }): void {
  const r = spawnSync(cmd, args, { cwd: o.cwd, env: o.env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status ?? r.signal}: ${r.stderr}`);
}

/** Is `root` a checkout (rather than an installed package)? */
function isCheckout(root: string): boolean {
  return existsSync(join(root, ".git")) || existsSync(join(root, "tsconfig.build.json"));
}

/**
 * The package as a user installs it, in `dir`/project/node_modules/piwave:
 * from a checkout, `npm pack`ed (prepack makes the prebuilt player) and
 * extracted, its dependencies beside it as npm hoists them; an installed
 * package is used where it is.
 */
function installed(dir: string): { bin: string; how: string; packMs: number } {
  if (!isCheckout(packageRoot)) return { bin: join(packageRoot, "bin", "piwave.mjs"), how: `the installed package in ${packageRoot}`, packMs: 0 };
  const t0 = performance.now();
  const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: packageRoot, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const packMs = performance.now() - t0;
  const tarball = join(dir, out.trim().split("\n").at(-1)!);
  const modules = join(dir, "project", "node_modules");
  mkdirSync(join(modules, "piwave"), { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", join(modules, "piwave"), "--strip-components=1"]);
  // Its dependencies, hoisted beside it (the checkout's installed ones: no registry needed).
  const deps = join(packageRoot, "node_modules");
  for (const name of readdirSync(deps)) {
    if (name === "piwave" || name.startsWith(".")) continue;
    symlinkSync(join(deps, name), join(modules, name));
  }
  if (!existsSync(join(modules, "piwave", "prebuilt"))) throw new Error("the packed package has no prebuilt player (prepack did not run?)");
  return { bin: join(modules, "piwave", "bin", "piwave.mjs"), how: "npm pack of this checkout, extracted into a new project", packMs };
}

export async function benchCli(o: { runs?: number } = {}): Promise<CliFigures> {
  const runs = Math.max(3, o.runs ?? 5);
  const dir = mkdtempSync(join(tmpdir(), "piwave-bench-cli-"));
  try {
    const inst = installed(dir);
    const project = join(dir, "project");
    mkdirSync(project, { recursive: true });
    const env = (cache: string) => ({ ...process.env, PIWAVE_CACHE_DIR: join(dir, cache), NO_COLOR: "1" });
    const piwave = (args: string[], cache: string) => run(process.execPath, [inst.bin, ...args], { cwd: project, env: env(cache) });

    // --help and its floor, interleaved so load changes hit both alike (the first of each warms the file cache).
    piwave(["--help"], "cache-help");
    run(process.execPath, ["-e", ""], { cwd: project });
    const helpRuns: number[] = [];
    const nodeRuns: number[] = [];
    for (let i = 0; i < Math.max(11, 2 * runs + 1); i++) {
      helpRuns.push(timed(1, () => piwave(["--help"], "cache-help")).medianMs);
      nodeRuns.push(timed(1, () => run(process.execPath, ["-e", ""], { cwd: project })).medianMs);
    }

    const song = join(project, "three minutes.mp3");
    execFileSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=180", "-f", "lavfi", "-i", "sine=frequency=660:duration=180", "-filter_complex", "[0][1]amerge=inputs=2", "-c:a", "libmp3lame", "-b:a", "192k", song]);
    const fw = join(dir, "pi-firmware");
    mkdirSync(fw);
    const elf = new Uint8Array(2_200_000).fill(0x5a);
    elf.set([0x7f, 0x45, 0x4c, 0x46]);
    writeFileSync(join(fw, "start4.elf"), elf);
    writeFileSync(join(fw, "fixup4.dat"), new Uint8Array(5_400).fill(0x5a));
    const build = ["build", song, "--firmware-dir", fw];

    // Cold: every run with an empty user cache; the floor decodes the same song.
    const raw = join(dir, "decoded.f32");
    const ffmpegDecode = timed(runs, () => run("ffmpeg", ["-nostdin", "-v", "error", "-y", "-i", song, "-f", "f32le", raw], { cwd: project }));
    rmSync(raw, { force: true });
    const buildCold = timed(runs, (i) => piwave(build, `cache-cold-${i}`));
    // Warm: the last cold run's cache.
    const warmCache = `cache-cold-${runs - 1}`;
    const buildWarm = timed(runs, () => piwave(build, warmCache));
    const boot = join(project, "dist", "boot");
    const copyBootFiles = timed(runs, (i) => run("cp", ["-r", boot, join(dir, `boot-copy-${i}`)], { cwd: project }));

    const image = timed(runs, () => piwave(["image"], warmCache));
    const img = join(project, "dist", "piwave.img");
    const imageBytes = statSync(img).size;
    const copyImage = timed(runs, (i) => {
      const to = join(dir, `image-copy-${i}.img`);
      run("cp", [img, to], { cwd: project });
      run("sync", [to], { cwd: project });
    });

    // Without the prebuilt player: what a checkout, or a changed firmware, costs the first time.
    const noPrebuilt = join(dir, "no-prebuilt");
    mkdirSync(noPrebuilt);
    const t0 = performance.now();
    run(process.execPath, [inst.bin, ...build, "--out-dir", join(dir, "out-no-prebuilt")], { cwd: project, env: { ...env("cache-no-prebuilt"), PIWAVE_PREBUILT_DIR: noPrebuilt } });
    const buildColdNoPrebuiltMs = performance.now() - t0;

    return {
      install: { how: inst.how, packMs: inst.packMs },
      help: { medianMs: median(helpRuns), runsMs: helpRuns },
      buildCold,
      buildWarm,
      image,
      buildColdNoPrebuiltMs,
      floors: { node: { medianMs: median(nodeRuns), runsMs: nodeRuns }, ffmpegDecode, copyBootFiles, copyImage },
      song: { seconds: 180, bytes: statSync(song).size },
      imageBytes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

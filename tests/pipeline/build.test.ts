/**
 * `piwave build` as users and scripts run it: real processes, real songs
 * made with ffmpeg, real clang, a real tmpfs that fills up, real signals.
 * Compilers and ffmpeg are watched through small shell wrappers put first on
 * PATH (or FFMPEG_PATH) that log each start and then run the real program.
 */
import { writeStandInFirmware } from "./pi-firmware.js";
import { execFile, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build, writeBootFiles } from "../../host/build.js";
import { decodeBundle } from "../../host/bundle.js";
import { firmwarePath } from "../../host/firmware.js";
import { applyCopy, planCopy } from "../../host/card-dir.js";
import { isTemporaryName } from "../../host/fs-atomic.js";
import { serve } from "./http.js";
import { ff } from "./media.js";
import { tempDir } from "../temp.js";

const exec = promisify(execFile);
const bin = new URL("../../bin/piwave.mjs", import.meta.url).pathname;
/** What a build printed on stderr apart from its status lines ("… compiling …": what a long step is doing). */
const problems = (stderr: string) => stderr.split("\n").filter((l) => l && !l.startsWith("… "));

const dir = tempDir("piwave-buildtest-");
const isRoot = process.getuid?.() === 0;
const mounts: string[] = [];

const which = (name: string) => execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();

/** A directory of wrappers for clang, ld.lld, llvm-objcopy and wasm2c that log "<tool> <pid> <args>" to `log`, then (clang only) `sleep` seconds, then run the real tool. */
function toolShims(name: string, log: string, sleep = 0): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const t of ["clang", "ld.lld", "llvm-objcopy", "wasm2c"]) {
    const real = which(t);
    const text = `#!/bin/sh\necho "${t} $$ $*" >> "${log}"\n${sleep && t === "clang" ? `sleep ${sleep}\n` : ""}exec "${real}" "$@"\n`;
    // Written once: a rewrite would change the wrapper's identity, which the kernel cache keys on.
    if (existsSync(join(d, t)) && readFileSync(join(d, t), "utf8") === text) continue;
    writeFileSync(join(d, t), text);
    chmodSync(join(d, t), 0o755);
  }
  return d;
}

/** An ffmpeg wrapper: logs each start; the probe (`-i FILE` with no output) sleeps first. */
function ffmpegShim(log: string, probeSleep: number): string {
  const p = join(dir, `ffmpeg-shim-${probeSleep}`);
  const real = which("ffmpeg");
  writeFileSync(
    p,
    `#!/bin/sh\necho "$$ $*" >> "${log}"\ncase "$*" in\n  *"-nostdin -i "*) case "$*" in *s16le*) ;; *) sleep ${probeSleep} ;; esac ;;\nesac\nexec "${real}" "$@"\n`,
  );
  chmodSync(p, 0o755);
  return p;
}

async function piwave(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await exec(process.execPath, [bin, ...args], { timeout: 240_000, env: { ...process.env, NO_COLOR: "1", ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    return e as { code: number; stdout: string; stderr: string };
  }
}

/** Every file of `d` with its bytes (to prove a directory unchanged). */
function snapshot(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of readdirSync(d).sort()) out[n] = readFileSync(join(d, n)).toString("base64");
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const fw4 = join(dir, "fw4");
const fw3 = join(dir, "fw3");
const song = (n: string) => join(dir, n);

beforeAll(() => {
  // Stand-ins that pass --firmware-dir's plausibility check (an ELF header, a real file's size).
  writeStandInFirmware(fw4, "pi4");
  writeStandInFirmware(fw3, "pi3");
  ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-ac", "2", song("alpha.wav")]);
  ff(["-f", "lavfi", "-i", "sine=frequency=660:duration=1.5", "-ac", "2", song("beta.wav")]);
  ff(["-f", "lavfi", "-i", "sine=frequency=550:duration=0.5", "-ac", "2", song("gamma.wav")]);
  ff(["-f", "lavfi", "-i", "sine=frequency=330:duration=8", "-ac", "2", song("long.wav")]);
}, 60_000);

afterAll(() => {
  for (const m of mounts.splice(0)) {
    try {
      execFileSync("umount", ["-l", m]);
    } catch {
      /* already gone */
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("concurrent builds", () => {
  it("two builds at once into two output directories each hold their own music (issue 10.1)", async () => {
    const cache = join(dir, "cache-concurrent"); // shared and cold: both compile the kernel at once
    const [a, b] = await Promise.all([
      piwave(["build", song("alpha.wav"), "--firmware-dir", fw4, "--out-dir", join(dir, "out-a"), "--cache-dir", cache]),
      piwave(["build", song("beta.wav"), song("gamma.wav"), "--firmware-dir", fw4, "--out-dir", join(dir, "out-b"), "--cache-dir", cache]),
    ]);
    expect(problems(a.stderr)).toEqual([]);
    expect(problems(b.stderr)).toEqual([]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const ta = decodeBundle(new Uint8Array(readFileSync(join(dir, "out-a", "music.pwb"))));
    const tb = decodeBundle(new Uint8Array(readFileSync(join(dir, "out-b", "music.pwb"))));
    expect(ta.map((t) => t.name)).toEqual(["alpha"]);
    expect(tb.map((t) => t.name)).toEqual(["beta", "gamma"]);
    expect(Math.round(ta[0]!.frames / 441)).toBe(100);
    expect(Math.round(tb[0]!.frames / 441)).toBe(150);
    // The kernel does not depend on the music: both hold the same one.
    expect(readFileSync(join(dir, "out-a", "kernel8.img")).equals(readFileSync(join(dir, "out-b", "kernel8.img")))).toBe(true);
    // No private work directory or temporary file left in the shared cache.
    expect(readdirSync(join(cache, "kernel")).sort()).toEqual(["img", "obj"]);
    expect(readdirSync(join(cache, "kernel", "obj")).filter((n) => !n.endsWith(".o"))).toEqual([]);
  }, 240_000);
});

describe("the kernel depends on board, quality and feed only", () => {
  const cache = join(dir, "cache-songs");
  const out = join(dir, "out-songs");
  const log = join(dir, "tools-songs.log");

  it("changing songs rewrites music.pwb alone: kernel8.img's bytes are identical and no compiler starts (issue 11.7, 12.14)", async () => {
    const shims = toolShims("shims-songs", log);
    const env = { PATH: `${shims}:${process.env.PATH}` };
    const first = await piwave(["build", song("alpha.wav"), "--firmware-dir", fw4, "--out-dir", out, "--cache-dir", cache], env);
    expect(first.code).toBe(0);
    // The wrappers are on the path the build uses: a cold build goes through them.
    const cold = readFileSync(log, "utf8");
    expect(cold).toMatch(/^clang \d+ /m);
    expect(cold).toMatch(/^ld\.lld \d+ /m);
    const kernel = readFileSync(join(out, "kernel8.img"));
    const wasm = firmwarePath("pi4");
    const wasmTime = statSync(wasm).mtimeMs;
    const before = snapshot(out);

    const second = await piwave(["build", song("beta.wav"), "--firmware-dir", fw4, "--out-dir", out, "--cache-dir", cache], env);
    expect(problems(second.stderr)).toEqual([]);
    expect(second.code).toBe(0);
    expect(readFileSync(log, "utf8")).toBe(cold); // not one tool started
    expect(statSync(wasm).mtimeMs).toBe(wasmTime); // asc did not rebuild the firmware
    expect(readFileSync(join(out, "kernel8.img")).equals(kernel)).toBe(true);
    expect(second.stdout).toMatch(/kernel8\.img [\d.]+ kB, .*from the cache/);
    expect(second.stdout).toMatch(/\(unchanged: kernel8\.img, config\.txt, start4\.elf, fixup4\.dat\)/);
    const after = snapshot(out);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const n of Object.keys(after)) expect(after[n] === before[n], n).toBe(n !== "music.pwb");
    expect(decodeBundle(new Uint8Array(readFileSync(join(out, "music.pwb")))).map((t) => t.name)).toEqual(["beta"]);
  }, 240_000);

  it("objects are cached by content: another firmware build recompiles only what includes it", async () => {
    const shims = toolShims("shims-songs", log);
    // The plain build's objects in the cache (the test above made them, when it ran).
    if (!existsSync(join(cache, "kernel"))) expect((await piwave(["build", "--kernel-only", "--out-dir", join(dir, "out-warm"), "--cache-dir", cache], { PATH: `${shims}:${process.env.PATH}` })).code).toBe(0);
    writeFileSync(log, "");
    // A work directory a killed build left behind (its process is gone) is cleared by the next compile.
    const dead = spawn("true");
    await new Promise((r) => dead.on("close", r));
    const abandoned = join(cache, "kernel", `.work-${dead.pid}-x1y2z3`);
    mkdirSync(abandoned);
    writeFileSync(join(abandoned, "app.c"), "half written");
    const r = await piwave(["build", song("alpha.wav"), "--feed", "dma", "--firmware-dir", fw4, "--out-dir", join(dir, "out-dma"), "--cache-dir", cache], { PATH: `${shims}:${process.env.PATH}` });
    expect(r.code).toBe(0);
    // The new firmware's C, and at most the two runtime files that include its app.h (main.c, abi.c);
    // every other object comes from the cache.
    const compiled = [...readFileSync(log, "utf8").matchAll(/^clang \d+ .* -c (\S+) -o /gm)].map((m) => m[1]!.split("/").at(-1));
    expect(compiled).toContain("app.c");
    expect(compiled.every((f) => ["app.c", "main.c", "abi.c"].includes(f!))).toBe(true);
    expect(r.stdout).toContain(`kernel8.img`);
    expect(r.stdout).toMatch(new RegExp(`, ${compiled.length} files compiled`));
    expect(existsSync(abandoned)).toBe(false);
  }, 240_000);

  it("flash --to copies only the files that changed (the copy plan, on a plain directory)", async () => {
    const card = join(dir, "card-songs");
    mkdirSync(card);
    const names = readdirSync(out).sort();
    expect((await applyCopy(planCopy(out, names, card))).every((f) => f.action !== "same")).toBe(true);
    writeFileSync(join(out, "music.pwb"), readFileSync(join(dir, "out-a", "music.pwb")));
    const again = await applyCopy(planCopy(out, names, card));
    expect(again.filter((f) => f.action !== "same").map((f) => f.name)).toEqual(["music.pwb"]);
    expect(readFileSync(join(card, "music.pwb")).equals(readFileSync(join(out, "music.pwb")))).toBe(true);
  });
});

describe("the output directory", () => {
  it("holds exactly the current board's files: a Pi 3 build after a Pi 4 build removes start4.elf and fixup4.dat (issue 12.11)", async () => {
    const out = join(dir, "out-boards");
    const cache = join(dir, "cache-concurrent");
    const a = await piwave(["build", "--firmware-dir", fw4, "--out-dir", out, "--cache-dir", cache]);
    expect(a.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["config.txt", "fixup4.dat", "kernel8.img", "music.pwb", "start4.elf"]);
    writeFileSync(join(out, "notes.txt"), "the user's own file\n");
    const b = await piwave(["build", "--board", "pi3", "--firmware-dir", fw3, "--out-dir", out, "--cache-dir", cache]);
    expect(problems(b.stderr)).toEqual([]);
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/removed the other board's fixup4\.dat, start4\.elf|removed the other board's start4\.elf, fixup4\.dat/);
    expect(readdirSync(out).sort()).toEqual(["bootcode.bin", "config.txt", "fixup.dat", "kernel8.img", "music.pwb", "notes.txt", "start.elf"]);
    expect(readFileSync(join(out, "config.txt"), "utf8")).toMatch(/^# piwave: Raspberry Pi 3 \(BCM2837\)/);
  }, 240_000);

  it("without the Raspberry Pi firmware files the build fails and writes nothing; --kernel-only builds without them (issue 12.9)", async () => {
    const out = join(dir, "out-nofw");
    const cache = join(dir, "cache-concurrent");
    const empty = join(dir, "no-firmware-here");
    mkdirSync(empty);
    const r = await piwave(["build", "--firmware-dir", empty, "--out-dir", out, "--cache-dir", cache]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot boot without the Raspberry Pi firmware files \(start4\.elf, fixup4\.dat\).*lacks start4\.elf, fixup4\.dat.*Nothing was written.*--kernel-only/);
    expect(existsSync(out)).toBe(false);
    const k = await piwave(["build", "--kernel-only", "--out-dir", out, "--cache-dir", cache]);
    expect(k.code).toBe(0);
    expect(k.stderr).toMatch(/--kernel-only: no Raspberry Pi firmware files written; the card also needs start4\.elf, fixup4\.dat/);
    expect(readdirSync(out).sort()).toEqual(["config.txt", "kernel8.img", "music.pwb"]);
  }, 240_000);

  it("a temporary file left by a build that was killed outright is removed by the next one; a live build's is not touched", async () => {
    const out = join(dir, "out-leftover");
    mkdirSync(out);
    const dead = spawn("true");
    await new Promise((r) => dead.on("close", r));
    const left = `.music.pwb.${dead.pid}.0badf00d.tmp`;
    const live = `.music.pwb.${process.pid}.0badf00d.tmp`;
    writeFileSync(join(out, left), "half a file");
    writeFileSync(join(out, live), "being written");
    expect(isTemporaryName(left)).toBe(true);
    const written = await writeBootFiles(out, new Map([["music.pwb", new Uint8Array([1, 2, 3])]]));
    expect(written).toEqual(["music.pwb"]);
    expect(readdirSync(out).sort()).toEqual([live, "music.pwb"]);
  });

  it.skipIf(!isRoot)(
    "out of space: the previous boot files stay intact, no temporary file is left, and the message names the directory and the space needed (issue 10.4)",
    async () => {
      const out = join(dir, "tiny");
      mkdirSync(out);
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", out]);
      mounts.push(out);
      const cache = join(dir, "cache-concurrent");
      const first = await piwave(["build", song("gamma.wav"), "--firmware-dir", fw4, "--out-dir", out, "--cache-dir", cache]);
      expect(first.code).toBe(0);
      const before = snapshot(out);
      // 8 s of music is 1.4 MB: more than the 3 MiB filesystem has left beside the 2.2 MB stand-in start4.elf.
      const r = await piwave(["build", song("long.wav"), "--firmware-dir", fw4, "--out-dir", out, "--cache-dir", cache]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`no space left in ${out.replace(/[/.]/g, "\\$&")}: the boot files need 1\\.4 MB \\(music\\.pwb\\), \\d+(\\.\\d)? [kM]?B free\\. .*the previous boot files are unchanged`));
      expect(snapshot(out)).toEqual(before);
      expect(readdirSync(out).filter(isTemporaryName)).toEqual([]);
    },
    240_000,
  );
});

describe("interrupts: real signals to a real piwave build", () => {
  /** Start piwave in its own process group, as a shell starts a foreground job. */
  function start(args: string[], env: Record<string, string>) {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, NO_COLOR: "1", ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const exit = new Promise<{ code: number | null; at: number }>((resolve) => child.on("close", (code) => resolve({ code, at: performance.now() })));
    return { child, exit, out: () => stdout, err: () => stderr };
  }
  async function waitForLine(file: string, re: RegExp, ms = 120_000): Promise<RegExpMatchArray> {
    const t0 = performance.now();
    for (;;) {
      const m = existsSync(file) ? readFileSync(file, "utf8").match(re) : null;
      if (m) return m;
      if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${re} in ${file}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  /** An output directory holding a previous build, to prove nothing is written. */
  function previous(name: string): string {
    const out = join(dir, name);
    mkdirSync(out);
    for (const f of ["kernel8.img", "config.txt", "music.pwb", "start4.elf", "fixup4.dat"]) writeFileSync(join(out, f), `previous ${f}\n`);
    return out;
  }

  it("Ctrl-C while a song is probed: exit 130 at once, no conversion started, nothing written (issue 10.7)", async () => {
    const log = join(dir, "ffmpeg-probe.log");
    const out = previous("out-int-probe");
    const before = snapshot(out);
    const p = start(["build", song("alpha.wav"), "--firmware-dir", fw4, "--out-dir", out, "--cache-dir", join(dir, "cache-int-probe")], { FFMPEG_PATH: ffmpegShim(log, 30) });
    await waitForLine(log, /-nostdin -i \S*alpha\.wav$/m);
    const t0 = performance.now();
    process.kill(-p.child.pid!, "SIGINT"); // what the terminal does on Ctrl-C
    const { code, at } = await p.exit;
    expect(code).toBe(130);
    expect(at - t0).toBeLessThan(5000);
    expect(p.err()).toMatch(/interrupted: nothing was written/);
    expect(readFileSync(log, "utf8")).not.toMatch(/s16le/); // ffmpeg never started converting
    expect(snapshot(out)).toEqual(before);
  }, 120_000);

  for (const double of [false, true]) {
    it(
      double
        ? "two SIGINTs 5 ms apart during clang: clean-up runs once, exit 130, nothing left behind (issue 10.8)"
        : "Ctrl-C during clang: exit 130 promptly, clang's process group killed and reaped, no work directory, nothing written (issue 10.9)",
      async () => {
        const name = double ? "double" : "clang";
        const log = join(dir, `tools-int-${name}.log`);
        const shims = toolShims(`shims-int-${name}`, log, 60);
        const cache = join(dir, `cache-int-${name}`);
        const out = previous(`out-int-${name}`);
        const before = snapshot(out);
        const p = start(["build", "--firmware-dir", fw4, "--out-dir", out, "--cache-dir", cache], { PATH: `${shims}:${process.env.PATH}` });
        const pid = Number((await waitForLine(log, /^clang (\d+) /m))[1]);
        expect(alive(pid)).toBe(true);
        const t0 = performance.now();
        process.kill(-p.child.pid!, "SIGINT");
        if (double) {
          await new Promise((r) => setTimeout(r, 5));
          process.kill(-p.child.pid!, "SIGINT");
        }
        const { code, at } = await p.exit;
        expect(code).toBe(130);
        expect(at - t0).toBeLessThan(5000);
        expect(p.err().match(/interrupted/g)).toHaveLength(1);
        expect(p.err()).not.toMatch(/clean-up failed/);
        // Every clang wrapper that started (and its sleep) is gone: the groups were killed and reaped.
        const pids = [...readFileSync(log, "utf8").matchAll(/^clang (\d+) /gm)].map((m) => Number(m[1]));
        for (const x of pids) expect(alive(x), `clang wrapper ${x}`).toBe(false);
        expect(execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" })).not.toContain(`${shims}/`);
        expect(readdirSync(join(cache, "kernel")).filter((n) => n.startsWith("."))).toEqual([]);
        expect(readdirSync(join(cache, "kernel", "img"))).toEqual([]);
        expect(snapshot(out)).toEqual(before);
      },
      120_000,
    );
  }

  it("two SIGINTs 5 ms apart while ffmpeg converts: exit 130, ffmpeg gone, no temporary PCM left, nothing written (issue 10.8)", async () => {
    ff(["-f", "lavfi", "-i", "sine=frequency=220:duration=900", "-ac", "2", "-c:a", "flac", song("fifteen-minutes.flac")]);
    const log = join(dir, "ffmpeg-convert.log");
    const tmp = join(dir, "tmp-convert");
    mkdirSync(tmp);
    const cache = join(dir, "cache-int-convert");
    const pcm = join(cache, "pcm");
    const out = previous("out-int-convert");
    const before = snapshot(out);
    const p = start(["build", song("fifteen-minutes.flac"), "--firmware-dir", fw4, "--out-dir", out, "--cache-dir", cache], {
      FFMPEG_PATH: ffmpegShim(log, 0),
      TMPDIR: tmp,
    });
    // The conversion itself (float PCM into a temporary file beside the cache entry), not the probe.
    const ffmpegPid = Number((await waitForLine(log, /^(\d+) .*f32le/m))[1]);
    const scratch = () => (existsSync(pcm) ? readdirSync(pcm).filter(isTemporaryName) : []);
    // Mid-conversion: ffmpeg has started writing the temporary PCM.
    const t1 = performance.now();
    while (scratch().length === 0 && performance.now() - t1 < 30_000) await new Promise((r) => setTimeout(r, 20));
    expect(scratch().length).toBeGreaterThan(0);
    const t0 = performance.now();
    process.kill(-p.child.pid!, "SIGINT");
    await new Promise((r) => setTimeout(r, 5));
    process.kill(-p.child.pid!, "SIGINT");
    const { code, at } = await p.exit;
    expect(code).toBe(130);
    expect(at - t0).toBeLessThan(5000);
    expect(p.err().match(/interrupted/g)).toHaveLength(1);
    expect(alive(ffmpegPid)).toBe(false);
    expect(scratch()).toEqual([]);
    // (tsx, which runs piwave from a checkout, keeps its own cache there.)
    expect(readdirSync(tmp).filter((n) => !n.startsWith("tsx-"))).toEqual([]);
    expect(snapshot(out)).toEqual(before);
  }, 120_000);

  it("Ctrl-C during asc: the compiler's process is killed, exit 130, the previous firmware build unchanged", async () => {
    const wasm = firmwarePath("pi3");
    const before = readFileSync(wasm);
    const p = start(["firmware", "--board", "pi3", "--force"], {});
    let ascPid: number | undefined;
    const t1 = performance.now();
    while (ascPid === undefined && performance.now() - t1 < 30_000) {
      const ps = execFileSync("ps", ["-eo", "pid,ppid,args"], { encoding: "utf8" });
      const line = ps.split("\n").find((l) => /assemblyscript\/bin\/asc\.js/.test(l) && l.trim().split(/\s+/)[1] === String(p.child.pid));
      if (line) ascPid = Number(line.trim().split(/\s+/)[0]);
      else await new Promise((r) => setTimeout(r, 20));
    }
    expect(ascPid).toBeDefined();
    await new Promise((r) => setTimeout(r, 500)); // well inside the compile
    const t0 = performance.now();
    process.kill(-p.child.pid!, "SIGINT");
    const { code, at } = await p.exit;
    expect(code).toBe(130);
    expect(at - t0).toBeLessThan(5000);
    expect(p.err()).toMatch(/piwave firmware: interrupted: the previous build of pi3 is unchanged/);
    expect(alive(ascPid!)).toBe(false);
    expect(readFileSync(wasm).equals(before)).toBe(true);
    expect(readdirSync(join(wasm, "..")).filter((n) => n.endsWith(".tmp.wasm") || n.endsWith(".tmp.wat") || isTemporaryName(n))).toEqual([]);
  }, 120_000);

  it("Ctrl-C while the Raspberry Pi firmware downloads: exit 130 at once, nothing cached, nothing written", async () => {
    const requests: string[] = [];
    const server = await serve((req) => {
      requests.push(req.url!); // and never answer
    });
    try {
      const out = join(dir, "out-int-download");
      const cache = join(dir, "cache-int-download");
      const p = start(["build", "--out-dir", out, "--cache-dir", cache], { PIWAVE_FIRMWARE_URL: `${server.base}/{commit}/{file}` });
      const t1 = performance.now();
      while (requests.length === 0 && performance.now() - t1 < 60_000) await new Promise((r) => setTimeout(r, 20));
      expect(requests[0]).toMatch(/\/start4\.elf$/);
      const t0 = performance.now();
      process.kill(-p.child.pid!, "SIGINT");
      const { code, at } = await p.exit;
      expect(code).toBe(130);
      expect(at - t0).toBeLessThan(5000);
      expect(p.err()).toMatch(/interrupted: nothing was written/);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(join(cache, "raspi-firmware"))).toBe(false);
    } finally {
      server.close().catch(() => undefined);
    }
  }, 120_000);

  it("a build started with an already-aborted signal starts nothing and writes nothing", async () => {
    const log = join(dir, "ffmpeg-aborted.log");
    process.env.FFMPEG_PATH = ffmpegShim(log, 0);
    const { resetFfmpeg } = await import("../../host/audio/ffmpeg.js");
    resetFfmpeg();
    try {
      const ac = new AbortController();
      ac.abort(new Error("stop"));
      const out = join(dir, "out-aborted");
      await expect(
        build({ board: "pi4", variant: { quality: "plain" }, music: { kind: "songs", songs: [song("gamma.wav")] }, outDir: out, cacheDir: join(dir, "cache-aborted"), piFirmware: { dir: fw4 }, signal: ac.signal }),
      ).rejects.toThrow("stop");
      expect(existsSync(out)).toBe(false);
      expect(existsSync(log) ? readFileSync(log, "utf8") : "").not.toMatch(/-i /);
    } finally {
      delete process.env.FFMPEG_PATH;
      resetFfmpeg();
    }
  });
});

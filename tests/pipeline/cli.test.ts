// From an mp3 to a verified piwave.img, as a user runs it.
import { execFile, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { serve } from "./http.js";
import { writeStandInFirmware } from "./pi-firmware.js";
import { ff } from "./media.js";
import { decodeBundle } from "../../host/bundle.js";
import { firmwarePath } from "../../host/firmware.js";
import { loadLock } from "../../host/raspi-firmware.js";
import { simulate } from "../../host/sim/machine.js";
import { tempDir } from "../temp.js";

const exec = promisify(execFile);
const bin = new URL("../../bin/piwave.mjs", import.meta.url).pathname;
const dir = tempDir("piwave-e2e-");
const env = { ...process.env, NO_COLOR: "1", PIWAVE_CACHE_DIR: join(dir, "cache") };

async function piwave(args: string[], extraEnv: Record<string, string> = {}) {
  try {
    const r = await exec(process.execPath, [bin, ...args], { timeout: 120_000, env: { ...env, ...extraEnv }, cwd: dir });
    return { code: 0, ...r };
  } catch (e) {
    return e as { code: number; stdout: string; stderr: string };
  }
}

beforeAll(() => {
  ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-ac", "2", "-c:a", "libmp3lame", join(dir, "Première chanson.mp3")]);
  ff(["-f", "lavfi", "-i", "sine=frequency=660:duration=1", "-c:a", "flac", join(dir, "other.flac")]);
  writeStandInFirmware(join(dir, "fw"));
}, 60_000);

describe("piwave build SONGS → piwave image", () => {
  const boot = join(dir, "boot");
  const img = join(dir, "piwave.img");

  it("build converts, packs, builds the kernel and writes the boot files", async () => {
    const r = await piwave(["build", join(dir, "Première chanson.mp3"), join(dir, "other.flac"), "--firmware-dir", join(dir, "fw"), "--out-dir", boot, "--verbose"]);
    expect(r.stderr.split("\n").filter((l) => l && !l.startsWith("… "))).toEqual([]); // only status lines (what a long step is doing)
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ffmpeg \S+ \(ffmpeg, from PATH/m);
    // Sizes in the one SI style of every output (formatSize): 1 s at 44.107 kHz is 176.4 kB.
    expect(r.stdout).toMatch(/1 +Première chanson +0:02\.\d +\d{3}\.\d kB +ffmpeg/);
    expect(r.stdout).toMatch(/2 +other +0:01\.0 +176\.4 kB +ffmpeg/);
    expect(readdirSync(boot).sort()).toEqual(["config.txt", "fixup4.dat", "kernel8.img", "music.pwb", "start4.elf"]);
    expect(readFileSync(join(boot, "config.txt"), "utf8")).toMatch(/^arm_64bit=1$/m);
    // Again: the songs come from the cache.
    const again = await piwave(["build", join(dir, "Première chanson.mp3"), join(dir, "other.flac"), "--firmware-dir", join(dir, "fw"), "--out-dir", boot]);
    expect(again.stdout).toMatch(/1 +Première chanson .* cache/);
  }, 120_000);

  it("image packs them into an fsck-clean FAT32 card image", async () => {
    const r = await piwave(["image", "--boot-dir", boot, "--out", img]);
    expect(r.code).toBe(0);
    const part = join(dir, "part.img");
    writeFileSync(part, readFileSync(img).subarray(8192 * 512));
    expect(spawnSync("fsck.fat", ["-n", part]).status).toBe(0);
    const k = join(dir, "k.img");
    spawnSync("mcopy", ["-n", "-i", `${img}@@${8192 * 512}`, "::/kernel8.img", k]);
    expect(readFileSync(k).equals(readFileSync(join(boot, "kernel8.img")))).toBe(true);
  });

  it("--quality shaped --feed dma: the songs are converted to the shaped rate, and that firmware plays them", async () => {
    const out = join(dir, "boot-shaped");
    const r = await piwave(["build", join(dir, "other.flac"), "--quality", "shaped", "--feed", "dma", "--firmware-dir", join(dir, "fw"), "--out-dir", out]);
    expect(r.stderr.split("\n").filter((l) => l && !l.startsWith("… "))).toEqual([]); // only status lines (what a long step is doing)
    expect(r.code).toBe(0);
    const bundle = new Uint8Array(readFileSync(join(out, "music.pwb")));
    const tracks = decodeBundle(bundle);
    expect(tracks[0]!.rateMilliHz).toBe(44_138_418);
    expect(Math.abs(tracks[0]!.frames - 44138)).toBeLessThan(3);
    const v = { quality: "shaped" as const, feed: "dma" as const };
    // The firmware the command built, from its own cache (PIWAVE_CACHE_DIR above), not the suite's.
    const wasm = new Uint8Array(readFileSync(join(dir, "cache", "build", "firmware", basename(firmwarePath("pi4", v)))));
    const sim = simulate({ board: "pi4", wasm, bundle, maxSeconds: 120 });
    expect(sim.haltCode).toBe(0);
    expect(sim.jack.gaps).toEqual([0, 0]);
    expect(sim.lines.find((l) => l.startsWith("I pwm:"))).toMatch(/range 177 .* 3rd-order noise shaping, M\/S mode, DMA/);
  }, 240_000);

  it("a song that does not exist is named, and nothing is built", async () => {
    const r = await piwave(["build", join(dir, "nope.mp3"), "--out-dir", join(dir, "boot2")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/piwave build: error: .*nope\.mp3: file not found/);
  });

  it("without the Raspberry Pi firmware build fails in one line, writing nothing; --kernel-only builds anyway; image refuses such a directory", async () => {
    const failed = await piwave(["build", "--offline", "--out-dir", join(dir, "boot-none")], { PIWAVE_CACHE_DIR: join(dir, "empty-cache") });
    expect(failed.code).toBe(1);
    const lines = failed.stderr.trim().split("\n");
    expect(lines.at(-1)).toMatch(
      /^piwave build: error: the card cannot boot without the Raspberry Pi firmware files \(start4\.elf, fixup4\.dat\): .*downloads are off \(--offline\).*Nothing was written\. Ways to get them: .*--firmware-dir DIR.*--kernel-only builds without them$/,
    );
    expect(existsSync(join(dir, "boot-none"))).toBe(false);
    const r = await piwave(["build", "--kernel-only", "--out-dir", join(dir, "boot3"), "--json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/--kernel-only: no Raspberry Pi firmware files written; the card also needs start4\.elf, fixup4\.dat/);
    const j = JSON.parse(r.stdout) as { board: string; bootDir: string; files: string[]; piFirmware: unknown; kernel: { bytes: number } };
    expect(j).toMatchObject({ board: "pi4", bootDir: join(dir, "boot3"), piFirmware: null });
    expect(j.files.sort()).toEqual(["config.txt", "kernel8.img", "music.pwb"]);
    expect(j.kernel.bytes).toBeGreaterThan(10_000);
    expect(readdirSync(join(dir, "boot3")).sort()).toEqual(["config.txt", "kernel8.img", "music.pwb"]);
    const i = await piwave(["image", "--boot-dir", join(dir, "boot3"), "--out", join(dir, "x.img")]);
    expect(i.code).toBe(1);
    expect(i.stderr).toMatch(/^piwave image: error: .*lacks the Raspberry Pi firmware .* a card without it does not boot\. `piwave build` ran without them \(--kernel-only\?\)\..*--firmware-dir DIR/);
  }, 60_000);

  it("build --entry without the Raspberry Pi firmware fails on the firmware before compiling the entry", async () => {
    // An entry that does not even compile: the old order compiled it first and reported asc's error.
    const entry = join(dir, "broken-main.ts");
    writeFileSync(entry, "export function main(): void { this is not AssemblyScript }\n");
    const r = await piwave(["build", "--entry", entry, "--offline", "--out-dir", join(dir, "boot-entry")], { PIWAVE_CACHE_DIR: join(dir, "empty-cache-entry") });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(/^piwave build: error: the card cannot boot without the Raspberry Pi firmware files \(start4\.elf, fixup4\.dat\)/);
    expect(r.stderr).not.toMatch(/compiling|broken-main\.ts/);
    expect(existsSync(join(dir, "boot-entry"))).toBe(false);
    // With the firmware files at hand, the entry is compiled (after them) into the card's kernel8.img.
    const io = new URL("../firmware/io-echo.ts", import.meta.url).pathname;
    const ok = await piwave(["build", "--entry", io, "--firmware-dir", join(dir, "fw"), "--out-dir", join(dir, "boot-entry"), "--json"], { PIWAVE_CACHE_DIR: join(dir, "empty-cache-entry") });
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { files: string[] }).files.sort()).toEqual(["config.txt", "fixup4.dat", "kernel8.img", "music.pwb", "start4.elf"]);
  }, 120_000);

  it("downloads go through the shipped SHA-256 pins: a mirror serving other bytes is refused, nothing written", async () => {
    const hits: string[] = [];
    const server = await serve((req, res) => {
      hits.push(req.url!);
      res.writeHead(200).end(`not the real ${req.url}\n`);
    });
    try {
      const url = `${server.base}/{commit}/boot/{file}`;
      const out = join(dir, "boot4");
      const r = await piwave(["build", "--out-dir", out], { PIWAVE_FIRMWARE_URL: url });
      const pin = loadLock();
      expect(hits[0]).toBe(`/${pin.commit}/boot/start4.elf`);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`checksum mismatch for start4.elf from http://127.0.0.1:`);
      expect(r.stderr).toContain(`expected sha256 ${pin.files["start4.elf"]!.sha256}, got `);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(join(dir, "cache", "raspi-firmware"))).toBe(false);
    } finally {
      await server.close();
    }
  }, 60_000);
});

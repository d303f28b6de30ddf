/**
 * The published package's prebuilt player (host/prebuilt.ts, issue 12 item
 * 16): a first build of a new song with an empty cache takes the firmware and
 * kernel8.img the package carries and starts no compiler — it works with no
 * clang, ld.lld or wasm2c on PATH at all — and a damaged prebuilt image is
 * noticed and built again from the sources instead.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { makePrebuilt } from "../../host/prebuilt.js";
import { ff } from "./media.js";
import { writeStandInFirmware } from "./pi-firmware.js";
import { tempDir } from "../temp.js";

const exec = promisify(execFile);
const bin = new URL("../../bin/piwave.mjs", import.meta.url).pathname;
const dir = tempDir("piwave-prebuilt-");
const prebuilt = join(dir, "prebuilt");
const fw = join(dir, "fw");
const song = join(dir, "tune.wav");

async function piwave(args: string[], env: Record<string, string>) {
  try {
    const r = await exec(process.execPath, [bin, ...args], { cwd: dir, timeout: 240_000, env: { ...process.env, NO_COLOR: "1", ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    return e as { code: number; stdout: string; stderr: string };
  }
}

/** The one kernel image of the prebuilt set. */
function prebuiltImage(): string {
  const keys = readdirSync(join(prebuilt, "kernel"));
  expect(keys).toHaveLength(1);
  return join(prebuilt, "kernel", keys[0]!, "kernel8.img");
}

beforeAll(async () => {
  writeStandInFirmware(fw, "pi4");
  ff(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-ac", "2", song]);
  await makePrebuilt({ dest: prebuilt, variants: [{ board: "pi4", quality: "plain", feed: "poll" }] });
}, 240_000);

describe("the prebuilt player", () => {
  it("a first build with an empty cache needs no compiler: none is on PATH, and kernel8.img is the prebuilt one", async () => {
    expect(readdirSync(join(prebuilt, "firmware"))).toHaveLength(1);
    // A PATH with ffmpeg and nothing else: clang, ld.lld, llvm-objcopy and wasm2c are not there.
    const path = join(dir, "path");
    mkdirSync(path);
    for (const t of ["ffmpeg", "ffprobe"]) {
      const real = execFileSync("sh", ["-c", `command -v ${t}`], { encoding: "utf8" }).trim();
      if (real) symlinkSync(real, join(path, t));
    }
    const out = join(dir, "out-1");
    const r = await piwave(["build", song, "--firmware-dir", fw, "--out-dir", out], { PATH: path, PIWAVE_PREBUILT_DIR: prebuilt, PIWAVE_CACHE_DIR: join(dir, "cache-1") });
    expect(r.stderr).not.toMatch(/compiling/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("no compiler started");
    expect(readFileSync(join(out, "kernel8.img")).equals(readFileSync(prebuiltImage()))).toBe(true);
    // The firmware module came from the package too: it is in the user's cache, and asc wrote no text file beside it.
    const fwCache = join(dir, "cache-1", "build", "firmware");
    expect(existsSync(join(fwCache, "pi4.wasm"))).toBe(true);
    expect(existsSync(join(fwCache, "pi4.wat"))).toBe(false);
  }, 120_000);

  it("a damaged prebuilt kernel8.img is not used: the kernel is built from the sources, as without a prebuilt set", async () => {
    const image = prebuiltImage();
    const good = readFileSync(image);
    const bad = Buffer.from(good);
    bad[bad.length >> 1] = bad[bad.length >> 1]! ^ 0x40;
    writeFileSync(image, bad);
    const out = join(dir, "out-2");
    const r = await piwave(["build", song, "--firmware-dir", fw, "--out-dir", out], { PIWAVE_PREBUILT_DIR: prebuilt, PIWAVE_CACHE_DIR: join(dir, "cache-2") });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/files compiled/);
    expect(r.stdout).not.toContain("no compiler started");
    const built = readFileSync(join(out, "kernel8.img"));
    expect(built.equals(bad)).toBe(false);
    expect(built.equals(good)).toBe(true); // the same sources and tools make the same image
  }, 240_000);
});

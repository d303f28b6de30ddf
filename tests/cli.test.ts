// The piwave command as a user runs it: real processes, real files.
import { execFile } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { encodeBundle } from "../host/bundle.js";
import { decodeWav } from "../host/wav.js";
import { chirpTrack } from "./helpers.js";
import { tempDir } from "./temp.js";

const exec = promisify(execFile);
const bin = new URL("../bin/piwave.mjs", import.meta.url).pathname;

const dir = tempDir("piwave-cli-");

async function piwave(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], { timeout: 60_000, env: { ...process.env, NO_COLOR: "1" }, cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("piwave CLI", () => {
  const bundlePath = join(dir, "chirp.pwb");
  writeFileSync(bundlePath, encodeBundle([chirpTrack("pi4", 1, "Chirp ✓ ünïcode")]));

  it("sim streams the UART log, writes the WAV and the trace, prints a summary", async () => {
    const wav = join(dir, "out", "jack.wav");
    const trace = join(dir, "trace.txt");
    const r = await piwave(["sim", "--bundle", bundlePath, "--out", wav, "--trace", trace]);
    expect(r.stderr.split("\n").filter((l) => l && !l.startsWith("… "))).toEqual([]); // only status lines
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('uart| I track: 1/1 start "Chirp ✓ ünïcode", 44107 frames, 0.999 s');
    expect(r.stdout).toMatch(/uart\| I summary: tracks=1 frames=44107 .*underruns=0/);
    expect(r.stdout).toMatch(/firmware +halt\(0\): done/);
    expect(r.stdout).toMatch(/gaps: right 0, left 0/);
    const w = decodeWav(new Uint8Array(readFileSync(wav)));
    expect(w.sampleRate).toBe(44107);
    expect(w.channels).toBe(2);
    expect(w.samples.length / 2).toBeGreaterThan(44107);
    const t = readFileSync(trace, "utf8");
    expect(t).toMatch(/CM_PWMCTL <= 0x5A000016 {2}PASSWD ENAB SRC=PLLD/);
    expect(t).toMatch(/PWM_CTL <= 0x0000A1A1 {2}PWEN1 USEF1 MSEN1 PWEN2 USEF2 MSEN2/);
  });

  it("sim with a bundle for the other board: the firmware's rate error, exit 4 (the firmware failed)", async () => {
    const r = await piwave(["sim", "--board", "pi3", "--bundle", bundlePath]);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain("halt(1): bad asset bundle");
  });

  it("a missing bundle file is named", async () => {
    const r = await piwave(["sim", "--bundle", join(dir, "nope.pwb")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read the asset bundle .*nope\.pwb: ENOENT/);
  });

  it("an unknown board is a usage error that lists the boards", async () => {
    const r = await piwave(["sim", "--board", "pi5", "--bundle", bundlePath]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown board "pi5": use pi4');
  });

  it("demo builds the demo bundle and the jack WAV", async () => {
    const out = join(dir, "demo");
    const r = await piwave(["demo", "--out-dir", out, "--quiet"]);
    expect(r.code).toBe(0);
    expect(existsSync(join(out, "demo-pi4.pwb"))).toBe(true);
    const w = decodeWav(new Uint8Array(readFileSync(join(out, "jack-pi4.wav"))));
    expect(w.samples.length / 2 / w.sampleRate).toBeGreaterThan(20);
    // Its boot files are its own: an earlier build's dist/boot is never replaced.
    expect(readdirSync(join(out, "boot")).sort()).toEqual(["config.txt", "kernel8.img", "music.pwb"]);
    expect(existsSync(join(dir, "dist", "boot"))).toBe(false);
  });
});

// `piwave build --bundle FILE` checks the file with the firmware's rules before building anything (issue 10 item 17).
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { BOARDS, frameRateMilliHz } from "../host/boards.js";
import { BundleError, checkBundle, checkBundleFile } from "../host/bundle-check.js";
import { encodeBundle } from "../host/bundle.js";
import { encodeWav } from "../host/wav.js";
import { constantTrack } from "./helpers.js";
import { tempDir } from "./temp.js";

const exec = promisify(execFile);
const bin = new URL("../bin/piwave.mjs", import.meta.url).pathname;
const dir = tempDir("piwave-bundle-check-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pi4 = BOARDS.pi4;
const check = (bytes: Uint8Array, board = pi4, quality: "plain" | "shaped" = "plain") => () => checkBundleFile("x.pwb", bytes, board, quality);

describe("checkBundleFile", () => {
  it("accepts a bundle for the board and returns its tracks", () => {
    const t = checkBundleFile("x.pwb", encodeBundle([constantTrack("pi4", 10, 0, 0, "a"), constantTrack("pi4", 20, 0, 0, "b")]), pi4, "plain");
    expect(t.map((x) => [x.name, x.frames])).toEqual([["a", 10], ["b", 20]]);
  });

  it("names what a file that is no bundle is", () => {
    expect(check(encodeWav(new Int16Array(200), 44100, 2))).toThrow(/^x\.pwb: this is a WAV file, not a piwave asset bundle: give songs as arguments/);
    expect(check(new Uint8Array([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0, ...new Array(40).fill(0)]))).toThrow(/this is an MP3 file/);
    expect(check(new Uint8Array(Buffer.from("just some notes\nabout songs\n".repeat(3))))).toThrow(/this is a text file/);
    expect(check(new Uint8Array(0))).toThrow(/^x\.pwb: the file is empty \(0 bytes\), not a piwave asset bundle/);
    expect(check(new Uint8Array(Buffer.from("PWAV")))).toThrow(/^x\.pwb: truncated: 4 bytes, the header alone needs 32$/);
  });

  it("names the board and quality a wrong rate belongs to", () => {
    const pi3 = encodeBundle([constantTrack("pi3", 10, 0, 0, "a")]);
    expect(check(pi3)).toThrow(
      /^x\.pwb: track 1 "a": sample rate 44099\.488 Hz differs from this board's PWM rate 44107\.269 Hz; it was built for Raspberry Pi 3 \(--board pi3\), and this build is for Raspberry Pi 4: rebuild/,
    );
    const shaped = encodeBundle([{ ...constantTrack("pi4", 10, 0, 0, "s"), rateMilliHz: frameRateMilliHz(pi4, "shaped") }]);
    expect(check(shaped)).toThrow(/it was built for Raspberry Pi 4 \(--board pi4 --quality shaped\) or Raspberry Pi 3 \(--board pi3 --quality shaped\), and this build is for Raspberry Pi 4:/);
    expect(check(shaped, pi4, "shaped")).not.toThrow();
    const cd = encodeBundle([{ ...constantTrack("pi4", 10, 0, 0, "cd"), rateMilliHz: 44_100_000 }]);
    expect(check(cd)).toThrow(/sample rate 44100\.000 Hz .*; no piwave board plays that rate/);
  });

  it("gives the firmware's words for a damaged bundle", () => {
    const b = encodeBundle([constantTrack("pi4", 10, 0, 0, "a")]);
    b[b.length - 1]! ^= 1;
    expect(check(b)).toThrow(BundleError);
    expect(check(b)).toThrow(/^x\.pwb: track 1 "a": audio data CRC mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\): the bundle is corrupt$/);
    expect(checkBundle(b, frameRateMilliHz(pi4)).ok).toBe(false);
  });
});

describe("piwave build --bundle", () => {
  async function build(file: string, extra: string[] = []) {
    const out = join(dir, "out");
    try {
      const r = await exec(process.execPath, [bin, "build", "--bundle", file, "--out-dir", out, "--offline", ...extra], { timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } });
      return { code: 0, stderr: r.stderr, out };
    } catch (e) {
      const x = e as { code: number; stderr: string };
      return { code: x.code, stderr: x.stderr, out };
    }
  }

  it("refuses a WAV and a Pi 3 bundle for a Pi 4, exit 1, nothing built", async () => {
    const wav = join(dir, "song.wav");
    writeFileSync(wav, encodeWav(new Int16Array(2000), 44100, 2));
    const a = await build(wav);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/piwave build: error: .*song\.wav: this is a WAV file, not a piwave asset bundle/);
    const pwb = join(dir, "pi3.pwb");
    writeFileSync(pwb, encodeBundle([constantTrack("pi3", 10, 0, 0, "a")]));
    const b = await build(pwb);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/pi3\.pwb: track 1 "a": sample rate 44099\.488 Hz .*built for Raspberry Pi 3 \(--board pi3\)/);
    expect(existsSync(join(a.out, "kernel8.img"))).toBe(false);
  }, 120_000);
});

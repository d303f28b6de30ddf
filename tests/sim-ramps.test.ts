// piwave sim says what the start and stop ramps add to the recording, and --trim-ramps writes only what
// lies between them (host/jack-ramps.ts): a 1 s song made a WAV of about 30 s, without a word why.
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { encodeBundle } from "../host/bundle.js";
import { ROOT } from "../host/firmware.js";
import { rampSpan } from "../host/jack-ramps.js";
import { chirpTrack, rangeOf } from "./helpers.js";
import { tempDir } from "./temp.js";

const exec = promisify(execFile);
const bin = join(ROOT, "bin", "piwave.mjs");
const dir = tempDir("piwave-ramps-");

/** Frames of a 16-bit stereo WAV (piwave's encodeWav: a 44-byte header). */
const wavFrames = (file: string) => (readFileSync(file).length - 44) / 4;

describe("rampSpan", () => {
  it("finds the ramp up to mid-scale and the ramp down from it, on both channels", () => {
    const range = 100;
    const ramp = (n: number) => Array.from({ length: n }, (_, i) => Math.round((50 * i) / n));
    const music = [50, 80, 20, 50, 90, 10, 50];
    const left = Uint16Array.from([...ramp(30), ...music, ...ramp(20).reverse(), 0]);
    const right = Uint16Array.from([...ramp(31), ...music.slice(1), ...ramp(20).reverse(), 0]);
    // The left channel is at mid at 30 (its ramp ended), the right only at 33 (its music starts away from it): both have by 33.
    expect(rampSpan(left, right, range, 1)).toEqual({ musicFrom: 33, musicTo: 37 });
    expect(rampSpan(Uint16Array.from(ramp(10)), Uint16Array.from(ramp(10)), range, 1)).toBeUndefined(); // never at mid
    // Oversampled: the mean of each group of 4 periods is what counts, single periods may jump.
    const osr = Uint16Array.from([0, 0, 0, 0, 48, 52, 46, 54, 60, 40, 50, 50, 0, 0, 0, 0]);
    expect(rampSpan(osr, osr, range, 4)).toEqual({ musicFrom: 4, musicTo: 12 });
  });
});

describe("piwave sim --out", () => {
  it("says how long the ramps are; --trim-ramps writes only the music between them", async () => {
    const bundle = join(dir, "one.pwb");
    writeFileSync(bundle, encodeBundle([chirpTrack("pi4", 1, "one second")]));
    const full = join(dir, "full.wav");
    const a = await exec(process.execPath, [bin, "sim", "--bundle", bundle, "--out", full], { cwd: dir, timeout: 240_000, env: { ...process.env, NO_COLOR: "1" } });
    const m = a.stdout.match(/^ramps {7}up (\d+\.\d+) s, down (\d+\.\d+) s \(0 V to silence and back, so the jack does not thump\); between them (\d+\.\d+) s: the WAV holds all three \(--trim-ramps for only the middle\)$/m);
    expect(m, a.stdout).not.toBeNull();
    const [up, down, between] = [Number(m![1]), Number(m![2]), Number(m![3])];
    expect(up).toBeGreaterThan(10); // the thump-free ramps: 11-19 s each way
    expect(down).toBeGreaterThan(10);
    expect(between).toBeGreaterThanOrEqual(1);
    expect(between).toBeLessThan(1.2);
    const rate = 44107.269;
    expect(wavFrames(full) / rate).toBeCloseTo(up + between + down, 2);

    const trimmed = join(dir, "trimmed.wav");
    const b = await exec(process.execPath, [bin, "sim", "--bundle", bundle, "--out", trimmed, "--trim-ramps", "--json"], { cwd: dir, timeout: 240_000, env: { ...process.env, NO_COLOR: "1" } });
    const j = JSON.parse(b.stdout) as { ramps: { upSeconds: number; downSeconds: number; betweenSeconds: number; wavTrimmed: boolean } };
    expect(j.ramps).toMatchObject({ wavTrimmed: true });
    expect(j.ramps.betweenSeconds).toBeCloseTo(between, 3);
    expect(wavFrames(trimmed) / rate).toBeCloseTo(between, 3);
    // What is left is the music at mid-scale and around it, not the ramp: its first and last frames are silence.
    const pcm = new Int16Array(readFileSync(trimmed).buffer.slice(44));
    const mid = (s: number) => Math.abs(s) <= Math.ceil(65536 / rangeOf("pi4"));
    expect(mid(pcm[0]!) && mid(pcm[1]!) && mid(pcm.at(-1)!) && mid(pcm.at(-2)!)).toBe(true);
  }, 300_000);

  it("--ramp applies to a user's --entry too (it was ignored: the synth ramped for 13 s)", async () => {
    const synth = join(ROOT, "examples", "synth", "src", "main.ts");
    const r = await exec(process.execPath, [bin, "sim", "--entry", synth, "--ramp", "50", "--uart", "1s:quit\\n", "--json"], { cwd: dir, timeout: 240_000, env: { ...process.env, NO_COLOR: "1" } });
    const j = JSON.parse(r.stdout) as { haltCode: number; ramps: { upSeconds: number; downSeconds: number } };
    expect(j.haltCode).toBe(0);
    expect(j.ramps.upSeconds).toBeGreaterThan(0.045);
    expect(j.ramps.upSeconds).toBeLessThan(0.06);
    expect(j.ramps.downSeconds).toBeLessThan(0.06);
  }, 240_000);

  it("--trim-ramps without --out is a usage error", async () => {
    const e = await exec(process.execPath, [bin, "sim", "--trim-ramps"], { cwd: dir, env: { ...process.env, NO_COLOR: "1" } }).catch((x: { code: number; stderr: string }) => x);
    expect((e as { code: number }).code).toBe(2);
    expect((e as { stderr: string }).stderr).toMatch(/--trim-ramps trims the WAV that --out writes: give --out FILE too/);
  });
});

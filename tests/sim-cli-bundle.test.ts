// `piwave sim --bundle FILE` checks the file on the main thread while the
// worker starts and runs (it used to check it, and decode it a second time
// for its length, before starting the worker): a damaged bundle is still
// warned about, before the firmware's own report, and the run still shows
// what the firmware says.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { encodeBundle } from "../host/bundle.js";
import { chirpTrack } from "./helpers.js";
import { tempDir } from "./temp.js";

const exec = promisify(execFile);
const bin = new URL("../bin/piwave.mjs", import.meta.url).pathname;

async function piwave(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], { timeout: 120_000, env: { ...process.env, NO_COLOR: "1" }, cwd });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("piwave sim --bundle: the host's check of the file", () => {
  it("a sample damaged after the CRC was taken: warned about, and the firmware's own refusal shown", async () => {
    const dir = tempDir("piwave-sim-check-");
    const bundle = encodeBundle([chirpTrack("pi4", 0.2, "damaged")]);
    bundle[bundle.length - 8]! ^= 0x55; // a sample near the end: the track's CRC no longer matches
    const path = join(dir, "damaged.pwb");
    writeFileSync(path, bundle);
    const r = await piwave(["sim", "--bundle", path], dir);
    expect(r.stderr).toMatch(/damaged\.pwb: track 1 "damaged" data CRC mismatch; running anyway to show the firmware's own check/);
    expect(r.stdout).toMatch(/uart\| /); // the run happened
    expect(r.code).toBe(4);
  }, 120_000);

  it("an intact bundle: no warning, the run completes", async () => {
    const dir = tempDir("piwave-sim-check-");
    const path = join(dir, "fine.pwb");
    writeFileSync(path, encodeBundle([chirpTrack("pi4", 0.2, "fine")]));
    const r = await piwave(["sim", "--bundle", path], dir);
    expect(r.stderr.split("\n").filter((l) => l && !l.startsWith("… "))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/jack +\d+ frames/);
  }, 120_000);
});

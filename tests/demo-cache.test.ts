// The demo bundle that `piwave sim` (no songs) and `piwave qemu` play is
// rendered once and kept with a stamp of what made it (frame rate, the demo's
// source): rendering took seconds of every `piwave sim` run. A matching stamp
// reuses the file; another stamp or a damaged file renders it again.
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BOARDS, frameRateMilliHz } from "../host/boards.js";
import { decodeBundle, encodeBundle } from "../host/bundle.js";
import { demoBundle } from "../host/commands/demo.js";
import { tempDir } from "./temp.js";

describe("demo bundle cache", () => {
  it("reuses the bundle while its stamp matches; renders again for another stamp or a damaged file", () => {
    const dir = tempDir("piwave-demo-cache-");
    const first = demoBundle("pi4", dir);
    const rendered = Buffer.from(first.bundle);
    expect(decodeBundle(first.bundle).length).toBeGreaterThan(0);
    expect(readFileSync(`${first.path}.stamp`, "utf8")).toMatch(new RegExp(`^${frameRateMilliHz(BOARDS.pi4)} [0-9a-f]{64}\\n$`));

    // Another valid bundle in its place, stamp untouched: used as it is (no rendering).
    const other = encodeBundle([{ name: "stand-in", rateMilliHz: frameRateMilliHz(BOARDS.pi4), pcm: new Int16Array([1, 2, 3, 4]) }]);
    writeFileSync(first.path, other);
    expect(Buffer.compare(Buffer.from(demoBundle("pi4", dir).bundle), Buffer.from(other))).toBe(0);

    // Another stamp (another rate or demo source): rendered again.
    writeFileSync(`${first.path}.stamp`, "1 0\n");
    expect(Buffer.compare(Buffer.from(demoBundle("pi4", dir).bundle), rendered)).toBe(0);
    expect(Buffer.compare(readFileSync(first.path), rendered)).toBe(0);

    // A damaged file under a matching stamp: rendered again.
    const damaged = Buffer.from(rendered);
    damaged[damaged.length - 1]! ^= 0xff;
    writeFileSync(first.path, damaged);
    expect(Buffer.compare(Buffer.from(demoBundle("pi4", dir).bundle), rendered)).toBe(0);

    // Each board and quality has its own file and stamp.
    const shaped = demoBundle("pi4", dir, "shaped");
    expect(shaped.path).not.toBe(first.path);
    expect(decodeBundle(shaped.bundle)[0]!.rateMilliHz).toBe(frameRateMilliHz(BOARDS.pi4, "shaped"));
  });
});

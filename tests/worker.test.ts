// The CLI runs the simulator in a worker under a wall-clock limit: even a firmware that spins
// without touching hardware (so virtual time never advances) cannot hang it.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeBundle } from "../host/bundle.js";
import { ROOT, buildWasm, loadFirmware } from "../host/firmware.js";
import { simulate } from "../host/sim/machine.js";
import { simulateInWorker, startSimWorker } from "../host/sim/run-worker.js";
import { chirpTrack } from "./helpers.js";
import { readFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const exec = promisify(execFile);

describe("simulator in a worker", () => {
  it("stops a firmware that loops forever without MMIO, at the wall-clock limit", async () => {
    const wasm = (await buildWasm(join(ROOT, "tests", "firmware", "spin.ts"), "pi4", join(ROOT, "build", "test-firmware", "spin.wasm"))).path;
    const t0 = performance.now();
    await expect(
      simulateInWorker({ board: "pi4", wasm: new Uint8Array(readFileSync(wasm)), bundle: new Uint8Array(0) }, { timeoutMs: 1500 }),
    ).rejects.toThrow(/ran longer than the wall-clock limit of 2 s and was stopped \(a firmware loop that touches no hardware never advances virtual time/);
    expect(performance.now() - t0).toBeLessThan(10_000);
  }, 30_000);

  it("returns the same run as in-process: lines, jack, trace", async () => {
    const lines: string[] = [];
    const opts = { board: "pi4", wasm: loadFirmware("pi4"), bundle: encodeBundle([chirpTrack("pi4", 0.1)]), trace: 50 } as const;
    const r = await simulateInWorker(opts, { timeoutMs: 60_000, onLine: (l) => lines.push(l) });
    expect(r.haltCode).toBe(0);
    expect(lines.some((l) => l.startsWith("I summary:"))).toBe(true);
    expect(r.jack.frames).toBeGreaterThan(4410);
    expect(r.jack.gaps).toEqual([0, 0]);
    expect(r.trace).toHaveLength(50);
    expect(r.traceDropped).toBeGreaterThan(0);
    // The worker hands over its recording (transferred, not copied): every value as the same run in-process.
    const here = simulate(opts);
    expect(lines).toEqual(here.lines);
    expect([r.jack.right.length, r.jack.left.length]).toEqual([here.jack.right.length, here.jack.left.length]);
    expect(Buffer.from(r.jack.right.view().buffer, r.jack.right.view().byteOffset, r.jack.right.length * 2).equals(Buffer.from(here.jack.right.view().buffer, here.jack.right.view().byteOffset, here.jack.right.length * 2))).toBe(true);
    expect(Buffer.from(r.jack.left.view().buffer, r.jack.left.view().byteOffset, r.jack.left.length * 2).equals(Buffer.from(here.jack.left.view().buffer, here.jack.left.view().byteOffset, here.jack.left.length * 2))).toBe(true);
    expect([r.jack.range, r.jack.clockHz]).toEqual([here.jack.range, here.jack.clockHz]);
    // The jack taken over still records like any other (it grows past the transferred length).
    r.jack.right.push(7);
    expect(r.jack.right.view().at(-1)).toBe(7);
    expect(r.jack.right.length).toBe(here.jack.right.length + 1);
  }, 30_000);

  it("a worker started ahead of its run: runs when asked, cannot run twice; cancelled, it cannot run", async () => {
    const w = startSimWorker();
    const r = await w.run({ board: "pi4", wasm: loadFirmware("pi4"), bundle: encodeBundle([chirpTrack("pi4", 0.05)]) }, { timeoutMs: 60_000 });
    expect(r.haltCode).toBe(0);
    expect(r.jack.frames).toBeGreaterThan(2205);
    expect(() => w.run({ board: "pi4", wasm: loadFirmware("pi4"), bundle: new Uint8Array(0) }, { timeoutMs: 1000 })).toThrow(/has run already/);
    const c = startSimWorker();
    c.cancel();
    expect(() => c.run({ board: "pi4", wasm: loadFirmware("pi4"), bundle: new Uint8Array(0) }, { timeoutMs: 1000 })).toThrow(/has run already/);
  }, 30_000);

  it("a worker started but never run does not keep the process alive (a failed firmware build leaves the CLI free to exit)", async () => {
    const lib = new URL("../lib/host/sim/run-worker.js", import.meta.url).href;
    const t0 = performance.now();
    const r = await exec(process.execPath, ["--input-type=module", "-e", `const { startSimWorker } = await import(${JSON.stringify(lib)}); startSimWorker(); console.log("started");`], { timeout: 20_000 });
    expect(r.stdout).toBe("started\n");
    expect(performance.now() - t0).toBeLessThan(20_000);
  }, 30_000);
});

// Seeded bundle fuzzer (issue 10 item 22): every mutation refused with the validator's exact `E bundle:` line, halt 1, nothing played.
import { beforeAll, describe, expect, it } from "vitest";
import { baseBundle, checkMutation, fuzzFirmware, mutations, refusalShape } from "./fuzz/bundles.js";

const SEED = 0x5eed_0001;
const COUNT = 3000;

describe("bundle fuzzer", () => {
  // The firmware with short ramps (tests/fuzz/bundles.ts): an accepted mutation plays and halts well within the bound.
  let wasm: WebAssembly.Module;
  beforeAll(async () => {
    wasm = await fuzzFirmware("pi4");
  }, 180_000);

  it(`seed ${SEED.toString(16)}: ${COUNT} random mutations plus every truncation`, () => {
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    const shapes = new Map<string, number>();
    let n = 0;
    for (const m of mutations(baseBundle("pi4"), SEED, COUNT)) {
      n++;
      const k = m.kind.replace(/\d+/g, "N");
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
      const f = checkMutation("pi4", wasm, m.bytes, (v) => shapes.set(refusalShape(v), (shapes.get(refusalShape(v)) ?? 0) + 1));
      if (f) failures.push(`#${n} ${m.kind}: ${f}`);
      if (failures.length >= 10) break;
    }
    expect(failures).toEqual([]);
    expect(n).toBeGreaterThan(COUNT);
    expect(kinds.size).toBeGreaterThanOrEqual(12);
    // The mutations reach the checks behind the CRCs, not only the CRCs: most of the firmware's refusals fire.
    const reached = [...shapes.keys()];
    for (const check of [/^bad magic/, /^format version/, /^header size field/, /^header CRC/, /^size mismatch/, /^contains no tracks/, /^track count/, /^metadata/, /^directory does not fit/, /^directory CRC/, /name \(offset/, /name is not valid UTF/, /name contains control/, /zero length/, /unsupported layout/, /runs past the end of the bundle or is misaligned/, /overlaps track/, /overlaps the header/, /sample rate/, /audio data CRC/, /^truncated/, /^no asset bundle/])
      expect(reached.some((r) => check.test(r)), `no mutation reached ${check}`).toBe(true);
  }, 60_000);
});

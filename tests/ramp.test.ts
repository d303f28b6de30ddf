// No pops: the jack never jumps by more than one ramp step around the music. The run and the
// click check go through the public testing API (piwave/testing).
import { describe, expect, it } from "vitest";
import { BOARD_NAMES } from "../host/boards.js";
import { runFirmware } from "../host/testing/index.js";
import "../host/testing/vitest.js";
import { constantTrack, duty, firmwareModule, rangeOf } from "./helpers.js";

const RAMP_FRAMES = 2048; // firmware/audio/producer.ts

function maxStep(a: Uint16Array, from: number, to: number): number {
  let m = 0;
  for (let i = from + 1; i < to; i++) m = Math.max(m, Math.abs(a[i]! - a[i - 1]!));
  return m;
}

for (const board of BOARD_NAMES) {
  describe(`${board} start/stop ramps`, async () => {
    const range = rangeOf(board);
    const step = Math.max(1, Math.ceil(Math.floor(range / 2) / RAMP_FRAMES));
    // Loud, asymmetric DC levels at both ends: the worst case for a pop.
    const L = 30000;
    const R = -25000;
    const frames = 4000;
    const r = await runFirmware({ board, wasm: firmwareModule(board), bundle: [constantTrack(board, frames, L, R)], ms: 120_000, traceLimit: 0 });
    const right = r.jack.right;
    const left = r.jack.left;
    const dl = duty(L, range);
    const dr = duty(R, range);
    const first = right.findIndex((v, i) => v === dr && left[i] === dl);
    const last = first + frames - 1;

    it("starts at 0 (the idle level) and ends at 0", () => {
      expect(r.haltCode).toBe(0);
      expect(right[0]).toBe(0);
      expect(left[0]).toBe(0);
      expect(right.at(-1)).toBe(0);
      expect(left.at(-1)).toBe(0);
    });

    it("plays the track where expected, then holds it", () => {
      expect(first).toBeGreaterThan(0);
      for (let i = first; i <= last; i++) {
        expect(right[i]).toBe(dr);
        expect(left[i]).toBe(dl);
      }
    });

    it("starts and stops without a click, by the testing API's check", () => {
      expect(r).toStartAndStopWithoutClicks({ maxStep: step });
      expect(r).not.toStartAndStopWithoutClicks({ maxStep: step - 1 || 0.5 });
    });

    it(`never moves more than ${step} unit(s) per frame before the first and after the last sample`, () => {
      expect(maxStep(right, 0, first + 1)).toBeLessThanOrEqual(step);
      expect(maxStep(left, 0, first + 1)).toBeLessThanOrEqual(step);
      expect(maxStep(right, last, right.length)).toBeLessThanOrEqual(step);
      expect(maxStep(left, last, left.length)).toBeLessThanOrEqual(step);
    });

    it("passes through mid-scale (silence) between the ramps", () => {
      const mid = Math.floor(range / 2);
      expect(right.subarray(0, first).includes(mid)).toBe(true);
      expect(right.subarray(last).includes(mid)).toBe(true);
    });
  });
}

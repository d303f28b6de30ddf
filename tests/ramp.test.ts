// No pops: the jack never jumps by more than one ramp step around the music. The run and the
// click check go through the public testing API (piwave/testing).
import { describe, expect, it } from "vitest";
import { BOARD_NAMES } from "../host/boards.js";
import { runFirmware } from "../host/testing/index.js";
import "../host/testing/vitest.js";
import { constantTrack, duty, firmwareModule, rangeOf } from "./helpers.js";

/**
 * The largest move of the jack per frame on the way between the idle level and
 * the music, in duty levels. The plain start/stop ramps
 * (firmware/audio/producer.ts) are a staircase of half-level steps, a half
 * level being the level below and the one above in turn, period by period: so
 * the output moves by one level per frame, never more, however long the ramp
 * (a few seconds to stay thump-free). The source's lead-in/lead-out ramps from
 * mid-scale to a track that starts or ends away from 0 (sourceRampStep) also
 * move one plain duty level per frame. Where a lead-in or lead-out ramp turns
 * (from its slope to the track's first or held level), plain mode's
 * pre-compensation (firmware/audio/precompensate.ts, a correction of at most
 * half a level for a one-level-per-frame slope, from the signal below 8 kHz)
 * can add a level once, after rounding: CORNER_STEP.
 */
const RAMP_STEP = 1;
const CORNER_STEP = 2;

function maxStep(a: Uint16Array, from: number, to: number): number {
  let m = 0;
  for (let i = from + 1; i < to; i++) m = Math.max(m, Math.abs(a[i]! - a[i - 1]!));
  return m;
}

for (const board of BOARD_NAMES) {
  describe(`${board} start/stop ramps`, async () => {
    const range = rangeOf(board);
    const step = RAMP_STEP;
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
      // The ramps do move by a whole level per frame: a tighter bound must report it, so the check can fail.
      expect(r).not.toStartAndStopWithoutClicks({ maxStep: step / 2 });
    });

    it(`never moves more than ${CORNER_STEP} units per frame before the first and after the last sample (${step} but where a ramp turns)`, () => {
      expect(maxStep(right, 0, first + 1)).toBeLessThanOrEqual(CORNER_STEP);
      expect(maxStep(left, 0, first + 1)).toBeLessThanOrEqual(CORNER_STEP);
      expect(maxStep(right, last, right.length)).toBeLessThanOrEqual(CORNER_STEP);
      expect(maxStep(left, last, left.length)).toBeLessThanOrEqual(CORNER_STEP);
      // The start ramp from 0 V to mid-scale, before the music: one level per frame, exactly.
      const mid = Math.floor(range / 2);
      const up = right.indexOf(mid);
      expect(maxStep(right, 0, up + 1)).toBeLessThanOrEqual(step);
      expect(maxStep(left, 0, up + 1)).toBeLessThanOrEqual(step);
    });

    it("passes through mid-scale (silence) between the ramps", () => {
      const mid = Math.floor(range / 2);
      expect(right.subarray(0, first).includes(mid)).toBe(true);
      expect(right.subarray(last).includes(mid)).toBe(true);
    });
  });
}

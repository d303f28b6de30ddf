// PCM in → firmware → simulated PWM → jack out, bit-exact after the documented scaling.
// Plain mode pre-compensates M/S PWM's pulse-position distortion by default (firmware/audio/producer.ts),
// so these run the bit-exact build (PLAIN_EXACT), which writes ((s + 32768) * range) >> 16 for every sample.
import { beforeAll, describe, expect, it } from "vitest";
import { BOARD_NAMES } from "../host/boards.js";
import { encodeBundle } from "../host/bundle.js";
import { buildFirmware } from "../host/firmware.js";
import { type FirmwareRun, runFirmware } from "../host/testing/index.js";
import "../host/testing/vitest.js";
import { dutyFromSample } from "../host/sim/jack.js";
import { decodeWav, encodeWav } from "../host/wav.js";
import { chirpTrack, duty, rangeOf } from "./helpers.js";

/** Index of the first jack frame where `expR/expL` (whole sequences) start. */
function locate(right: Uint16Array, left: Uint16Array, expR: Uint16Array, expL: Uint16Array, from = 0): number {
  outer: for (let s = from; s + expR.length <= right.length; s++) {
    for (let k = 0; k < 64; k++) if (right[s + k] !== expR[k] || left[s + k] !== expL[k]) continue outer;
    return s;
  }
  return -1;
}

for (const board of BOARD_NAMES) {
  describe(`${board} round trip`, () => {
    const range = rangeOf(board);
    const track = chirpTrack(board, 10);
    const frames = track.pcm.length / 2;
    const expL = new Uint16Array(frames);
    const expR = new Uint16Array(frames);
    for (let i = 0; i < frames; i++) {
      expL[i] = duty(track.pcm[2 * i]!, range);
      expR[i] = duty(track.pcm[2 * i + 1]!, range);
    }
    let r: FirmwareRun;
    let right: Uint16Array;
    let left: Uint16Array;
    beforeAll(async () => {
      const exact = await buildFirmware(board, { variant: { exact: true } });
      r = await runFirmware({ board, wasm: exact.path, bundle: encodeBundle([track], { precompensation: "off" }), ms: 120_000, traceLimit: 0 });
      right = r.jack.right;
      left = r.jack.left;
    }, 120_000);

    it("plays 10 s with no gap and no underrun", () => {
      expect(r.haltCode).toBe(0);
      expect(r).toBreakNoHardwareRule();
      expect(r).toHaveNoGaps();
      const summary = r.lines.find((l) => l.startsWith("I summary:"));
      expect(summary).toMatch(/ frames=\d+ /);
      expect(summary).toContain(` frames=${frames} `);
      expect(summary).toContain(" underruns=0 ");
      expect(summary).toContain(" fifo_empty=0 ");
    });

    it("outputs every sample bit-exact: duty = ((s + 32768) * range) >> 16", () => {
      const at = locate(right, left, expR, expL);
      expect(at).toBeGreaterThan(0);
      let mismatches = 0;
      for (let i = 0; i < frames; i++) if (right[at + i] !== expR[i] || left[at + i] !== expL[i]) mismatches++;
      expect(mismatches).toBe(0);
    });

    it("does not swap left and right (channel 1 = GPIO40 = right)", () => {
      // The sequences differ, so the left input must not be found on the right output.
      expect(locate(right, left, expL, expR)).toBe(-1);
      expect(locate(right, left, expR, expL)).toBeGreaterThan(0);
    });

    it("the WAV of the jack maps back to the same duty values", () => {
      const wav = decodeWav(encodeWav(r.jack.toPcm(), r.jack.rateHz, 2));
      expect(wav.channels).toBe(2);
      expect(wav.sampleRate).toBe(Math.round(r.jack.rateHz));
      const at = locate(right, left, expR, expL);
      for (let i = 0; i < frames; i += 997) {
        expect(dutyFromSample(wav.samples[2 * (at + i)]!, range)).toBe(expL[i]);
        expect(dutyFromSample(wav.samples[2 * (at + i) + 1]!, range)).toBe(expR[i]);
      }
    });
  });
}

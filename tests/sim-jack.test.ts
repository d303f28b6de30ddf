// The jack's recording room: the machine reserves the whole run (the
// bundle's audio and the ramps, at the PWM's rate) when the PWM starts, so a
// normal run never copies its recording to a larger array; a reservation
// the system refuses leaves the recording as it is, growing as it fills.
import { describe, expect, it } from "vitest";
import { BOARDS, frameRateMilliHz } from "../host/boards.js";
import { encodeBundle } from "../host/bundle.js";
import { type Variant, buildFirmware, loadFirmware } from "../host/firmware.js";
import { GrowableU16, Jack, RAMP_ALLOWANCE_S } from "../host/sim/jack.js";
import { Machine, bundleSeconds } from "../host/sim/machine.js";
import { chirpTrack } from "./helpers.js";

describe("bundleSeconds: the audio a bundle holds, estimated from its size", () => {
  it("is within 1 % of the tracks' length at every board's rates, and never below it", () => {
    for (const board of ["pi4", "pi3"] as const) {
      for (const quality of ["plain", "shaped"] as const) {
        const rate = frameRateMilliHz(BOARDS[board], quality);
        const tracks = [0.5, 2].map((s) => ({ ...chirpTrack(board, s), rateMilliHz: rate }));
        const actual = tracks.reduce((t, x) => t + x.pcm.length / 2 / (rate / 1000), 0);
        const estimate = bundleSeconds(encodeBundle(tracks, { precompensation: "off" }));
        expect(estimate).toBeGreaterThanOrEqual(actual * 0.999);
        expect(estimate).toBeLessThan(actual * 1.01);
      }
    }
  });
});

describe("the jack's reservation", () => {
  it("a reservation the system refuses leaves the recording as it is", () => {
    const g = new GrowableU16();
    g.push(7);
    const before = g.data;
    g.reserve(2 ** 40); // far past any typed array's length: a RangeError inside
    expect(g.data).toBe(before);
    expect(g.view()).toEqual(new Uint16Array([7]));
  });

  it("started() reserves the expected run at the PWM's rate, once per faster rate, keeping what was recorded", () => {
    const j = new Jack();
    j.expectSeconds = 2;
    j.right.push(11);
    j.left.push(12);
    j.started(100_000);
    expect(j.right.data.length).toBe(200_000);
    expect(j.left.data.length).toBe(200_000);
    expect([j.right.view()[0], j.left.view()[0]]).toEqual([11, 12]);
    const kept = j.right.data;
    j.started(50_000); // slower: the room is there already
    expect(j.right.data).toBe(kept);
    const unknown = new Jack();
    unknown.started(100_000); // nothing expected: the default room
    expect(unknown.right.data.length).toBe(new GrowableU16().data.length);
  });

  // Shaped mode records 16 PWM periods per audio frame, and its ramps are
  // long: a reservation of one value per bundle frame (as before) had the
  // channels copied to twice their size again and again during the run.
  for (const [label, variant, quality] of [
    ["shaped/dma", { quality: "shaped", feed: "dma", rampMs: 46 }, "shaped"],
    ["plain/poll", { rampMs: 46 }, "plain"],
  ] as const) {
    it(`pi4 ${label}: the channels are never reallocated once the PWM runs`, async () => {
      const v: Variant = variant;
      await buildFirmware("pi4", { variant: v });
      const track = { ...chirpTrack("pi4", 0.2), rateMilliHz: frameRateMilliHz(BOARDS.pi4, quality) };
      const bundle = encodeBundle([track]);
      let atStart: [Uint16Array, Uint16Array] | undefined;
      const m: Machine = new Machine({
        board: "pi4",
        wasm: loadFirmware("pi4", v),
        bundle,
        maxSeconds: 60,
        onUartLine: (line) => {
          if (line.includes("I track:") && atStart === undefined) atStart = [m.pwm.jack.right.data, m.pwm.jack.left.data];
        },
      });
      expect(m.pwm.jack.expectSeconds).toBeCloseTo(bundleSeconds(bundle) + RAMP_ALLOWANCE_S, 9);
      const r = m.run();
      expect(r.haltCode, r.error).toBe(0);
      expect(atStart).toBeDefined();
      expect(r.jack.frames).toBeGreaterThan(0.2 * 44100 * (quality === "shaped" ? 16 : 1));
      expect(r.jack.right.data).toBe(atStart![0]);
      expect(r.jack.left.data).toBe(atStart![1]);
    });
  }
});

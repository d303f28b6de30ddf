// A track's name is read for the log while the track plays: it must never reach the jack (it did: the name was
// read into the buffer the source plays from, and 20 bytes of "A" were a full-scale click at the track's start).
import { describe, expect, it } from "vitest";
import { BOARDS, frameRateMilliHz, pwmRange } from "../host/boards.js";
import { encodeBundle } from "../host/bundle.js";
import { buildFirmware, loadFirmware } from "../host/firmware.js";
import { simulate } from "../host/sim/machine.js";

describe("track names stay out of the sound", () => {
  for (const variant of [{ quality: "shaped" as const, feed: "poll" as const, rampMs: 20 }, { quality: "shaped" as const, feed: "dma" as const, rampMs: 20 }, { feed: "dma" as const, rampMs: 20 }]) {
    it(`${variant.quality ?? "plain"}/${variant.feed}: a silent track named with 0x41 bytes plays as silence (never more than the shaper's few levels from mid-scale)`, async () => {
      await buildFirmware("pi4", { variant });
      const q = variant.quality ?? "plain";
      const rate = frameRateMilliHz(BOARDS.pi4, q);
      const pcm = new Int16Array(Math.round(rate / 20000) * 2);
      const r = simulate({ board: "pi4", wasm: loadFirmware("pi4", variant), bundle: encodeBundle([{ name: "A".repeat(64), rateMilliHz: rate, pcm }]), maxSeconds: 10 });
      expect(r.haltCode).toBe(0);
      const mid = pwmRange(BOARDS.pi4, q) / 2;
      for (const d of [r.jack.left.view(), r.jack.right.view()]) {
        let top = 0;
        for (const v of d) top = Math.max(top, v);
        expect(top).toBeLessThanOrEqual(Math.ceil(mid) + (q === "shaped" ? 6 : 1));
      }
    }, 120_000);
  }
});

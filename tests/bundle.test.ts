// The asset bundle format, host side: round trip, Unicode names, defects detected.
import { describe, expect, it } from "vitest";
import { decodeBundle, encodeBundle } from "../host/bundle.js";
import { chirpTrack, constantTrack } from "./helpers.js";

describe("asset bundle v1", () => {
  it("round-trips every track bit-exact with its name and rate", () => {
    const tracks = [chirpTrack("pi4", 0.3, "Chirp — «stéréo» 音楽 🎵"), constantTrack("pi3", 7, -32768, 32767, "edges")];
    const back = decodeBundle(encodeBundle(tracks));
    expect(back.map((t) => t.name)).toEqual(tracks.map((t) => t.name));
    expect(back.map((t) => t.rateMilliHz)).toEqual([44_107_269, 44_099_488]);
    back.forEach((t, i) => {
      expect(t.frames).toBe(tracks[i]!.pcm.length / 2);
      expect(t.dataOffset % 4).toBe(0);
      expect(Buffer.from(t.pcm.buffer).equals(Buffer.from(tracks[i]!.pcm.buffer))).toBe(true);
    });
  });

  it("detects a flipped bit anywhere", () => {
    const b = encodeBundle([chirpTrack("pi4", 0.01)]);
    for (const at of [2, 10, 40, b.length - 1]) {
      const c = b.slice();
      c.set([c[at]! ^ 0x10], at);
      expect(() => decodeBundle(c)).toThrow(/asset bundle: /);
    }
  });
});

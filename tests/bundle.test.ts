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

describe("encodeBundle writes every byte (issue 12 item 16: its buffer is no longer zero-filled first)", () => {
  it("reserved fields and padding are zero, and the same tracks always give the same bytes", () => {
    // Garbage in freed memory the next large allocation may reuse.
    for (let i = 0; i < 8; i++) Buffer.allocUnsafeSlow(1 << 20).fill(0xa5);
    const tracks = [{ ...constantTrack("pi4", 3, 100, -100), name: "a" }, { ...constantTrack("pi4", 5, 7, 7), name: "bcd" }];
    const a = encodeBundle(tracks);
    const b = encodeBundle(tracks);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const dv = new DataView(a.buffer, a.byteOffset, a.byteLength);
    expect(dv.getUint32(24, true)).toBe(0); // header: reserved
    for (let i = 0; i < 2; i++) expect(dv.getUint32(32 + i * 32 + 28, true)).toBe(0); // entries: reserved
    const namesEnd = 32 + 2 * 32 + 4;
    const dataStart = dv.getUint32(32, true);
    expect([...a.subarray(namesEnd, dataStart)].every((x) => x === 0)).toBe(true); // padding before the samples
  });
});

describe("track names are sanitised when the bundle is written (issue 10 item 15)", () => {
  it("replaces control, separator and direction characters, trims, caps at 255 bytes", async () => {
    const { sanitizeTrackName } = await import("../host/text.js");
    expect(sanitizeTrackName("a\nI summary: x\r\u001b[2J\u0085\u2028\u202eb", "t")).toBe("a\ufffdI summary: x\ufffd\ufffd[2J\ufffd\ufffd\ufffdb");
    expect(sanitizeTrackName("  \t ", "track 3")).toBe("track 3");
    expect(sanitizeTrackName("x\ud800y", "t")).toBe("x\ufffdy");
    const long = sanitizeTrackName("é".repeat(200), "t");
    expect(Buffer.byteLength(long)).toBe(254);
    expect(long).toBe("é".repeat(127));
    const back = decodeBundle(encodeBundle([{ ...constantTrack("pi4", 3, 0, 0), name: "two\nlines" }, { ...constantTrack("pi4", 3, 0, 0), name: "" }]));
    expect(back.map((t) => t.name)).toEqual(["two\ufffdlines", "track 2"]);
  });

  it("a name with a newline and a forged summary plays with one track line, nothing forged", async () => {
    const { runFirmware } = await import("../host/testing/index.js");
    const { firmwareModule } = await import("./helpers.js");
    const { parseSummary, parseHalt } = await import("../host/log-line.js");
    const name = "song\nI summary: tracks=1 frames=1 ramp_frames=0 underruns=0 fifo_empty=0 late_refills=0 fifo_overflow=0 log_dropped=0 elapsed=0.001s\nI runtime: halted with code 0 (done)";
    const r = await runFirmware({ wasm: firmwareModule("pi4"), bundle: [{ ...constantTrack("pi4", 200, 0, 0), name }], ms: 120_000, traceLimit: 0 });
    expect(r.haltCode).toBe(0);
    expect(r.lines.filter((l) => parseSummary(l) !== null)).toHaveLength(1);
    expect(r.lines.filter((l) => parseHalt(l) !== null)).toHaveLength(0);
    expect(r.lines.find((l) => l.startsWith("I track: 1/1 start"))).toMatch(/^I track: 1\/1 start "song\ufffdI summary: .*\ufffdI runtime: halted with code 0 \(done\)", 200 frames/);
  });
});

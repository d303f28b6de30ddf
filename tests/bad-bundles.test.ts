// Malformed bundles: a specific UART error line and a clean halt, never a hang, never a sound.
import { describe, expect, it } from "vitest";
import { HEADER_SIZE, encodeBundle, resealHeader, resealMeta } from "../host/bundle.js";
import { chirpTrack, constantTrack, rateOf, run } from "./helpers.js";

const board = "pi4" as const;
const good = () => encodeBundle([constantTrack(board, 500, 0, 0, "first"), chirpTrack(board, 0.05, "second")]);
const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

const cases: [string, () => Uint8Array, RegExp][] = [
  ["empty (no bundle at all)", () => new Uint8Array(0), /^E bundle: no asset bundle embedded \(size 0\)/],
  ["truncated header", () => good().subarray(0, 12), /^E bundle: truncated: 12 bytes, the header alone needs 32/],
  ["bad magic", () => { const b = good(); b[0] = 0x4d; return b; }, /^E bundle: bad magic 0x5641574d \(expected 0x56415750 "PWAV"\)/],
  ["unknown version", () => { const b = good(); dv(b).setUint16(4, 2, true); resealHeader(b); return b; }, /^E bundle: format version 2 is not supported/],
  ["header CRC", () => { const b = good(); b.set([1], 24); return b; }, /^E bundle: header CRC mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)/],
  ["truncated data", () => { const b = good(); return b.subarray(0, b.length - 100); }, /^E bundle: size mismatch: the header says \d+ bytes but \d+ are embedded/],
  ["no tracks", () => encodeBundle([]), /^E bundle: contains no tracks/],
  ["directory CRC", () => { const b = good(); b.set([b.at(HEADER_SIZE + 4)! ^ 1], HEADER_SIZE + 4); return b; }, /^E bundle: directory CRC mismatch/],
  ["zero-length track", () => encodeBundle([constantTrack(board, 10, 0, 0, "ok"), constantTrack(board, 0, 0, 0, "empty one")]), /^E bundle: track 2 "empty one": zero length/],
  ["wrong sample rate", () => encodeBundle([{ ...constantTrack(board, 100, 0, 0, "cd"), rateMilliHz: 44_100_000 }]), /^E bundle: track 1 "cd": sample rate 44100\.000 Hz differs from this board's PWM rate 44107\.269 Hz/],
  ["data CRC", () => { const b = good(); b.set([b.at(-5)! ^ 0x40], b.length - 5); return b; }, /^E bundle: track 2 "second": audio data CRC mismatch/],
  ["data past the end", () => { const b = good(); dv(b).setUint32(HEADER_SIZE + 4, 0x100000, true); resealMeta(b); return b; }, /^E bundle: track 1 "first": data .* runs past the end of the bundle/],
  ["mono track", () => { const b = good(); dv(b).setUint16(HEADER_SIZE + 12, 1, true); resealMeta(b); return b; }, /^E bundle: track 1 "first": unsupported layout \(1 channels, format 1\)/],
];

describe("bad asset bundles", () => {
  it("the good bundle plays (control)", () => {
    const r = run(board, good());
    expect(r.haltCode).toBe(0);
    expect(rateOf(board)).toBe(44_107_269);
  });

  for (const [name, make, message] of cases) {
    it(`${name}: specific error, halt(1), PWM never started`, () => {
      const r = run(board, make(), { maxSeconds: 5 });
      expect(r.error).toBeUndefined();
      expect(r.haltCode).toBe(1);
      const errors = r.lines.filter((l) => l.startsWith("E "));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
      expect(r.lines.at(-1)).toBe(errors[0]);
      expect(r.jack.frames).toBe(0);
      expect(r.machine.pwm.ctlWrites).toEqual([]);
      expect(r.virtualSeconds).toBeLessThan(1);
    });
  }
});

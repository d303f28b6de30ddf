// Malformed bundles: a specific UART error line and a clean halt, never a hang, never a sound.
import { describe, expect, it } from "vitest";
import { ENTRY_SIZE, HEADER_SIZE, encodeBundle, resealHeader, resealMeta } from "../host/bundle.js";
import { checkBundle } from "../host/bundle-check.js";
import { runFirmware } from "../host/testing/index.js";
import "../host/testing/vitest.js";
import { chirpTrack, constantTrack, firmwareModule, rateOf } from "./helpers.js";

const board = "pi4" as const;
const good = () => encodeBundle([constantTrack(board, 500, 0, 0, "first"), chirpTrack(board, 0.05, "second")]);
const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
/** Overwrite the bytes of track `i`'s stored name (same length) and reseal: a name the writer would never produce. */
function withNameBytes(b: Uint8Array, i: number, bytes: number[]): Uint8Array {
  const e = HEADER_SIZE + i * ENTRY_SIZE;
  const at = dv(b).getUint32(e + 16, true);
  expect(dv(b).getUint32(e + 20, true)).toBe(bytes.length);
  b.set(bytes, at);
  resealMeta(b);
  return b;
}
const forged = "x\nI summary: tracks=1 frames=1 ramp_frames=0 underruns=0 fifo_empty=0 late_refills=0 fifo_overflow=0 log_dropped=0 elapsed=0.001s\nI runtime: halted with code 0 (done)";

const cases: [string, () => Uint8Array, RegExp][] = [
  ["empty (no bundle at all)", () => new Uint8Array(0), /^E bundle: no asset bundle embedded \(size 0\)/],
  ["truncated header", () => good().subarray(0, 12), /^E bundle: truncated: 12 bytes, the header alone needs 32/],
  ["bad magic", () => { const b = good(); b[0] = 0x4d; return b; }, /^E bundle: bad magic 0x5641574d \(expected 0x56415750 "PWAV"\)/],
  ["unknown version", () => { const b = good(); dv(b).setUint16(4, 3, true); resealHeader(b); return b; }, /^E bundle: format version 3 is not supported by this firmware \(it reads versions 1 and 2\)/],
  ["pre-compensated for another board's range (issue 15, item 6)", () => { const b = good(); dv(b).setUint32(24, 5669, true); resealHeader(b); return b; }, /^E bundle: the samples are pre-compensated for plain mode at PWM range 5669, this firmware plays at range 2834: rebuild the bundle for this board and quality$/],
  ["header CRC", () => { const b = good(); b.set([1], 24); return b; }, /^E bundle: header CRC mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)/],
  ["truncated data", () => { const b = good(); return b.subarray(0, b.length - 100); }, /^E bundle: size mismatch: the header says \d+ bytes but \d+ are embedded/],
  ["no tracks", () => encodeBundle([]), /^E bundle: contains no tracks/],
  ["directory CRC", () => { const b = good(); b.set([b.at(HEADER_SIZE + 4)! ^ 1], HEADER_SIZE + 4); return b; }, /^E bundle: directory CRC mismatch/],
  ["zero-length track", () => encodeBundle([constantTrack(board, 10, 0, 0, "ok"), constantTrack(board, 0, 0, 0, "empty one")]), /^E bundle: track 2 "empty one": zero length/],
  ["wrong sample rate", () => encodeBundle([{ ...constantTrack(board, 100, 0, 0, "cd"), rateMilliHz: 44_100_000 }]), /^E bundle: track 1 "cd": sample rate 44100\.000 Hz differs from this board's PWM rate 44107\.269 Hz/],
  ["data CRC", () => { const b = good(); b.set([b.at(-5)! ^ 0x40], b.length - 5); return b; }, /^E bundle: track 2 "second": audio data CRC mismatch/],
  ["data past the end", () => { const b = good(); dv(b).setUint32(HEADER_SIZE + 4, 0x100000, true); resealMeta(b); return b; }, /^E bundle: track 1 "first": data .* runs past the end of the bundle/],
  ["header size field not 32 (issue 10 item 14)", () => { const b = good(); dv(b).setUint16(6, 40, true); resealHeader(b); return b; }, /^E bundle: header size field \(bytes 6-7\) is 40, a version 2 header is 32 bytes/],
  ["track count over 1024", () => { const b = good(); dv(b).setUint32(8, 5000, true); resealHeader(b); return b; }, /^E bundle: track count 5000 is more than the 1024/],
  ["metadata past the end", () => { const b = good(); dv(b).setUint32(16, 0xfffffff0, true); resealHeader(b); return b; }, /^E bundle: metadata \(4294967280 bytes after the header\) runs past the end/],
  ["directory larger than the metadata", () => { const b = good(); dv(b).setUint32(8, 40, true); resealHeader(b); return b; }, /^E bundle: directory does not fit: 40 tracks need 1280 bytes but the metadata is \d+/],
  ["name outside the name table", () => { const b = good(); dv(b).setUint32(HEADER_SIZE + 16, 0, true); resealMeta(b); return b; }, /^E bundle: track 1: name \(offset 0, 5 bytes\) is not 1 to 255 bytes inside the name table/],
  ["empty name", () => { const b = good(); dv(b).setUint32(HEADER_SIZE + 20, 0, true); resealMeta(b); return b; }, /^E bundle: track 1: name \(offset \d+, 0 bytes\)/],
  ["overlapping tracks", () => { const b = good(); dv(b).setUint32(HEADER_SIZE + ENTRY_SIZE, dv(b).getUint32(HEADER_SIZE, true), true); resealMeta(b); return b; }, /^E bundle: track 2 "second": data \(offset \d+\) overlaps track 1's data \(which end at \d+\)/],
  ["data over the directory", () => { const b = good(); dv(b).setUint32(HEADER_SIZE, 32, true); resealMeta(b); return b; }, /^E bundle: track 1 "first": data \(offset 32\) overlaps the header and metadata/],
  ["newline in a name (issue 10 item 15)", () => withNameBytes(good(), 0, [...Buffer.from("fi\nst")]), /^E bundle: track 1 "fi\\x0ast": name contains control or direction character U\+000A at 2\)/],
  ["invalid UTF-8 in a name", () => withNameBytes(good(), 1, [0x73, 0xc3, 0x28, 0x6f, 0x6e, 0x64]), /^E bundle: track 2 "s\\xc3\(ond": name is not valid UTF-8 \(byte 0xc3 at 1\)/],
  ["forged summary and halt lines in a name", () => {
    const b = encodeBundle([constantTrack(board, 500, 0, 0, "y".repeat(Buffer.byteLength(forged)))]);
    return withNameBytes(b, 0, [...Buffer.from(forged)]);
  }, /^E bundle: track 1 "x\\x0aI summary: .*\\x0aI runtime: halted with code 0 \(done\)": name contains control/],
  ["mono track", () => { const b = good(); dv(b).setUint16(HEADER_SIZE + 12, 1, true); resealMeta(b); return b; }, /^E bundle: track 1 "first": unsupported layout \(1 channels, format 1\)/],
];

describe("bad asset bundles", () => {
  it("the good bundle plays (control)", async () => {
    const r = await runFirmware({ wasm: firmwareModule(board), bundle: good(), ms: 120_000, traceLimit: 0 });
    expect(r.haltCode).toBe(0);
    expect(r).toHaveNoGaps();
    expect(rateOf(board)).toBe(44_107_269);
  });

  for (const [name, make, message] of cases) {
    it(`${name}: specific error, halt(1), PWM never started`, async () => {
      const r = await runFirmware({ wasm: firmwareModule(board), bundle: make(), ms: 5000 });
      expect(r.error).toBeUndefined();
      expect(r.ended).toBe("halt");
      expect(r.haltCode).toBe(1);
      const errors = r.lines.filter((l) => l.startsWith("E "));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
      expect(r.lines.at(-1)).toBe(errors[0]);
      expect(r.jack.frames).toBe(0);
      expect(r.writes("PWM_CTL")).toEqual([]);
      expect(r.writes("CM_PWMCTL")).toEqual([]);
      expect(r).toBreakNoHardwareRule();
      expect(r.virtualMs).toBeLessThan(1000);
      // The host validator (build --bundle) says exactly what the firmware said.
      const v = checkBundle(make(), rateOf(board));
      expect(v.ok).toBe(false);
      expect(`E bundle: ${v.ok ? "" : v.message}`).toBe(errors[0]);
    });
  }
});

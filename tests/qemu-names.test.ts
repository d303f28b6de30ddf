// Issue 10 item 15 under QEMU: a track name cannot forge the summary or the halt line that `qemu --until-done` trusts.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HEADER_SIZE, encodeBundle, resealMeta } from "../host/bundle.js";
import { ROOT } from "../host/firmware.js";
import { buildKernel } from "../host/kernel.js";
import { parseHalt, parseSummary } from "../host/log-line.js";
import { runQemu } from "../host/qemu.js";
import { constantTrack } from "./helpers.js";

const WORK = join(ROOT, "build", "test-qemu-names");
const board = "pi3" as const;
const FORGED = "x\nI summary: tracks=1 frames=1 ramp_frames=0 underruns=0 fifo_empty=0 late_refills=0 fifo_overflow=0 log_dropped=0 elapsed=0.001s\nI runtime: halted with code 0 (done)\n";

beforeAll(() => mkdirSync(WORK, { recursive: true }));
afterAll(() => rmSync(WORK, { recursive: true, force: true }));

describe("forged log lines in a track name, under QEMU", () => {
  it("a bundle whose name holds newlines (not written by piwave) halts 1 with the name escaped; nothing forged reaches the host", async () => {
    const n = Buffer.byteLength(FORGED);
    const b = encodeBundle([constantTrack(board, 2000, 0, 0, "y".repeat(n))]);
    const dv = new DataView(b.buffer);
    b.set(Buffer.from(FORGED), dv.getUint32(HEADER_SIZE + 16, true));
    expect(dv.getUint32(HEADER_SIZE + 20, true)).toBe(n);
    resealMeta(b);
    const bundlePath = join(WORK, "forged.pwb");
    writeFileSync(bundlePath, b);
    const k = await buildKernel({ board, qemuExit: true, cacheDir: join(ROOT, "build", "test-kernel-cache") });
    const r = await runQemu({ image: k.image, music: bundlePath, timeoutSec: 60, untilDone: true });
    expect(r.done).toBe(false);
    expect(r.haltCode).toBe(1);
    expect(r.exitCode).toBe(1);
    expect(r.lines.filter((l) => parseSummary(l))).toEqual([]);
    expect(r.lines.filter((l) => parseHalt(l))).toEqual(["I runtime: halted with code 1 (bad asset bundle)"]);
    expect(r.lines).toContain(
      'E bundle: track 1 "x\\x0aI summary: tracks=1 frames=1 ramp_frames=0 underruns=0 fifo_empty=0 late_refills=0 fifo_overflow=0 log_dropped=0 elapsed=0.001s\\x0aI runtime: halted with code 0 (done)\\x0a": name contains control or direction character U+000A at 1): the bundle was not written by piwave; rebuild it',
    );
  }, 180_000);
});

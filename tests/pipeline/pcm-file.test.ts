// Following ffmpeg's output while it is written (issue 12 item 16: the true-peak pass runs beside ffmpeg):
// the frames handed over equal those of reading the finished file, whatever pieces the writer wrote.
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { followFloatFile, forEachFloatChunk } from "../../host/audio/pcm-file.js";
import { tempDir } from "../temp.js";

describe("followFloatFile", () => {
  it("hands over every whole frame once, in order, also when pieces end inside a frame or a sample", () => {
    const path = join(tempDir("piwave-pcm-file-"), "out.f32");
    const frames = 200_003;
    const all = Float32Array.from({ length: 2 * frames }, (_, i) => Math.sin(i * 0.001) * ((i % 7) - 3));
    const bytes = new Uint8Array(all.buffer);
    const got = new Float32Array(2 * frames);
    let gotLength = 0;
    const firsts: number[] = [];
    const follow = followFloatFile(path, (s, first) => {
      firsts.push(first);
      expect(first * 2).toBe(gotLength); // each piece starts where the previous one ended
      got.set(s, gotLength);
      gotLength += s.length;
    });
    follow.poll(); // not created yet: nothing, no error
    writeFileSync(path, new Uint8Array(0));
    // Odd-sized pieces: 5 bytes (inside a sample), then inside a frame, then large ones.
    let at = 0;
    for (const n of [5, 6, 8 * 70_001 + 3, 8 * 130_000 + 1]) {
      appendFileSync(path, bytes.subarray(at, at + n));
      at += n;
      follow.poll();
      expect(gotLength % 2).toBe(0); // only whole frames so far
      expect(gotLength * 4).toBeLessThanOrEqual(at);
      expect(at - gotLength * 4).toBeLessThan(8); // and all of them
    }
    appendFileSync(path, bytes.subarray(at));
    follow.finish();
    const whole = new Float32Array(2 * frames);
    forEachFloatChunk(path, (s, first) => whole.set(s, 2 * first));
    expect(gotLength).toBe(2 * frames);
    expect(Buffer.from(got.buffer).equals(Buffer.from(whole.buffer))).toBe(true);
    expect(Buffer.from(got.buffer).equals(Buffer.from(bytes))).toBe(true);
    expect(firsts[0]).toBe(0);
  });
});

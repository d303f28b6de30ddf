// The asset bundle format, host side: round trip, Unicode names, defects detected.
import { describe, expect, it } from "vitest";
import { BUNDLE_VERSION, HEADER_SIZE, bundlePrecompRange, decodeBundle, encodeBundle, plainRangeForRate, resealHeader } from "../host/bundle.js";
import { BOARDS, frameRateMilliHz } from "../host/boards.js";
import { Fft, PRECOMP_ALGORITHMS, fastBlockCount, precompensateFastBlocks, precompensatePlain, splitChannels, toSamples } from "../host/dsp/plain-precompensation.js";
import { chirpTrack, constantTrack } from "./helpers.js";

describe("asset bundle v2", () => {
  it("round-trips every track bit-exact with its name and rate (pre-compensation off)", () => {
    const tracks = [chirpTrack("pi4", 0.3, "Chirp — «stéréo» 音楽 🎵"), constantTrack("pi3", 7, -32768, 32767, "edges")];
    const bytes = encodeBundle(tracks, { precompensation: "off" });
    expect(bundlePrecompRange(bytes)).toBe(0);
    const back = decodeBundle(bytes);
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

describe("plain-mode pre-compensation in the bundle (host/dsp/plain-precompensation.ts; issue 15, item 6)", () => {
  it("is on by default for tracks at a board's plain rate, for that board's range; off for shaped rates, mixed rates and on request", () => {
    expect(plainRangeForRate(frameRateMilliHz(BOARDS.pi4))).toBe(2834);
    expect(plainRangeForRate(frameRateMilliHz(BOARDS.pi3))).toBe(5669);
    expect(plainRangeForRate(frameRateMilliHz(BOARDS.pi4, "shaped"))).toBe(0);
    expect(plainRangeForRate(44_100_000)).toBe(0);
    const b4 = encodeBundle([chirpTrack("pi4", 0.05)]);
    expect(new DataView(b4.buffer).getUint16(4, true)).toBe(BUNDLE_VERSION);
    expect(BUNDLE_VERSION).toBe(2);
    expect(bundlePrecompRange(b4)).toBe(2834);
    expect(bundlePrecompRange(encodeBundle([chirpTrack("pi3", 0.05)]))).toBe(5669);
    expect(bundlePrecompRange(encodeBundle([{ ...chirpTrack("pi4", 0.05), rateMilliHz: frameRateMilliHz(BOARDS.pi4, "shaped") }]))).toBe(0);
    expect(bundlePrecompRange(encodeBundle([chirpTrack("pi4", 0.05), chirpTrack("pi3", 0.05)]))).toBe(0);
    expect(bundlePrecompRange(encodeBundle([chirpTrack("pi4", 0.05)], { precompensation: "off" }))).toBe(0);
    // A version 1 bundle has no such field: byte 24 is not read.
    const v1 = encodeBundle([chirpTrack("pi4", 0.05)]);
    new DataView(v1.buffer).setUint16(4, 1, true);
    resealHeader(v1);
    expect(bundlePrecompRange(v1)).toBe(0);
    expect(decodeBundle(v1)).toHaveLength(1);
  });

  it("stores samples whose plain conversion is the corrected duty: silence and constants unchanged, a loud tone changed, never beyond the rails", () => {
    const range = 2834;
    const rate = frameRateMilliHz(BOARDS.pi4);
    const n = 8192;
    const tone = new Int16Array(n * 2).map((_, i) => Math.round(29000 * Math.min(1, (i >> 1) / 2000) * Math.sin((2 * Math.PI * 5000 * (i >> 1)) / (rate / 1000))));
    const tracks = [constantTrack("pi4", 500, 1234, -32768, "constant"), { name: "tone", rateMilliHz: rate, pcm: tone }];
    const reports: { track: number; clipped: number; peak: number }[] = [];
    const back = decodeBundle(encodeBundle(tracks, { onPrecompensated: (track, r) => reports.push({ track, clipped: r.clippedSamples, peak: r.peak }) }));
    expect(Buffer.from(back[0]!.pcm.buffer).equals(Buffer.from(tracks[0]!.pcm.buffer))).toBe(true);
    const duty = (s: number) => ((s + 32768) * range) >> 16;
    let changed = 0;
    let most = 0;
    for (let i = 0; i < tone.length; i++) {
      const d = duty(back[1]!.pcm[i]!);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(range - 1);
      if (d !== duty(tone[i]!)) changed++;
      most = Math.max(most, Math.abs(d - duty(tone[i]!)));
    }
    // A 5 kHz tone at -1 dBFS: its pulse-position error is tens of levels (s·s′ ≈ 0.44² · 2π · 5/44.1 of the swing).
    expect(changed).toBeGreaterThan(tone.length / 2);
    expect(most).toBeGreaterThan(100);
    expect(most).toBeLessThan(400);
    expect(reports.map((r) => r.track)).toEqual([0, 1]);
    expect(reports[1]!.clipped).toBe(0);
    expect(reports[1]!.peak).toBeLessThan(1);
  });
});

describe("the pre-compensation cache (encodeBundle's cacheDir: piwave build's cache)", () => {
  it("a second encoding reads the cached tracks (same bytes); a damaged cache file is computed again", async () => {
    const { mkdtempSync, readdirSync, rmSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "piwave-precomp-"));
    try {
      const tracks = [chirpTrack("pi4", 0.2, "a"), chirpTrack("pi4", 0.1, "b")];
      const first = encodeBundle(tracks, { cacheDir: dir });
      const files = readdirSync(join(dir, "precomp")).sort();
      expect(files.filter((f) => f.endsWith(".s16"))).toHaveLength(2);
      expect(files.filter((f) => f.endsWith(".json"))).toHaveLength(2);
      expect(Buffer.from(encodeBundle(tracks)).equals(Buffer.from(first))).toBe(true); // the cache changes nothing
      const reported: number[] = [];
      const again = encodeBundle(tracks, { cacheDir: dir, onPrecompensated: (i) => reported.push(i) });
      expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true);
      expect(reported).toEqual([0, 1]);
      const s16 = files.find((f) => f.endsWith(".s16"))!;
      const { statSync } = await import("node:fs");
      writeFileSync(join(dir, "precomp", s16), Buffer.alloc(statSync(join(dir, "precomp", s16)).size)); // same size: taken as it is
      expect(Buffer.from(encodeBundle(tracks, { cacheDir: dir })).equals(Buffer.from(first))).toBe(false);
      writeFileSync(join(dir, "precomp", s16), Buffer.alloc(10)); // truncated: computed again
      expect(Buffer.from(encodeBundle(tracks, { cacheDir: dir })).equals(Buffer.from(first))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the pre-compensation's settings and speed-ups (host/dsp/plain-precompensation.ts)", () => {
  it("the radix-4 FFT (powers of 4) and the radix-2 one agree with a direct DFT, both directions", () => {
    for (const n of [16, 64, 128, 256]) {
      for (const inverse of [false, true]) {
        const re = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) + (i % 5) * 0.1);
        const im = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.3) - (i % 3) * 0.2);
        const wantRe = new Float64Array(n);
        const wantIm = new Float64Array(n);
        for (let k = 0; k < n; k++) {
          for (let t = 0; t < n; t++) {
            const a = ((inverse ? 2 : -2) * Math.PI * ((k * t) % n)) / n;
            wantRe[k] = wantRe[k]! + re[t]! * Math.cos(a) - im[t]! * Math.sin(a);
            wantIm[k] = wantIm[k]! + re[t]! * Math.sin(a) + im[t]! * Math.cos(a);
          }
        }
        new Fft(n).run(re, im, inverse);
        for (let k = 0; k < n; k++) {
          expect(re[k]).toBeCloseTo(wantRe[k]!, 9);
          expect(im[k]).toBeCloseTo(wantIm[k]!, 9);
        }
      }
    }
  });

  it("the fast setting's blocks depend on v alone: any split of them (the worker thread's) gives the same samples", () => {
    const pcm = chirpTrack("pi4", 0.5).pcm; // loud, up to 20 kHz: two passes in most blocks
    const n = pcm.length >> 1;
    const vL = new Float64Array(n);
    const vR = new Float64Array(n);
    splitChannels(pcm, vL, vR);
    const blocks = fastBlockCount(n);
    expect(blocks).toBeGreaterThan(4);
    const whole = [new Float64Array(n), new Float64Array(n)] as const;
    const f = precompensateFastBlocks(vL, vR, whole[0], whole[1], 2834, 0, blocks);
    expect(f.iterations).toBe(2);
    const split = [new Float64Array(n), new Float64Array(n)] as const;
    const seen: number[] = [];
    precompensateFastBlocks(vL, vR, split[0], split[1], 2834, 3, blocks, (b) => seen.push(b));
    precompensateFastBlocks(vL, vR, split[0], split[1], 2834, 0, 3, (b) => seen.push(b));
    expect(seen).toEqual([...Array.from({ length: blocks - 3 }, (_, i) => i + 3), 0, 1, 2]);
    expect(Buffer.from(split[0].buffer).equals(Buffer.from(whole[0].buffer))).toBe(true);
    expect(Buffer.from(split[1].buffer).equals(Buffer.from(whole[1].buffer))).toBe(true);
    expect(Buffer.from(toSamples(pcm, split[0], split[1], 2834, f).pcm.buffer).equals(Buffer.from(precompensatePlain(pcm, 2834, "fast").pcm.buffer))).toBe(true);
    // Where the contraction bound allows (a quiet low tone), one pass only.
    const quiet = constantTrack("pi4", 20000, 0, 0);
    for (let i = 0; i < quiet.pcm.length >> 1; i++) quiet.pcm[2 * i] = Math.round(4096 * Math.sin((2 * Math.PI * 440 * i) / 44107));
    expect(precompensatePlain(quiet.pcm, 2834, "fast").iterations).toBe(1);
  });

  it("fast (the default) and exact are different cache entries, and each setting's cache entry is its own result", async () => {
    const { mkdtempSync, readdirSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "piwave-precomp-"));
    try {
      const tracks = [chirpTrack("pi4", 0.2, "a")];
      const fast = encodeBundle(tracks, { cacheDir: dir });
      expect(Buffer.from(encodeBundle(tracks, { precompensation: "fast" })).equals(Buffer.from(fast))).toBe(true);
      const exact = encodeBundle(tracks, { cacheDir: dir, precompensation: "exact" });
      expect(Buffer.from(exact).equals(Buffer.from(fast))).toBe(false); // a loud chirp to 20 kHz: two passes are not the fixed point
      expect(readdirSync(join(dir, "precomp")).filter((f) => f.endsWith(".s16"))).toHaveLength(2);
      expect(Buffer.from(encodeBundle(tracks, { cacheDir: dir, precompensation: "exact" })).equals(Buffer.from(exact))).toBe(true);
      expect(Buffer.from(encodeBundle(tracks, { cacheDir: dir })).equals(Buffer.from(fast))).toBe(true);
      expect(PRECOMP_ALGORITHMS.fast).not.toBe(PRECOMP_ALGORITHMS.exact);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the player and the bundle's pre-compensation", () => {
  /** Index at which `seq` occurs in `xs`, or -1. */
  function find(xs: Uint16Array, seq: Uint16Array): number {
    outer: for (let i = 0; i + seq.length <= xs.length; i++) {
      for (let k = 0; k < seq.length; k++) if (xs[i + k] !== seq[k]) continue outer;
      return i;
    }
    return -1;
  }

  it("a pre-compensated bundle is only scaled: every stored sample comes out as ((s + 32768)·range) >> 16, and the log says so", async () => {
    const { runFirmware } = await import("../host/testing/index.js");
    const { firmwareModule } = await import("./helpers.js");
    const bytes = encodeBundle([chirpTrack("pi4", 0.1)]);
    const stored = decodeBundle(bytes)[0]!.pcm;
    const r = await runFirmware({ wasm: firmwareModule("pi4"), bundle: bytes, ms: 120_000, traceLimit: 0 });
    expect(r.haltCode).toBe(0);
    expect(r.lines).toContain("I bundle: 1 track, 0.100 s, format v2, CRCs ok, pre-compensated for range 2834");
    const left = Uint16Array.from({ length: stored.length / 2 }, (_, i) => ((stored[2 * i]! + 32768) * 2834) >> 16);
    const right = Uint16Array.from({ length: stored.length / 2 }, (_, i) => ((stored[2 * i + 1]! + 32768) * 2834) >> 16);
    const at = find(r.jack.left, left);
    expect(at).toBeGreaterThan(0);
    expect(find(r.jack.right.subarray(at), right)).toBe(0);
  }, 120_000);

  it("a version 1 bundle (no pre-compensation) still plays, corrected in real time by the firmware: not scaled only", async () => {
    const { runFirmware } = await import("../host/testing/index.js");
    const { firmwareModule } = await import("./helpers.js");
    const track = chirpTrack("pi4", 0.1);
    const bytes = encodeBundle([track], { precompensation: "off" });
    new DataView(bytes.buffer).setUint16(4, 1, true);
    resealHeader(bytes);
    const r = await runFirmware({ wasm: firmwareModule("pi4"), bundle: bytes, ms: 120_000, traceLimit: 0 });
    expect(r.haltCode).toBe(0);
    expect(r.lines).toContain("I bundle: 1 track, 0.100 s, format v1, CRCs ok, corrected in real time");
    const left = Uint16Array.from({ length: track.pcm.length / 2 }, (_, i) => ((track.pcm[2 * i]! + 32768) * 2834) >> 16);
    expect(find(r.jack.left, left)).toBe(-1);
  }, 120_000);
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
    expect(dv.getUint32(24, true)).toBe(2834); // header: the plain-mode range the samples are pre-compensated for (constants: unchanged)
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

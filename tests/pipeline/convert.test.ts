// Converting real files with the real ffmpeg to the board's exact PWM rate.
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { convertFile, exactRateFilter } from "../../host/audio/convert.js";
import { findFfmpeg, resetFfmpeg } from "../../host/audio/ffmpeg.js";
import { BOARDS, frameRateHz } from "../../host/boards.js";
import { checkBudget } from "../../host/commands/build.js";
import { decodeBundle, encodeBundle } from "../../host/bundle.js";
import { makeMedia } from "./media.js";
import { firmwareModule } from "../helpers.js";
import { simulate } from "../../host/sim/machine.js";
import { tempDir } from "../temp.js";

const pi4 = BOARDS.pi4;
let media: ReturnType<typeof makeMedia>;
let cacheDir: string;
const conv = (file: string, extra: object = {}) => convertFile(media.p(file), { board: pi4, cacheDir, ...extra });

/** Frequency of channel `ch` by counting rising zero crossings, at the hardware rate. */
function frequency(pcm: Int16Array, ch: number, rate: number): number {
  const n = pcm.length / 2;
  const ups: number[] = [];
  // The middle 80 %: lossy codecs' priming and padding blur the ends.
  for (let i = Math.floor(n * 0.1) + 1; i < Math.floor(n * 0.9); i++) if (pcm[2 * (i - 1) + ch]! < 0 && pcm[2 * i + ch]! >= 0) ups.push(i);
  return (ups.length - 1) / ((ups.at(-1)! - ups[0]!) / rate);
}

beforeAll(() => {
  media = makeMedia();
  cacheDir = tempDir("piwave-cache-");
}, 120_000);

afterEach(() => {
  delete process.env.FFMPEG_PATH;
  resetFfmpeg();
});

describe("conversion to the exact hardware rate", () => {
  it("maps any input rate exactly onto clock/range (the asetrate/aresample pair)", () => {
    // out/in = 125 MHz / (2834 × 44100 Hz) = 625000 / 624897 after dividing by the gcd.
    expect(exactRateFilter(pi4, 44100, true)).toBe("asetrate=624897,aresample=625000:resampler=soxr:precision=28");
    expect(exactRateFilter(BOARDS.pi3, 48000, false)).toBe("asetrate=17007,aresample=15625");
  });

  for (const [file, seconds] of [["stereo.wav", 3], ["song.flac", 3], ["song.mp3", 3], ["song.opus", 3], ["song.m4a", 3]] as const) {
    it(`${file}: ${seconds} s → round(${seconds} × 44107.269) frames, pitch kept, left and right kept apart`, async () => {
      const c = await conv(file);
      const rate = frameRateHz(pi4);
      const frames = c.pcm.length / 2;
      // Lossy codecs add an encoder delay/padding of a few ms; the lossless ones are exact.
      const tolerance = file.endsWith(".wav") || file.endsWith(".flac") ? 1 : rate * 0.06;
      expect(Math.abs(frames - seconds * rate)).toBeLessThanOrEqual(tolerance);
      expect(frequency(c.pcm, 0, rate)).toBeCloseTo(1000, 0);
      expect(frequency(c.pcm, 1, rate)).toBeCloseTo(1500, 0);
      expect(c.rateMilliHz).toBe(44_107_269);
    });
  }

  it("takes the sound track of a video", async () => {
    const c = await conv("clip.mp4");
    expect(frequency(c.pcm, 0, frameRateHz(pi4))).toBeCloseTo(880, 0);
  });

  it("up-mixes mono (both channels equal) and down-mixes 5.1 to stereo", async () => {
    const m = await conv("mono.wav");
    let maxDiff = 0;
    for (let i = 0; i < m.pcm.length; i += 2) maxDiff = Math.max(maxDiff, Math.abs(m.pcm[i]! - m.pcm[i + 1]!));
    expect(maxDiff).toBe(0);
    expect(frequency(m.pcm, 1, frameRateHz(pi4))).toBeCloseTo(1000, 0);
    const s = await conv("surround.wav");
    expect(s.pcm.length / 2).toBeGreaterThan(44000);
    expect(frequency(s.pcm, 0, frameRateHz(pi4))).toBeCloseTo(500, 0);
  });

  it("caches by content and parameters: the same song again is not converted", async () => {
    const a = await conv("song.flac", { fadeSeconds: 0.25 });
    const b = await conv("song.flac", { fadeSeconds: 0.25 });
    expect(a.fromCache).toBe(false);
    expect(b.fromCache).toBe(true);
    expect(Buffer.from(b.pcm.buffer).equals(Buffer.from(a.pcm.buffer))).toBe(true);
    const other = await conv("song.flac", { fadeSeconds: 0.5 });
    expect(other.fromCache).toBe(false);
  });

  it("peak normalisation reaches -1 dBFS; trimming drops leading/trailing silence; fades start and end at 0", async () => {
    const n = await conv("mono.wav", { normalize: "peak" });
    let peak = 0;
    for (const x of n.pcm) peak = Math.max(peak, Math.abs(x));
    // The true peak, not only the samples, goes to -1 dBTP (a 1 kHz tone's samples fall just short of its crest).
    expect(n.truePeakDb).toBeCloseTo(-1, 2);
    expect(peak).toBeLessThanOrEqual(Math.round(32768 * 10 ** (-1 / 20)));
    expect(peak).toBeGreaterThan(32768 * 10 ** (-1 / 20) * 0.995);
    const plain = await conv("padded.wav");
    const trimmed = await conv("padded.wav", { trimSilence: true });
    const rate = frameRateHz(pi4);
    expect(plain.pcm.length / 2 / rate).toBeCloseTo(2, 1);
    expect(trimmed.pcm.length / 2 / rate).toBeCloseTo(1, 1);
    const f = await conv("stereo.wav", { fadeSeconds: 0.5 });
    expect(f.pcm[0]).toBe(0);
    expect(f.pcm.at(-1)).toBe(0);
  });

  it("EBU R128 normalisation runs through ffmpeg's loudnorm and keeps the exact rate", async () => {
    const c = await conv("stereo.wav", { normalize: "ebu" });
    expect(Math.abs(c.pcm.length / 2 - 3 * frameRateHz(pi4))).toBeLessThan(50);
  });

  it("reports progress from the output time against the probed duration", async () => {
    const seen: number[] = [];
    await convertFile(media.p("song.mp3"), { board: BOARDS.pi3, cacheDir, onProgress: (f) => f !== undefined && seen.push(f) });
    expect(seen.at(-1)).toBe(1);
    expect(seen.every((f) => f >= 0 && f <= 1)).toBe(true);
  });
});

describe("aborting a conversion", () => {
  it("kills ffmpeg at once, writes nothing to the cache, and says it was aborted", async () => {
    const long = media.p("long.flac");
    execFileSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "anoisesrc=d=120:c=pink:r=96000", "-ac", "2", long]);
    const ac = new AbortController();
    const own = tempDir("piwave-abort-");
    const p = convertFile(long, { board: pi4, cacheDir: own, signal: ac.signal, onProgress: (f) => f !== undefined && f > 0 && f < 1 && ac.abort() });
    await expect(p).rejects.toThrow(/conversion aborted/);
    await new Promise((r) => setTimeout(r, 300));
    const left = spawnSync("pgrep", ["-f", long], { encoding: "utf8" }).stdout.trim();
    expect(left).toBe("");
    expect(readdirSync(join(own, "pcm"))).toEqual([]);
  }, 60_000);
});

describe("bad input: a specific message naming the file", () => {
  const cases: [string, RegExp][] = [
    ["missing.mp3", /missing\.mp3: file not found/],
    ["notes.txt", /notes\.txt: has no audio stream \(it holds: Video ansi\)/],
    ["garbage.flac", /garbage\.flac: is not an audio or video file ffmpeg can read/],
    ["silent-video.mp4", /silent-video\.mp4: has no audio stream \(it holds: Video mpeg4\)/],
    ["corrupt.mp3", /corrupt\.mp3: is damaged or cut short: it decodes to 0:01\.\d of the 0:03\.0 its mp3 header announces, and ffmpeg reported \d+ decoding error\(s\), first: "/],
    ["empty.wav", /empty\.wav: has zero duration/],
  ];
  for (const [file, message] of cases) {
    it(file, async () => {
      await expect(conv(file)).rejects.toThrow(message);
    });
  }

  it("ffmpeg missing: says how to install it", async () => {
    process.env.FFMPEG_PATH = "/nonexistent/ffmpeg";
    resetFfmpeg();
    expect(() => findFfmpeg()).toThrow(/FFMPEG_PATH is set to \/nonexistent\/ffmpeg, but that does not run as ffmpeg \(no such file\)/);
  });

  it("too much music for the board: the budget and by how much it is over", () => {
    // The budget is the music region of the memory map (host/memory-map.ts): 832 MiB on a Pi 4.
    expect(() => checkBudget(pi4, 882 * 1024 * 1024)).toThrow(/takes 924\.8 MB, more than the pi4 memory budget of 872\.4 MB by 52\.4 MB \(about 5\.0 minutes of audio\)/);
    expect(() => checkBudget(pi4, 832 * 1024 * 1024)).not.toThrow();
  });
});

describe("crunch: converted songs → asset bundle → firmware", () => {
  it("every track reads back bit-exact with its Unicode name, and the firmware plays the bundle", async () => {
    const a = await conv("song.flac");
    const b = await conv("mono.wav");
    const tracks = [
      { name: "Sonate für Klavier — Ω ✓", rateMilliHz: a.rateMilliHz, pcm: a.pcm },
      { name: "日本語のタイトル", rateMilliHz: b.rateMilliHz, pcm: b.pcm },
    ];
    const bundle = encodeBundle(tracks, { precompensation: "off" }); // as converted: the bit-exact read-back below
    const back = decodeBundle(bundle);
    expect(back.map((t) => t.name)).toEqual(tracks.map((t) => t.name));
    back.forEach((t, i) => expect(Buffer.from(t.pcm.buffer).equals(Buffer.from(tracks[i]!.pcm.buffer))).toBe(true));
    const r = simulate({ board: "pi4", wasm: firmwareModule("pi4"), bundle });
    expect(r.haltCode).toBe(0);
    expect(r.lines).toContain(`I track: 2/2 start "日本語のタイトル", ${b.pcm.length / 2} frames, 2.000 s`);
    expect(r.jack.gaps).toEqual([0, 0]);
  });
});

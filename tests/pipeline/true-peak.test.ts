// No clipping in the converter (issue 15 item 3): the true-peak meter on its own, then real
// conversions of a 0 dBFS sine and of -3 dBFS-peak white noise counted sample by sample.
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CEILING_DBTP, convertFile, exactRateFilter } from "../../host/audio/convert.js";
import { TRUE_PEAK_WEIGHTS, TruePeakMeter, toDb } from "../../host/audio/true-peak.js";
import { BOARDS } from "../../host/boards.js";
import { ff } from "./media.js";
import { tempDir } from "../temp.js";

const pi4 = BOARDS.pi4;
const dir = tempDir("piwave-true-peak-");
const p = (n: string) => join(dir, n);

/** Samples at (or beyond) a 16-bit rail. */
function clipped(pcm: Int16Array): number {
  let n = 0;
  for (const s of pcm) if (s >= 32767 || s <= -32768) n++;
  return n;
}

/** The meter's reading of a steady sine (faded in and out over 4096 samples, so the edges add nothing). */
function readSine(cyclesPerSample: number, phase: number): number {
  const n = 40_000;
  const x = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const edge = Math.min(1, i / 4096, (n - 1 - i) / 4096);
    x[2 * i] = Math.sin(2 * Math.PI * cyclesPerSample * i + phase) * (edge < 1 ? 0.5 - 0.5 * Math.cos(Math.PI * edge) : 1);
  }
  const m = new TruePeakMeter();
  for (let o = 0; o < x.length; o += 8192) m.push(x.subarray(o, o + 8192));
  m.finish();
  return toDb(m.truePeak);
}

/** ffmpeg's own (BS.1770) true peak of a file, from its ebur128 filter. */
function ffmpegTruePeak(file: string): number {
  const err = spawnSync("ffmpeg", ["-hide_banner", "-nostdin", "-i", file, "-af", "ebur128=peak=true", "-f", "null", "-"], { encoding: "utf8" }).stderr;
  return Number(err.match(/True peak:\s+Peak:\s+(-?[\d.]+) dBFS/)![1]);
}

describe("the true-peak meter", () => {
  it("reads a sine's crest between the samples: at most 0.03 dB high, and low by no more than 4× oversampling allows, up to 0.4 × the sample rate", () => {
    for (const f of [0.01, 0.1, 0.2, 0.25, 0.3, 0.35, 0.4]) {
      // With four points per sample the crest can fall π·f/4 from the nearest one.
      const worstLow = 20 * Math.log10(Math.cos((Math.PI * f) / 4));
      for (const phase of [0, 0.3, Math.PI / 4, 1.1]) {
        const db = readSine(f, phase);
        expect(db, `f=${f} phase=${phase}`).toBeLessThanOrEqual(0.03);
        expect(db, `f=${f} phase=${phase}`).toBeGreaterThanOrEqual(worstLow - 0.03);
      }
    }
  });

  it("the fs/4 sine at 45°: samples at -3 dBFS, true peak 0 dBTP", () => {
    const n = 20_000;
    const x = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) x[2 * i + 1] = Math.sin((Math.PI / 2) * i + Math.PI / 4) * Math.min(1, i / 2000, (n - i) / 2000);
    const m = new TruePeakMeter();
    m.push(x);
    m.finish();
    expect(toDb(m.samplePeak)).toBeCloseTo(-3.01, 1);
    expect(toDb(m.truePeak)).toBeCloseTo(0, 1);
  });
});

/** Every interpolated point of one channel evaluated, none skipped, in the meter's own arithmetic (silence before and after). */
function exhaustiveTruePeak(x: Float32Array): number {
  const half = TRUE_PEAK_WEIGHTS[0]!.length / 2;
  const buf = new Float32Array(x.length + 4 * half);
  buf.set(x, 2 * half);
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  for (let i = half - 1; i + half < buf.length; i++) {
    for (const h of TRUE_PEAK_WEIGHTS) {
      let y = 0;
      for (let m = 0; m < h.length; m++) y += h[m]! * buf[i - half + 1 + m]!;
      peak = Math.max(peak, Math.abs(y));
    }
  }
  return peak;
}

describe("the true-peak meter's shortcuts (issue 12 item 16: a faster meter, the same reading)", () => {
  it("reads exactly what evaluating every point gives, for slow and fast tones, swells, clicks and noise, fed in odd-sized chunks", () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const n = 30_000;
    const signals: Record<string, (i: number) => number> = {
      "slow sine": (i) => 0.12 * Math.sin(2 * Math.PI * 0.01 * i + 0.3),
      "swelling chord": (i) => (0.2 + 0.7 * (i / n)) * (0.5 * Math.sin(0.013 * i) + 0.3 * Math.sin(0.071 * i + 1) + 0.2 * Math.sin(0.9 * i)),
      "near fs/2": (i) => 0.9 * Math.sin(2 * Math.PI * 0.47 * i + 0.1),
      clicks: (i) => (i % 997 === 0 ? (i % 2 ? 0.95 : -0.95) : 0.001 * Math.sin(0.05 * i)),
      noise: () => 0.7 * rnd(),
      "tone with a little noise": (i) => 0.6 * Math.sin(0.02 * i) + 0.01 * rnd(),
    };
    for (const [name, f] of Object.entries(signals)) {
      const left = Float32Array.from({ length: n }, (_, i) => f(i));
      const right = Float32Array.from({ length: n }, (_, i) => 0.5 * f(n - 1 - i));
      const inter = new Float32Array(2 * n);
      for (let i = 0; i < n; i++) [inter[2 * i], inter[2 * i + 1]] = [left[i]!, right[i]!];
      const m = new TruePeakMeter();
      for (let o = 0, k = 1; o < inter.length; o += 2 * (97 * k++)) m.push(inter.subarray(o, o + 2 * 97 * k));
      m.finish();
      expect(m.truePeak, name).toBe(Math.max(exhaustiveTruePeak(left), exhaustiveTruePeak(right)));
    }
  });
});

describe("the converter never clips", () => {
  it("a 0 dBFS sine: no clipped sample, true peak at the ceiling, and a warning saying by how much it was lowered", async () => {
    ff(["-f", "lavfi", "-i", "aevalsrc=sin(2*PI*997*t)|sin(2*PI*997*t+1):s=48000:d=3", "-c:a", "pcm_s16le", p("sine-0dbfs.wav")]);
    const c = await convertFile(p("sine-0dbfs.wav"), { board: pi4, cacheDir: p("cache") });
    expect(clipped(c.pcm)).toBe(0);
    expect(c.truePeakDb).toBeCloseTo(CEILING_DBTP, 2);
    expect(c.gainDb).toBeLessThan(-0.3);
    expect(c.warnings).toEqual([expect.stringMatching(/^its true peak after resampling to the pi4's rate is \+0\.\d\d dBTP \(samples up to [+-]?0\.\d\d dBFS\): lowered by 0\.\d\d dB so that nothing clips$/)]);
  });

  it("-3 dBFS-peak white noise (+1.5 dBTP after resampling): no clipped sample either", async () => {
    ff(["-f", "lavfi", "-i", "anoisesrc=c=white:a=0.7079:r=48000:d=3:seed=1", "-f", "lavfi", "-i", "anoisesrc=c=white:a=0.7079:r=48000:d=3:seed=2", "-filter_complex", "[0][1]amerge=inputs=2", "-c:a", "pcm_s16le", p("noise.wav")]);
    const c = await convertFile(p("noise.wav"), { board: pi4, cacheDir: p("cache") });
    expect(clipped(c.pcm)).toBe(0);
    expect(c.truePeakDb).toBeCloseTo(CEILING_DBTP, 2);
    expect(c.gainDb).toBeLessThan(-1);
    expect(c.warnings).toHaveLength(1);
  });

  it("reports the true peak, not the samples' peak, and agrees with ffmpeg's BS.1770 meter on the source", async () => {
    // A 12 kHz tone at 45° to the 48 kHz samples: samples at 0.9 × 0.707, crest at 0.9 (-0.92 dBTP);
    // faded in and out over 0.2 s, so no onset makes the resampler ring.
    ff(["-f", "lavfi", "-i", "aevalsrc=0.9*sin(2*PI*12000*t+PI/4)*min(1\\,min(t\\,2-t)/0.2)|0.5*sin(2*PI*440*t):s=48000:d=2", "-c:a", "pcm_s16le", p("isp.wav")]);
    const c = await convertFile(p("isp.wav"), { board: pi4, cacheDir: p("cache") });
    expect(c.gainDb).toBe(0);
    expect(c.warnings).toEqual([]);
    expect(c.truePeakDb).toBeCloseTo(20 * Math.log10(0.9), 1);
    expect(Math.abs(c.truePeakDb - ffmpegTruePeak(p("isp.wav")))).toBeLessThan(0.15);
  });

  it("leaves a song with headroom alone: the same samples as ffmpeg's own 16-bit output", async () => {
    ff(["-f", "lavfi", "-i", "aevalsrc=0.5*sin(2*PI*440*t)|0.4*sin(2*PI*660*t):s=44100:d=2", "-c:a", "pcm_s16le", p("quiet.wav")]);
    const c = await convertFile(p("quiet.wav"), { board: pi4, cacheDir: p("cache") });
    expect(c.gainDb).toBe(0);
    const raw = execFileSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-nostdin", "-i", p("quiet.wav"), "-af", `aformat=sample_fmts=fltp:channel_layouts=stereo,${exactRateFilter(pi4, 44100, true)}`, "-f", "s16le", "-"], { maxBuffer: 64 << 20 });
    const ref = new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
    expect(c.pcm.length).toBe(ref.length);
    let diff = 0;
    for (let i = 0; i < ref.length; i++) diff = Math.max(diff, Math.abs(ref[i]! - c.pcm[i]!));
    expect(diff).toBeLessThanOrEqual(1); // rounding of exact halves may differ
  });
});

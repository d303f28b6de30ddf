// Sound quality through the simulated jack: plain vs oversampled + noise-shaped.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BOARDS, frameRateMilliHz, pwmRange } from "../host/boards.js";
import { HALFBAND_BETA, HALFBAND_TAPS, designHalfband, measureHalfband } from "../host/dsp/halfband.js";
import { renderAnalog } from "../host/quality/analog.js";
import { type Capture, capture, windowOf } from "../host/quality/measure.js";
import { bandNoiseDbfs, fft, powerSpectrum, toneFigures } from "../host/quality/spectrum.js";
import { encodeWavFloat } from "../host/wav.js";
import { tempDir } from "./temp.js";

const shaped = { quality: "shaped" as const, feed: "dma" as const };
const plain = { feed: "dma" as const };
const figures = (c: Capture) => toneFigures(powerSpectrum(windowOf(c)), c.rate, c.bin, c.fullScalePower);

describe("measurement tools", () => {
  it("the FFT finds a coherent tone in its bin and nothing elsewhere", () => {
    const n = 4096;
    const re = new Float64Array(n).map((_, i) => Math.sin((2 * Math.PI * 37 * i) / n));
    const im = new Float64Array(n);
    fft(re, im);
    expect(Math.hypot(re[37]!, im[37]!)).toBeCloseTo(n / 2, 6);
    expect(Math.hypot(re[36]!, im[36]!)).toBeLessThan(1e-9);
  });

  it("the analog model passes a constant duty exactly and attenuates its 17.9 kHz corner by 3 dB", () => {
    const range = 177;
    const fs = 705600;
    const flat = renderAnalog(new Uint16Array(20000).fill(44), range, fs * range);
    expect(flat.at(-1)).toBeCloseTo(44 / 177, 9);
    const n = 1 << 16;
    const bin = Math.round((17900 * n) / fs);
    const f = (bin * fs) / n;
    const duty = new Uint16Array(n + 8192).map((_, i) => Math.round(88 + 70 * Math.sin((2 * Math.PI * bin * i) / n)));
    const y = renderAnalog(duty, range, fs * range).subarray(8192);
    const gainDb = 10 * Math.log10(powerSpectrum(y)[bin]! / ((70 / 177) ** 2 / 2));
    const rc = -10 * Math.log10(1 + (f / 17861) ** 2); // first-order low-pass at 1/(2π·270 Ω·33 nF)
    expect(gainDb).toBeCloseTo(rc, 0);
  });

  it("the half-band filter meets its documented figures (firmware/dsp/interpolator.ts)", () => {
    const m = measureHalfband(designHalfband(HALFBAND_TAPS, HALFBAND_BETA), 44100);
    expect(m.passbandRippleDb).toBeLessThan(0.0002);
    expect(m.stopbandDb).toBeLessThan(-99);
    const doc = readFileSync(new URL("../firmware/dsp/halfband-taps.ts", import.meta.url), "utf8");
    expect(doc).toContain(`ripple ±${m.passbandRippleDb.toFixed(4)} dB, stop band from 24.1 kHz ${m.stopbandDb.toFixed(1)} dB`);
  });
});

describe("1 kHz −1 dBFS, 20 Hz–20 kHz, Pi 4", () => {
  let p: Capture;
  let s: Capture;
  beforeAll(async () => {
    p = await capture("pi4", plain, -1);
    s = await capture("pi4", shaped, -1);
  }, 120_000);

  it("plain: ~11.5-bit PWM gives about 70 dB", () => {
    expect(p.haltCode).toBe(0);
    expect(p.gaps).toBe(0);
    const f = figures(p);
    expect(f.levelDbfs).toBeCloseTo(-1, 0);
    expect(f.snrDb).toBeGreaterThan(66);
    expect(f.snrDb).toBeLessThan(76);
  });

  it("shaped: >= 96 dB SNR, the tone at the same level, no gap", () => {
    expect(s.haltCode).toBe(0);
    expect(s.gaps).toBe(0);
    const f = figures(s);
    expect(f.levelDbfs).toBeCloseTo(-1, 0);
    expect(f.snrDb).toBeGreaterThanOrEqual(96);
    expect(f.snrDb - figures(p).snrDb).toBeGreaterThan(20);
    expect(f.thdnDb).toBeLessThan(figures(p).thdnDb - 15);
    // M/S PWM's own 2nd-harmonic distortion is pre-compensated (firmware/audio/producer.ts Predistort).
    expect(f.thdnDb).toBeLessThan(-80);
  });

  it("shaped: the shaper's noise sits above the audio band", () => {
    const spec = powerSpectrum(windowOf(s));
    const n = spec.length * 2;
    const band = (lo: number, hi: number) => {
      let e = 0;
      for (let k = Math.ceil((lo * n) / s.rate); k <= Math.floor((hi * n) / s.rate); k++) if (k % s.bin !== 0) e += spec[k]!;
      return e; // tone and harmonics left out: noise only
    };
    expect(band(100000, 200000)).toBeGreaterThan(band(20, 20000) * 1000);
  });
});

describe("idle channel and cross-check with sox", () => {
  it("shaped idle noise is below -100 dBFS, and sox stats agree within 1.5 dB", async () => {
    const idle = await capture("pi4", shaped, null);
    const w = windowOf(idle);
    const ours = bandNoiseDbfs(powerSpectrum(w), idle.rate, idle.fullScalePower);
    expect(ours).toBeLessThan(-100);
    // The same signal as a float WAV scaled so a full-scale sine is ±1.0; sox low-passes to 20 kHz and measures RMS.
    let mean = 0;
    for (const v of w) mean += v;
    mean /= w.length;
    const amp = Math.sqrt(2 * idle.fullScalePower);
    const scaled = w.map((v) => (v - mean) / amp);
    const dir = tempDir("piwave-q-");
    const wav = join(dir, "idle.wav");
    writeFileSync(wav, encodeWavFloat(scaled, Math.round(idle.rate), 1));
    const out = execFileSync("sox", [wav, "-n", "sinc", "-20000", "stats"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).toString();
    const statsText = out || execFileSync("sh", ["-c", `sox "${wav}" -n sinc -20000 stats 2>&1`], { encoding: "utf8" });
    const rms = Number(statsText.match(/RMS lev dB\s+(-?[\d.]+)/)![1]);
    // sox's RMS is relative to ±1.0 full scale; a full-scale sine is at -3.01 dB on that scale.
    expect(Math.abs(rms + 3.01 - ours)).toBeLessThan(1.5);
  }, 60_000);
});

describe("rates", () => {
  it("shaped mode plays 16 PWM frames per audio frame at range 177 (Pi 4) / 354 (Pi 3)", () => {
    expect(pwmRange(BOARDS.pi4, "shaped")).toBe(177);
    expect(pwmRange(BOARDS.pi3, "shaped")).toBe(354);
    expect(frameRateMilliHz(BOARDS.pi4, "shaped")).toBe(44_138_418);
    expect(frameRateMilliHz(BOARDS.pi3, "shaped")).toBe(44_138_418);
  });
});

// `piwave sim SONG --report`: the user's own song through the simulated jack, beside its source (issue 15's closing paragraph).
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { convertFile } from "../host/audio/convert.js";
import { BOARDS, frameRateHz, frameRateMilliHz, pwmRange } from "../host/boards.js";
import { bundlePrecompRange, encodeBundle } from "../host/bundle.js";
import { songSource } from "../host/quality/song-source.js";
import { tempDir } from "./temp.js";

const exec = promisify(execFile);
const bin = new URL("../bin/piwave.mjs", import.meta.url).pathname;
const dir = tempDir("piwave-song-report-");

async function piwave(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args, "--cache-dir", join(dir, "cache")], { timeout: 280_000, env: { ...process.env, NO_COLOR: "1" }, cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** A short song made by the real ffmpeg: a sweep and noise, different on each channel (not periodic, so it aligns one way only). */
function makeSong(name: string, seconds: number): string {
  const file = join(dir, name);
  const expr = `0.3*sin(2*PI*(100+1500*t)*t)+0.1*(random(0)-0.5)|0.3*sin(2*PI*(3000-500*t)*t)+0.1*(random(1)-0.5)`;
  execFileSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", `aevalsrc=${expr}:d=${seconds}:s=44100`, "-c:a", "libmp3lame", "-b:a", "192k", file]);
  return file;
}

interface Report {
  file: string;
  seconds: number;
  windows: number;
  bands: { loHz: number; hiHz: number; sourceDbfs: number; jackDbfs: number; addedDbfs: number }[];
  sourceDbfs: number;
  jackDbfs: number;
  addedDbfs: number;
  sinadDb: number;
  source: { kind: string; precompensationRange: number; note: string };
}

/**
 * What rounding to the plain PWM's range levels alone adds over 20 Hz–20 kHz
 * (dBFS): a uniform error of ±½ level, white up to half the frame rate, against
 * a full-scale sine of half the swing. The jack of a pre-compensated plain
 * bundle adds no more than this; uncompensated, its pulse-position distortion
 * is far above it.
 */
function plainRoundingFloorDbfs(): number {
  const range = pwmRange(BOARDS.pi4, "plain");
  const inBand = 19980 / (frameRateHz(BOARDS.pi4, "plain") / 2);
  return 10 * Math.log10((inBand / (12 * range * range)) / (0.5 ** 2 / 2));
}

describe("the report's source (host/quality/song-source.ts)", () => {
  // 0.1 s of a loud 5 kHz tone at the Pi 4's plain rate: the bundle stores it pre-compensated, changed.
  const rateMilliHz = frameRateMilliHz(BOARDS.pi4, "plain");
  const pcm = Int16Array.from({ length: 2 * 4410 }, (_, i) => Math.round(30000 * Math.sin((2 * Math.PI * 5000 * (i >> 1)) / (rateMilliHz / 1000))));
  const bundle = encodeBundle([{ name: "tone", rateMilliHz, pcm }]);

  it("is the converted song when there is one, else the stored samples, named for what they are", () => {
    const stored = songSource(bundle, "b.pwb");
    expect(stored.kind).toBe("stored-precompensated");
    expect(stored.pcm).not.toEqual(pcm);
    const converted = songSource(bundle, "b.pwb", { rateMilliHz, pcm });
    expect(converted).toMatchObject({ kind: "converted", name: "tone", tracks: 1, precompensationRange: pwmRange(BOARDS.pi4, "plain") });
    expect(converted.pcm).toBe(pcm);
    const off = songSource(encodeBundle([{ name: "tone", rateMilliHz, pcm }], { precompensation: "off" }), "b.pwb");
    expect(off.kind).toBe("stored");
    expect(off.pcm).toEqual(pcm);
  });

  it("refuses a converted song that is not the bundle's first track", () => {
    expect(() => songSource(bundle, "b.pwb", { rateMilliHz, pcm: pcm.subarray(0, 4000) })).toThrow(/the converted song \(2000 frames at 44107\.269 Hz\) is not the bundle's first track \(4410 frames/);
    expect(() => songSource(encodeBundle([]), "empty.pwb")).toThrow("song report: empty.pwb holds no track");
  });
});

describe("piwave sim SONG --report", () => {
  const song = makeSong("Sweep & noise.mp3", 4);
  let plainSinad = 0;
  let plainReport: Report | undefined;

  it("plain: prints the song's spectrum through the jack beside the source's, band by band, writes the HTML, and gives it all in --json", async () => {
    const html = join(dir, "plain.html");
    const r = await piwave(["sim", song, "--report", html, "--ramp", "20", "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; report: Report };
    expect(doc.ok).toBe(true);
    const rep = doc.report;
    expect(rep.file).toBe(html);
    expect(rep.windows).toBe(2); // 4 s: two whole windows of 65536 frames
    expect(rep.bands.map((b) => b.loHz)).toEqual([20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10240]);
    // The source is the song as converted, not the pre-compensated samples the plain bundle stores.
    expect(rep.source.kind).toBe("converted");
    expect(rep.source.precompensationRange).toBe(pwmRange(BOARDS.pi4, "plain"));
    // The jack plays the song: wherever the song has energy, the jack's band level is the song's
    // (against the stored, pre-distorted samples a band was 1.3 dB off).
    for (const b of rep.bands) if (b.sourceDbfs > -60) expect(Math.abs(b.jackDbfs - b.sourceDbfs)).toBeLessThan(0.5);
    expect(rep.jackDbfs).toBeCloseTo(rep.sourceDbfs, 0);
    // What the jack adds is the rounding to its levels and nothing more: at most that noise's level, white
    // (+3 dB an octave, no distortion piling up at the top). Against the stored samples it read about 35 dB more (−40 dBFS).
    const floor = plainRoundingFloorDbfs();
    expect(rep.addedDbfs).toBeLessThan(floor + 0.5);
    for (let i = 1; i < rep.bands.length; i++) {
      const step = rep.bands[i]!.addedDbfs - rep.bands[i - 1]!.addedDbfs;
      expect(step).toBeGreaterThan(1.5);
      expect(step).toBeLessThan(4.5);
    }
    expect(rep.sinadDb).toBeGreaterThan(rep.sourceDbfs - floor - 0.5);
    plainSinad = rep.sinadDb;
    // The text goes to stderr in --json mode.
    expect(r.stderr).toContain('"Sweep & noise" on the pi4, plain: the first 3.0 s');
    expect(r.stderr).toContain(`source: the song as converted, before the plain-mode pre-compensation the bundle stores (range ${pwmRange(BOARDS.pi4, "plain")})`);
    expect(r.stderr).toMatch(/10\.24k-20k Hz +-?\d+\.\d +-?\d+\.\d +-?\d+\.\d/);
    expect(r.stderr).toMatch(/SINAD against the song \d+\.\d dB/);
    const page = readFileSync(html, "utf8");
    expect(page).toContain("&#34;Sweep &#38; noise&#34;"); // the name, escaped
    expect(page).toContain("<svg");
    expect(page).toContain(`<tr><td>20 Hz–20 kHz</td><td>${rep.sourceDbfs.toFixed(1)}</td>`);
    expect(page).toContain(`SINAD against the song: ${rep.sinadDb.toFixed(1)} dB`);
    expect(page).toContain("The source: the song as converted, before the plain-mode pre-compensation");
    plainReport = rep;
  }, 300_000);

  it("--bundle: a pre-compensated bundle is reported against its stored samples and says so; one without, against the song (the same source as the songs' report)", async () => {
    expect(plainReport).toBeDefined();
    // The song converted as the sim run above converted it (same cache), packed both ways.
    const c = await convertFile(song, { board: BOARDS.pi4, quality: "plain", cacheDir: join(dir, "cache") });
    const track = [{ name: c.name, rateMilliHz: c.rateMilliHz, pcm: c.pcm }];
    const pre = encodeBundle(track, { cacheDir: join(dir, "cache") });
    expect(bundlePrecompRange(pre)).toBe(pwmRange(BOARDS.pi4, "plain"));
    writeFileSync(join(dir, "pre.pwb"), pre);
    writeFileSync(join(dir, "off.pwb"), encodeBundle(track, { precompensation: "off" }));

    const a = await piwave(["sim", "--bundle", "pre.pwb", "--report", join(dir, "pre.html"), "--ramp", "20", "--json"]);
    expect(a.code).toBe(0);
    const pr = (JSON.parse(a.stdout) as { report: Report }).report;
    expect(pr.source.kind).toBe("stored-precompensated");
    expect(pr.source.precompensationRange).toBe(pwmRange(BOARDS.pi4, "plain"));
    expect(a.stderr).toContain(`source: the bundle's stored samples, pre-compensated for plain mode (range ${pwmRange(BOARDS.pi4, "plain")}), not the song itself`);
    expect(a.stderr).toContain("give the song files (piwave sim SONG --report)");
    expect(readFileSync(join(dir, "pre.html"), "utf8")).toContain("The source: the bundle's stored samples, pre-compensated");
    // The same bytes play the same jack; only the source differs: the stored samples are not the song.
    pr.bands.forEach((b, i) => expect(b.jackDbfs).toBeCloseTo(plainReport!.bands[i]!.jackDbfs, 6));
    expect(Math.max(...pr.bands.map((b, i) => Math.abs(b.sourceDbfs - plainReport!.bands[i]!.sourceDbfs)))).toBeGreaterThan(0.5);

    const o = await piwave(["sim", "--bundle", "off.pwb", "--report", join(dir, "off.html"), "--ramp", "20", "--json"]);
    expect(o.code).toBe(0);
    const off = (JSON.parse(o.stdout) as { report: Report }).report;
    expect(off.source.kind).toBe("stored");
    expect(off.source.precompensationRange).toBe(0);
    expect(o.stderr).toContain("source: the bundle's samples (not pre-compensated: the song as converted)");
    // Its samples are the song as converted: exactly the source the songs' report used.
    off.bands.forEach((b, i) => expect(b.sourceDbfs).toBeCloseTo(plainReport!.bands[i]!.sourceDbfs, 9));
  }, 300_000);

  it("shaped: the same song comes out with the 16-bit source's quality, far above plain", async () => {
    const r = await piwave(["sim", song, "--report", join(dir, "shaped.html"), "--ramp", "20", "--quality", "shaped", "--feed", "dma", "--json"]);
    expect(r.code).toBe(0);
    const rep = (JSON.parse(r.stdout) as { report: Report }).report;
    // Shaped bundles are not pre-compensated: the source is the song as converted, as stored.
    expect(rep.source).toMatchObject({ kind: "converted", precompensationRange: 0 });
    expect(r.stderr).toContain("source: the song as converted\n");
    for (const b of rep.bands) if (b.sourceDbfs > -60) expect(Math.abs(b.jackDbfs - b.sourceDbfs)).toBeLessThan(0.2);
    expect(rep.sinadDb).toBeGreaterThan(85);
    // Plain's SINAD is bounded by its 2834 levels (about 64 dB for this song), shaped's by the 16-bit source.
    expect(rep.sinadDb).toBeGreaterThan(plainSinad + 30);
  }, 300_000);

  it("a song shorter than one analysis window is refused with what the report needs", async () => {
    const short = makeSong("short.mp3", 1);
    const r = await piwave(["sim", short, "--report", join(dir, "short.html"), "--ramp", "20"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/the song is 1\.\d+ s long; the report needs at least one window of 65536 frames \(1\.49 s\)/);
    expect(existsSync(join(dir, "short.html"))).toBe(false);
  }, 120_000);
});

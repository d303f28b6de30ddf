// `piwave sim SONG --report`: the user's own song through the simulated jack, beside its source (issue 15's closing paragraph).
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
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
}

describe("piwave sim SONG --report", () => {
  const song = makeSong("Sweep & noise.mp3", 4);
  let plainSinad = 0;

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
    // The jack plays the song: wherever the song has energy, the jack's band level is the source's.
    for (const b of rep.bands) if (b.sourceDbfs > -60) expect(Math.abs(b.jackDbfs - b.sourceDbfs)).toBeLessThan(0.5);
    expect(rep.jackDbfs).toBeCloseTo(rep.sourceDbfs, 0);
    // What the jack adds: well below the music, and most at the top of the band (plain mode's pulse-position errors).
    expect(rep.addedDbfs).toBeLessThan(rep.sourceDbfs - 25);
    expect(rep.bands.at(-1)!.addedDbfs).toBeGreaterThan(rep.bands[4]!.addedDbfs);
    expect(rep.sinadDb).toBeGreaterThan(25);
    expect(rep.sinadDb).toBeLessThan(60);
    plainSinad = rep.sinadDb;
    // The text goes to stderr in --json mode.
    expect(r.stderr).toContain('"Sweep & noise" on the pi4, plain: the first 3.0 s');
    expect(r.stderr).toMatch(/10\.24k-20k Hz +-?\d+\.\d +-?\d+\.\d +-?\d+\.\d/);
    expect(r.stderr).toMatch(/SINAD against the song \d+\.\d dB/);
    const page = readFileSync(html, "utf8");
    expect(page).toContain("&#34;Sweep &#38; noise&#34;"); // the name, escaped
    expect(page).toContain("<svg");
    expect(page).toContain(`<tr><td>20 Hz–20 kHz</td><td>${rep.sourceDbfs.toFixed(1)}</td>`);
    expect(page).toContain(`SINAD against the song: ${rep.sinadDb.toFixed(1)} dB`);
  }, 300_000);

  it("shaped: the same song comes out with the 16-bit source's quality, far above plain", async () => {
    const r = await piwave(["sim", song, "--report", join(dir, "shaped.html"), "--ramp", "20", "--quality", "shaped", "--feed", "dma", "--json"]);
    expect(r.code).toBe(0);
    const rep = (JSON.parse(r.stdout) as { report: Report }).report;
    for (const b of rep.bands) if (b.sourceDbfs > -60) expect(Math.abs(b.jackDbfs - b.sourceDbfs)).toBeLessThan(0.2);
    expect(rep.sinadDb).toBeGreaterThan(85);
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

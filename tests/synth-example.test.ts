// examples/synth, the firmware synthesiser on the public library, run on the simulator as a user
// runs theirs: its src/ copied into a project where piwave is installed (node_modules/piwave is this
// package), imported as "piwave/firmware", built from the entry by piwave/testing. UART lines at given
// times change what the jack plays: checked by frequency and level, with no gap, no hardware rule
// broken, and a click-free start and stop. Built with 50 ms start/stop ramps (the `rampMs` build
// option) so the music starts at once; the plain build also runs once with its real, thump-free ramps.
import { cpSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../host/firmware.js";
import { parseSummary } from "../host/log-line.js";
import { type FirmwareRun, measureTone, runFirmware } from "../host/testing/index.js";
import "../host/testing/vitest.js";
import { tempDir } from "./temp.js";

const project = tempDir("piwave-synth-");
mkdirSync(join(project, "node_modules"));
symlinkSync(ROOT, join(project, "node_modules", "piwave"), "dir");
cpSync(join(ROOT, "examples", "synth", "src"), join(project, "src"), { recursive: true });
const entry = join(project, "src", "main.ts");

/** A4 and E5 in equal temperament. */
const A4 = 440;
const E5 = 440 * 2 ** (7 / 12);

/** Power of `x` at `hz` (Goertzel), as dB relative to a full-scale sine's. */
function powerDb(x: Float64Array, rate: number, hz: number): number {
  const w = (2 * Math.PI * hz) / rate;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    // Hann window: the bins next to a strong tone stay clean.
    const s0 = x[i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (x.length - 1))) + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const p = s1 * s1 + s2 * s2 - c * s1 * s2;
  return 10 * Math.log10(p / ((x.length / 4) ** 2) + 1e-30);
}

function slice(run: FirmwareRun, fromMs: number, toMs: number): Float64Array {
  const r = run.jack.rateHz;
  return run.jack.signal("left").subarray(Math.round((fromMs / 1000) * r), Math.round((toMs / 1000) * r));
}

/** Frequency and level of the left channel between two times, by piwave/testing's measureTone (the audio band, in either mode). */
function measure(run: FirmwareRun, fromMs: number, toMs: number): { hz: number; db: number } {
  const m = measureTone(run.jack, "left", { fromMs, toMs });
  return { hz: m.frequencyHz, db: m.levelDbfs };
}

describe.each([
  { label: "plain, FIFO polling", variant: { rampMs: 50 } },
  { label: "shaped, DMA", variant: { quality: "shaped", feed: "dma", rampMs: 50 } as const },
])("the synth ($label)", async ({ variant }) => {
  const run = await runFirmware({
    entry,
    variant,
    ms: 8000,
    traceLimit: 0,
    uart: [
      { atMs: 1000, data: "wave sine\nvol 50\nA4\n" },
      { atMs: 2500, data: "E5\n" },
      { atMs: 3500, data: "vol 25\n" },
      { atMs: 4400, data: "foo\r\n" },
      { atMs: 4500, data: "quit\n" },
    ],
  });

  it("boots, plays its intro, answers every line, and halts(0) after quit with a summary", () => {
    expect(run.ended).toBe("halt");
    expect(run.haltCode).toBe(0);
    expect(run.lines[0]).toMatch(/^I synth: piwave synth example on pi4, \d+\.\d{3} Hz$/);
    const synth = run.lines.filter((l) => /^(I|W) (synth|arp):/.test(l));
    expect(synth.slice(1)).toEqual([
      "I arp: step 1 C4",
      "I arp: step 2 E4",
      "I arp: step 3 G4",
      "I arp: step 4 C5",
      expect.stringMatching(/^I synth: ready: A4 \| off \| /),
      "I synth: lead wave sine",
      "I synth: volume 50 %",
      "I synth: note A4 440.00 Hz, sine",
      "I synth: note E5 659.26 Hz, sine",
      "I synth: volume 25 %",
      expect.stringMatching(/^W synth: not understood: "foo" \(A4 \| /),
      "I synth: quit: releasing, then the output ramps down",
    ]);
    const summary = parseSummary(run.lines.at(-1)!);
    expect(summary).not.toBeNull();
    expect(summary!.tracks).toBe(1);
    expect(summary!.underruns).toBe(0);
    expect(summary!.logDropped).toBe(0);
    // Frames from the first to the last: the ramp-up, ~4.5 s of music, the 300 ms release; then halt.
    expect(summary!.frames / run.jack.audioRateHz).toBeGreaterThan(4.4);
    // quit at 4.5 s, the 300 ms release to -100 dB (~0.7 s), the 50 ms ramp: halted before 5.5 s.
    expect(run.virtualMs).toBeLessThan(5500);
  });

  it("the jack's rate: one PWM period per frame in plain mode, 16 in shaped mode", () => {
    expect(run.jack.oversampling).toBe(variant.quality === "shaped" ? 16 : 1);
    expect(run.jack.audioRateHz).toBeCloseTo(variant.quality === "shaped" ? 44138.4 : 44107.3, 0);
  });

  it("plays the intro's first note, C4, on the arpeggiator's square wave", () => {
    // Step 1 sounds from the end of the 50 ms ramp for 62.5 ms (half of its 125 ms step).
    expect(measure(run, 60, 110).hz).toBeCloseTo(261.63, 0);
  });

  it("plays A4, then E5 at the same level, then E5 6 dB quieter after vol 25", () => {
    const a = measure(run, 1300, 2300);
    const e = measure(run, 2800, 3400);
    const q = measure(run, 3700, 4300);
    expect(a.hz).toBeCloseTo(A4, 1);
    expect(e.hz).toBeCloseTo(E5, 1);
    expect(q.hz).toBeCloseTo(E5, 1);
    expect(Math.abs(e.db - a.db)).toBeLessThan(0.1);
    expect(q.db - e.db).toBeCloseTo(-6.02, 1);
    // Volume 50 % × sustain 70 % of the output's full scale. That is the PWM's range in plain mode; in shaped
    // mode the 16-bit scale spans (range − 1 − 2·MARGIN)/HEADROOM levels (firmware/audio/producer.ts, MARGIN 4.5
    // and HEADROOM 1.6 in firmware/dsp/shaper.ts): 4.6 dB less at the jack on a Pi 4 (range 177).
    const r = run.jack.range;
    const fullScale = variant.quality === "shaped" ? (r - 1 - 2 * 4.5) / 1.6 / r : 1;
    expect(run).toPlayTone("left", { hz: A4, dbfs: 20 * Math.log10(0.35 * fullScale), hzWithin: 0.1, dbWithin: 0.1, fromMs: 1300, toMs: 2300 });
    expect(run).toPlayTone("right", { hz: E5, fromMs: 2800, toMs: 3400 });
  });

  it("has no gap and breaks no hardware rule", () => {
    expect(run).toHaveNoGaps();
    expect(run).toBreakNoHardwareRule();
  });

  // In shaped mode single PWM periods jump by several levels (the noise-shaped line); the check reads the audio band.
  it("starts and stops without a click", () => {
    expect(run).toStartAndStopWithoutClicks();
  });
});

describe("the synth's oscillators", async () => {
  // A high sawtooth: C7 (2093 Hz). Its 12th harmonic (25.1 kHz) is above half the frame rate; a naive
  // sawtooth folds it back to rate − 12·f0 (≈ 19 kHz) at 1/12 of the fundamental (−21.6 dB).
  // The plain build without the pulse-position pre-compensation (`exact`): the duty values are then
  // the oscillator's samples, not the samples plus the correction terms the output adds for the jack.
  const run = await runFirmware({
    entry,
    variant: { rampMs: 50, exact: true },
    ms: 2600,
    traceLimit: 0,
    uart: [{ atMs: 700, data: "wave saw\nadsr 1 1 100 1\nC7\n" }],
  });

  it("a sawtooth is band-limited: its folded harmonics are far below a naive one's", () => {
    expect(run.lines).toContain("I synth: note C7 2093.00 Hz, saw");
    const rate = run.jack.rateHz;
    const f0 = 440 * 2 ** ((96 - 69) / 12);
    const x = slice(run, 1000, 2500);
    const fundamental = powerDb(x, rate, f0);
    for (const k of [11, 12, 13]) {
      const alias = rate - k * f0;
      const rel = powerDb(x, rate, alias) - fundamental;
      // A naive sawtooth's folded harmonic k is at 1/k of the fundamental; two-sample PolyBLEP takes those
      // near half the rate down by about 8-13 dB (measured on the exact build: -29.4, -32.0, -34.9 dB).
      expect(rel, `harmonic ${k} folded to ${alias.toFixed(0)} Hz`).toBeLessThan(-20 * Math.log10(k) - 7);
    }
    // The in-band harmonics are there, at about 1/k: it is a sawtooth.
    expect(powerDb(x, rate, 2 * f0) - fundamental).toBeCloseTo(-20 * Math.log10(2), 0);
  });
});

describe("the synth with the real, thump-free ramps", async () => {
  // No rampMs: the output ramps the jack for 11-19 s each way, as on a card. The UART is read during
  // the ramp-up too: `quit` then ends the music before its first frame, and the jack ramps back down.
  const run = await runFirmware({ entry, ms: 60_000, traceLimit: 0, uart: [{ atMs: 200, data: "quit\n" }] });

  it("takes quit during the ramp-up, and ramps down without a click", () => {
    expect(run.haltCode).toBe(0);
    expect(run.lines).toContain("I synth: quit: releasing, then the output ramps down");
    const summary = parseSummary(run.lines.at(-1)!);
    expect(summary?.frames).toBe(0);
    expect(summary?.rampFrames).toBeGreaterThan(run.jack.rateHz * 2 * 10);
    expect(run).toStartAndStopWithoutClicks();
    expect(run).toHaveNoGaps();
  });
});

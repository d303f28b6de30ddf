// piwave/testing: timed inputs reach the firmware at their times, results are typed, and each
// check passes on a good run and fails, with a useful message, on a bad one.
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { ROOT, buildFirmware } from "../host/firmware.js";
import { type FirmwareRun, HALT_CODES, assertRun, clickCheck, clickFree, jackCapture, measureTone, noGaps, noViolations, parseFields, runFirmware, tone, writeSequence } from "../host/testing/index.js";
import "../host/testing/vitest.js";
import { constantTrack, rateOf } from "./helpers.js";

const IO_ECHO = join(ROOT, "tests", "firmware", "io-echo.ts");

describe("timed inputs (tests/firmware/io-echo.ts, built from its entry with piwave's settings)", () => {
  it("UART bytes arrive at their times, in order, and the firmware answers them", async () => {
    const run = await runFirmware({ entry: IO_ECHO, ms: 30, uart: [{ atMs: 12, data: "q" }, { atMs: 2, data: "hi\n" }] });
    expect(run.ended).toBe("halt");
    expect(run.haltCode).toBe(0);
    expect(run.lines).toEqual(["ready", "HI"]);
    expect(run.uartInput).toEqual({ received: 4, overruns: 0, ignored: 0 });
    // The first DR read with data comes after the first byte's frame (10 bits at 115200 baud ≈ 86.8 µs after 2 ms).
    const firstRx = run.events.find((e) => e.kind === "read" && e.register === "UART_DR")!;
    expect(firstRx.timeUs).toBeGreaterThan(2000 + 86);
    expect(firstRx.timeUs).toBeLessThan(2000 + 100);
    // 'q' at 12 ms ends the run shortly after 12 ms, not before.
    expect(run.virtualMs).toBeGreaterThan(12);
    expect(run.virtualMs).toBeLessThan(14);
  });

  it("without input the run reaches its bound and says so (no error)", async () => {
    const run = await runFirmware({ entry: IO_ECHO, ms: 5 });
    expect(run.ended).toBe("time-limit");
    expect(run.haltCode).toBeNull();
    expect(run.error).toBeUndefined();
    expect(run.lines).toEqual(["ready"]);
    expect(run.virtualMs).toBeGreaterThanOrEqual(5);
    expect(run.virtualMs).toBeLessThan(5.01);
  });

  it("bytes that arrive while the CPU is stalled overrun the 32-byte receive FIFO", async () => {
    // 60 bytes take 5.2 ms on the wire; the firmware is frozen from 1 ms to 11 ms: 32 fit, 28 are lost.
    const run = await runFirmware({ entry: IO_ECHO, ms: 20, uart: [{ atMs: 1, data: "a".repeat(60) }], stalls: [{ atMs: 1, forMs: 10 }] });
    expect(run.uartInput).toEqual({ received: 32, overruns: 28, ignored: 0 });
    expect(run.uart).toBe("ready\n" + "A".repeat(32));
  });

  it("GPIO input levels change at their times and the firmware sees each change", async () => {
    const run = await runFirmware({
      entry: IO_ECHO,
      ms: 10,
      gpio: [
        { atMs: 3, pin: 17, level: 1 },
        { atMs: 5, pin: 17, level: 0 },
        { atMs: 7, pin: 17, level: 1 },
        { atMs: 8, pin: 17, level: null }, // released: the pin reads its latch (0) again
      ],
    });
    expect(run.lines).toEqual(["ready", "gpio17 high", "gpio17 low", "gpio17 high", "gpio17 low"]);
    const changes = run.events.filter((e) => e.register === "UART_DR" && e.kind === "write" && e.fields.char === "p").map((e) => e.timeUs);
    expect(changes.map((t) => Math.floor(t / 1000))).toEqual([3, 5, 7, 8]);
  });

  it("a CPU stall freezes the firmware for its length at its time; the hardware runs on", async () => {
    const run = await runFirmware({ entry: IO_ECHO, ms: 8, stalls: [{ atMs: 4, forMs: 2.5 }] });
    const t = run.events.map((e) => e.timePs);
    let gapAt = -1;
    for (let i = 1; i < t.length; i++) if (t[i]! - t[i - 1]! >= 2.5e9) gapAt = i;
    expect(gapAt).toBeGreaterThan(0);
    expect(t[gapAt - 1]! / 1e9).toBeGreaterThanOrEqual(3.99);
    expect(t[gapAt - 1]! / 1e9).toBeLessThan(4.01);
    expect(run.machine.bus.stalls).toBe(1);
  });

  it("a halt code other than 0 is reported as such", async () => {
    const run = await runFirmware({ entry: IO_ECHO, ms: 10, uart: [{ atMs: 1, data: "x" }] });
    expect(run.ended).toBe("halt");
    // 42 is not one of piwave's codes (0-7, HALT_CODES; 5 became the runtime's "wasm trap").
    expect(run.haltCode).toBe(42);
    expect(HALT_CODES[42]).toBeUndefined();
    expect(run.halt).toBe("halt(42): unknown code");
  });

  it("refuses a run with neither or both of wasm and entry, and a bound that is not a time", async () => {
    await expect(runFirmware({ ms: 1 })).rejects.toThrow(/exactly one of `wasm` and `entry`/);
    await expect(runFirmware({ entry: IO_ECHO, wasm: new Uint8Array(8), ms: 1 })).rejects.toThrow(/exactly one/);
    await expect(runFirmware({ entry: IO_ECHO, ms: 0 })).rejects.toThrow(/ms must be > 0/);
    await expect(runFirmware({ entry: IO_ECHO, ms: 1, gpio: [{ atMs: 0, pin: 99, level: 1 }] })).rejects.toThrow(/GPIO99 does not exist/);
  });
});

describe("trace events", () => {
  it("decode fields with the documented rules", () => {
    expect(parseFields("PASSWD ENAB SRC=PLLD")).toEqual({ PASSWD: true, ENAB: true, SRC: "PLLD" });
    expect(parseFields("NO-PASSWD(0x00) DIVI=5 DIVF=0")).toEqual({ "NO-PASSWD": "0x00", DIVI: 5, DIVF: 0 });
    expect(parseFields("GPIO40,41")).toEqual({ GPIO40: true, GPIO41: true });
    expect(parseFields("1234")).toEqual({ value: 1234 });
    expect(parseFields("'\\n'")).toEqual({ char: "\n" });
    expect(parseFields("all off")).toEqual({});
  });
});

// The player with a 1 kHz tone: the checks on a good run, and on runs broken on purpose.
const board = "pi4";
// The player built with 50 ms start/stop ramps (the `rampMs` build option): its default, thump-free
// ramps take 11-19 s each way (firmware/audio/producer.ts), so a short tone would sit behind 19 s of
// ramp. 50 ms = 2205 frames still moves less than range/512 per frame, what clickFree allows.
const player = (await buildFirmware(board, { variant: { rampMs: 50 } })).path;
function toneTrack(hz: number, amplitude: number, seconds: number) {
  const rate = rateOf(board) / 1000;
  const n = Math.round(seconds * rate);
  const pcm = new Int16Array(n * 2);
  for (let i = 0; i < n; i++) {
    const v = Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * amplitude);
    pcm[2 * i] = v; // left: the tone
    pcm[2 * i + 1] = 0; // right: silence
  }
  return { name: "tone", rateMilliHz: rateOf(board), pcm };
}

describe("checks on the player playing a 1 kHz tone at -6 dBFS", async () => {
  const run = await runFirmware({ board, wasm: player, bundle: [toneTrack(1000, 16384, 0.3)], ms: 2000 });

  it("the matchers pass", () => {
    expect(run.haltCode).toBe(0);
    expect(run).toBreakNoHardwareRule();
    expect(run).toHaveNoGaps();
    expect(run).toStartAndStopWithoutClicks();
    expect(run).toPlayTone("left", { hz: 1000, dbfs: -6.02, hzWithin: 0.5, dbWithin: 0.1 });
    expect(run).not.toPlayTone("left", { hz: 1100 });
    expect(run).not.toPlayTone("right", { hz: 1000 });
    expect(run).toWriteInOrder([
      { register: "CM_PWMCTL", fields: { PASSWD: true, ENAB: false } },
      { register: "CM_PWMDIV", fields: { PASSWD: true } },
      { register: "CM_PWMCTL", fields: { PASSWD: true, ENAB: true, SRC: "PLLD" } },
      { register: "PWM_CTL", fields: { PWEN1: true, PWEN2: true } },
      { register: "CM_PWMCTL", fields: { PASSWD: true, ENAB: false } },
    ]);
  });

  it("measureTone reads the frequency and level", () => {
    const m = measureTone(run.jack, "left");
    expect(m.frequencyHz).toBeCloseTo(1000, 0);
    expect(m.levelDbfs).toBeCloseTo(-6.02, 1);
    expect(measureTone(run.jack, "right").levelDbfs).toBe(-Infinity);
  });

  it("writeSequence fails with the step it could not find and the writes there were", () => {
    const r = writeSequence(run, [
      { register: "CM_PWMCTL", fields: { ENAB: true } },
      { register: "CM_PWMDIV", fields: { DIVI: 999 } },
    ]);
    expect(r.pass).toBe(false);
    expect(r.message()).toMatch(/expected a write CM_PWMDIV DIVI=999 \(step 2 of 2\)/);
    expect(r.message()).toMatch(/there was no write to CM_PWMDIV after it/);
    // adjacent: the DIV write comes between two CTL writes, so CTL, CTL is not adjacent.
    expect(writeSequence(run, [{ register: "CM_PWMCTL", fields: { ENAB: false } }, { register: "CM_PWMCTL", fields: { ENAB: true } }], { adjacent: true }).pass).toBe(false);
    expect(() => assertRun(writeSequence(run, [{ register: "PWM1_RNG1", value: 1 }]))).toThrow(/expected a write PWM1_RNG1 value == 0x1/);
  });

  it("the tone check says what it found", () => {
    const r = tone(run, "left", { hz: 440 });
    expect(r.pass).toBe(false);
    expect(r.message()).toMatch(/expected the left channel to carry 440 Hz ± 4.4 in audio frames .* found 100\d\.\d\d Hz at -6\.\d\d dBFS/);
    expect(r.message()).not.toMatch(/still running/);
    // A run cut off at its bound says so: the tone may simply not have started yet (the player's slow ramps).
    const cut = tone({ ...run, ended: "time-limit" }, "left", { hz: 440 });
    expect(cut.message()).toMatch(/still running at the run's bound of \d+\.\d ms: did the tone play within it\?/);
  });
});

describe("checks catch broken runs", () => {
  it("a clock-manager write without the password is a violation, named with its time", async () => {
    const bad = await runFirmware({ board: "pi3", entry: join(ROOT, "tests", "firmware", "no-password.ts"), ms: 1 });
    expect(bad.haltCode).toBe(0);
    const r = noViolations(bad);
    expect(r.pass).toBe(false);
    expect(r.message()).toMatch(/broke 1:\n  \[\d+\.\d{3} us\] CM: .*password/i);
    expect(bad.writes("CM_PWMDIV")[0]!.fields).toMatchObject({ "NO-PASSWD": "0x00", DIVI: 6 });
  });

  it("a jack that starts at mid-scale and a gap are each reported", async () => {
    const good = await runFirmware({ board, wasm: player, bundle: [constantTrack(board, 100, 0, 0)], ms: 200 });
    expect(good.haltCode).toBe(0);
    expect(clickFree(good).pass).toBe(true);
    expect(noGaps(good).pass).toBe(true);
    // The same capture with one thing wrong each (a firmware that switches on at mid-scale; a late FIFO refill).
    const clicky: FirmwareRun = { ...good, jack: { ...good.jack, left: good.jack.left.slice(), right: good.jack.right.slice() } };
    clicky.jack.left[0] = Math.round(good.jack.range / 2);
    const c = clickFree(clicky);
    expect(c.pass).toBe(false);
    expect(c.message()).toMatch(/left channel starts at duty \d+ instead of the idle level 0/);
    expect(c.message()).not.toMatch(/right channel/);
    const end = clickCheck(good.jack, "right").startRamp![1];
    clicky.jack.right[end >> 1] = good.jack.right[end >> 1]! + 40;
    expect(clickFree(clicky, { channel: "right" }).message()).toMatch(new RegExp(`right channel jumps by 4\\d \\(more than \\d+\\) at frame ${end >> 1} `));
    const gappy: FirmwareRun = { ...good, jack: { ...good.jack, gaps: { left: 3, right: 0, leftAt: [120], rightAt: [] } } };
    expect(noGaps(gappy).pass).toBe(false);
    expect(noGaps(gappy).message()).toMatch(/ran out of data in 3 left and 0 right periods, the first at frame 120/);
  });
});

describe("the jack in an oversampled (shaped) mode: measured in the audio band", () => {
  // A Pi 4 in piwave's shaped mode: 16 PWM periods per audio frame, range 177 (host/boards.ts), silence at
  // (range − 1)/2. The duty values come from a 2nd-order error-feedback quantiser, so single periods jump by
  // several levels around the sound, as the firmware's shaper makes them.
  const range = 177;
  const osr = 16;
  const pwmRate = 125e6 / range;
  const shaped = (level: (t: number) => number, periods: number): Uint16Array => {
    const d = new Uint16Array(periods);
    let e1 = 0;
    let e2 = 0;
    for (let i = 0; i < periods; i++) {
      const want = level(i / pwmRate) + 2 * e1 - e2;
      const q = Math.max(0, Math.min(range, Math.round(want)));
      e2 = e1;
      e1 = want - q;
      d[i] = q;
    }
    return d;
  };
  const silence = (range - 1) / 2;
  const rampS = 0.05;
  /** 50 ms ramp from 0 to silence, a 1 kHz tone at half of the half-range for 0.2 s, 50 ms ramp back. */
  const song = (t: number) => {
    if (t < rampS) return (silence * t) / rampS;
    if (t < rampS + 0.2) return silence + 44 * Math.sin(2 * Math.PI * 1000 * (t - rampS));
    return Math.max(0, silence * (1 - (t - rampS - 0.2) / rampS));
  };
  const periods = Math.round(0.3 * pwmRate);
  const d = shaped(song, periods);

  it("the oversampling and audio rate are inferred from the PWM rate", () => {
    const jack = jackCapture({ rateHz: pwmRate, range, left: d, right: d });
    expect(jack.oversampling).toBe(osr);
    expect(jack.audioRateHz).toBeCloseTo(pwmRate / 16, 6);
    expect(jackCapture({ rateHz: 44107.3, range: 2834, left: new Uint16Array(4), right: new Uint16Array(4) }).oversampling).toBe(1);
    // Single PWM periods jump by several levels: a per-period measure would see noise.
    let step = 0;
    for (let i = 1; i < d.length; i++) step = Math.max(step, Math.abs(d[i]! - d[i - 1]!));
    expect(step).toBeGreaterThanOrEqual(3);
  });

  it("measureTone reads the tone's frequency and level", () => {
    const jack = jackCapture({ rateHz: pwmRate, range, left: d, right: d });
    const m = measureTone(jack, "left", { fromMs: 100, toMs: 200 });
    expect(m.frequencyHz).toBeCloseTo(1000, 1);
    // AES17: a sine of peak 44 levels against a half-range of 88.5 levels.
    expect(m.levelDbfs).toBeCloseTo(20 * Math.log10(44 / (range / 2)), 1);
    expect(m.dc).toBeCloseTo((silence - range / 2) / (range / 2), 3);
  });

  it("the shaped ramps are click-free; an abrupt start or a jump on the ramp is a click", () => {
    expect(clickCheck(jackCapture({ rateHz: pwmRate, range, left: d, right: d }), "left").problems).toEqual([]);
    const abrupt = shaped((t) => (t < 0.01 ? silence : song(t)), periods);
    const r = clickCheck(jackCapture({ rateHz: pwmRate, range, left: abrupt, right: abrupt }), "left", { stop: false });
    expect(r.problems).toEqual([
      expect.stringMatching(/^the left channel starts at duty \d+\.\d\d instead of the idle level 0: a click at switch-on$/),
      expect.stringMatching(/^the left channel jumps by \d+\.\d\d \(more than 0\.35\) at frame \d \(0\.\d\d ms\) on its way from idle to mid-scale$/),
    ]);
    const stepped = shaped((t) => (t >= 0.02 && t < rampS ? Math.min(silence, song(t) + 20) : song(t)), periods);
    expect(clickCheck(jackCapture({ rateHz: pwmRate, range, left: stepped, right: stepped }), "left").problems.join("\n")).toMatch(/jumps by .* at frame 88\d \(20\.\d\d ms\) on its way from idle to mid-scale/);
  });
});

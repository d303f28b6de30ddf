// The selftest card (issue 11 item 9): its block, the announced sequence and the verdict, on the simulator and under QEMU.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeBundle } from "../host/bundle.js";
import { ROOT } from "../host/firmware.js";
import { parseHalt, parseSummary } from "../host/log-line.js";
import { runQemu } from "../host/qemu.js";
import { CHECK_HZ, buildSelftestKernel, buildSelftestWasm, selftestTracks } from "../host/selftest.js";
import { pulseSpectrum } from "../host/quality/pulse.js";
import { simulate } from "../host/sim/machine.js";
import { runFirmware } from "../host/testing/index.js";
import { tempDir } from "./temp.js";

const WORK = join(ROOT, "build", "test-selftest");
const short = { partSeconds: 0.2, sweepSeconds: 0.4 };
const wasm: Partial<Record<"pi4" | "pi3", Uint8Array<ArrayBuffer>>> = {};
beforeAll(async () => {
  for (const b of ["pi4", "pi3"] as const) wasm[b] = new Uint8Array(readFileSync(await buildSelftestWasm(b)));
}, 180_000);
afterAll(() => rmSync(WORK, { recursive: true, force: true }));

const field = (lines: string[], key: string) => lines.find((l) => l.startsWith("I selftest: ") && l.includes(` ${key}=`) || l.startsWith(`I selftest: ${key}=`))?.match(new RegExp(`${key}=(\\S+)`))?.[1];

describe("selftest on the simulator", () => {
  for (const [board, clockHz, armMax, revision] of [["pi4", 125_000_000, 1_500_000_000, "0x00c03111"], ["pi3", 250_000_000, 1_200_000_000, "0x00a02082"]] as const) {
    it(`${board}: the block, the six announced parts in order, PASS`, () => {
      const r = simulate({ board, wasm: wasm[board]!, bundle: encodeBundle(selftestTracks(board, short)), maxSeconds: 30 });
      expect(r.error).toBeUndefined();
      expect(r.haltCode).toBe(0);
      const l = r.lines;
      expect(l[0]).toMatch(/^I selftest: ---- piwave selftest 1: paste from here into a bug report ----$/);
      expect(field(l, "revision")).toBe(revision);
      expect(field(l, "arm_clock_before")).toBe("600000000");
      expect(field(l, "arm_clock_after")).toBe(String(armMax));
      expect(field(l, "fifo_depth")).toBe("16");
      const measured = Number(field(l, "pwm_clock_measured"));
      expect(Math.abs(measured - clockHz) / clockHz).toBeLessThan(1e-3);
      // PACTL_CS as the boot firmware left it (the simulator's reset value 0: DSI0), read before anything wrote it.
      if (board === "pi4") {
        expect(l).toContain("I selftest: pactl_cs=0x00000000 dreq1=DSI0 (bit 23 clear as the boot firmware left it; the firmware sets it before enabling DMA)");
        // ... and still the DMA moves, because the firmware set bit 23 (read-modify-write) before enabling DMAC.
        expect(field(l, "pactl_cs_after")).toBe("0x00800000");
      } else {
        expect(l).toContain("I selftest: pactl_cs=none (the BCM2837 has no PACTL_CS: its PWM has DREQ 5 to itself)");
        expect(field(l, "pactl_cs_after")).toBeUndefined();
      }
      // The DMA engine, paced by the PWM's DREQ, takes two words per frame.
      const frameHz = Number(field(l, "sample_rate"));
      const pacing = Number(field(l, "dma_pacing"));
      expect(Math.abs(pacing - 2 * frameHz) / (2 * frameHz)).toBeLessThan(2e-3);
      expect(l.find((x) => x.startsWith("I selftest: dma_pacing="))).toMatch(/^I selftest: dma_pacing=\d+ words\/s \(expected \d+\.\d{3}, two per frame; -?\d+ ppm, 8192 words on channel 5\)/);
      const bytes = encodeBundle(selftestTracks(board, short)).length;
      expect(l).toContain(`I selftest: music=music.pwb loaded by the Pi firmware (config.txt initramfs), ${bytes} bytes, CRCs ok`);
      // The block ends before the sequence; nothing merged into it.
      const end = l.findIndex((x) => x.startsWith("I selftest: ---- end of the selftest block"));
      expect(l[end]).toBe("I selftest: ---- end of the selftest block; now the test sequence, each part announced ----");
      expect(l[end + 1]).toMatch(/^I boot: /);
      const parts = l.filter((x) => / start "/.test(x)).map((x) => x.match(/start "([^:]+):/)![1]);
      expect(parts).toEqual(["left channel only", "right channel only", "both channels", "pulse-position check, both channels", "slow sweep, both channels", "silence"]);
      expect(parseSummary(l.at(-2)!)).not.toBeNull();
      expect(l.at(-1)).toMatch(/^I selftest: verdict: PASS: 6 parts played, underruns 0, ARM clock \d+ MHz$/);
    });
  }

  it("the pulse-position check tells a period-start pulse from a period-end one: 2 kHz below -60 dBc as played, above -30 dBc the other way round (docs/pwm-ms-mode.md, issue 15 item 8)", () => {
    const r = simulate({ board: "pi4", wasm: wasm.pi4!, bundle: encodeBundle(selftestTracks("pi4", { partSeconds: 0.5, sweepSeconds: 0.4 })), maxSeconds: 40 });
    expect(r.haltCode).toBe(0);
    const range = r.jack.range;
    const rate = r.jack.rateHz;
    for (const duty of [r.jack.left.view(), r.jack.right.view()]) {
      // The only part near full scale: the -1 dBFS check tone (the others are at -12 dBFS).
      const first = duty.findIndex((d) => d - range / 2 > 0.85 * (range / 2));
      expect(first).toBeGreaterThan(0);
      const n = 8192;
      const start = first + 2000;
      const bin = (CHECK_HZ * n) / rate;
      const h2Dbc = (align: "start" | "end") => {
        const p = pulseSpectrum(duty, range, start, n, Math.ceil(3 * bin), align).power;
        const around = (c: number) => {
          let e = 0;
          for (let k = Math.round(c) - 3; k <= Math.round(c) + 3; k++) e += p[k]!;
          return e;
        };
        return 10 * Math.log10(around(2 * bin) / around(bin));
      };
      expect(h2Dbc("start")).toBeLessThan(-60);
      expect(h2Dbc("end")).toBeGreaterThan(-30);
    }
  });

  it("the parts sound as announced: left only, right only, both, and silence at the end", () => {
    const r = simulate({ board: "pi4", wasm: wasm.pi4!, bundle: encodeBundle(selftestTracks("pi4", short)), maxSeconds: 30 });
    const left = r.jack.left.view();
    const right = r.jack.right.view();
    const n = r.jack.frames;
    // A channel is "playing" in a block when it oscillates (a ramp moves, but never turns back).
    const playing = (ch: Uint16Array, from: number, len: number) => {
      let lo = Infinity, hi = -Infinity, sum = 0;
      for (let i = from; i < from + len; i++) {
        lo = Math.min(lo, ch[i]!);
        hi = Math.max(hi, ch[i]!);
        sum += ch[i]!;
      }
      const mean = sum / len;
      let crossings = 0;
      for (let i = from + 1; i < from + len; i++) if ((ch[i - 1]! - mean) * (ch[i]! - mean) < 0) crossings++;
      return hi - lo > 200 && crossings >= 4;
    };
    const states: string[] = [];
    for (let b = 0; b + 1000 <= n; b += 1000) {
      const s = (playing(left, b, 1000) ? "L" : "") + (playing(right, b, 1000) ? "R" : "");
      states.push(s || "-");
    }
    // Each part lasts ~8.8 blocks. The block where one part gives way to the next holds the end of one
    // and the start of the other (e.g. "LR" between left only and right only, wherever the start ramp's
    // length puts the boundary): a state heard for a single block is such a boundary, not a part.
    const runs: { s: string; blocks: number }[] = [];
    for (const s of states) {
      if (runs.at(-1)?.s === s) runs.at(-1)!.blocks++;
      else runs.push({ s, blocks: 1 });
    }
    const heard = runs.filter((r) => r.s !== "-" && r.blocks >= 2).map((r) => r.s).filter((s, i, a) => i === 0 || a[i - 1] !== s);
    expect(heard).toEqual(["L", "R", "LR"]);
    // The silence part: the last 0.15 s before the final ramp plays nothing.
    expect(states.slice(-8, -2).every((s) => s === "-")).toBe(true);
  });

  it("where the PWM is plain RAM (as in QEMU): not measurable, verdict INCOMPLETE", async () => {
    const r = await runFirmware({ board: "pi3", wasm: wasm.pi3!, bundle: selftestTracks("pi3", short), ms: 30_000, traceLimit: 0, faults: { pwmIsRam: true } });
    expect(r.haltCode).toBe(0);
    expect(r.lines).toContain("I selftest: fifo_depth=not measurable pwm_clock=not measurable (the PWM registers are plain RAM: QEMU, no PWM model)");
    expect(r.lines).toContain("I selftest: dma_pacing=not measurable (QEMU's DMA ignores DREQ and there is no PWM to pace it)");
    expect(r.lines.at(-1)).toMatch(/^I selftest: verdict: INCOMPLETE: QEMU has no PWM, so FIFO depth, PWM clock, DMA pacing and sound were not checked; /);
  });

  it("pi4: a PACTL_CS the boot firmware left with bit 23 set is printed as found, other bits kept", async () => {
    const r = await runFirmware({ wasm: wasm.pi4!, bundle: selftestTracks("pi4", short), ms: 30_000, traceLimit: 0, faults: { pactlAtBoot: 0x0080_0005 } });
    expect(r.haltCode).toBe(0);
    expect(r.lines).toContain("I selftest: pactl_cs=0x00800005 dreq1=PWM1 (bit 23 set by the boot firmware)");
    expect(field(r.lines, "pactl_cs_after")).toBe("0x00800005");
    expect(r.lines.at(-1)).toMatch(/^I selftest: verdict: PASS/);
  });

  it("pi4: a DREQ 1 mux stuck on DSI0 shows as 0 words/s and the verdict CHECK", async () => {
    const r = await runFirmware({ wasm: wasm.pi4!, bundle: selftestTracks("pi4", short), ms: 30_000, traceLimit: 0, faults: { dreqMuxStuck: true } }); // the firmware's bit 23 never lands
    expect(r.lines.find((x) => x.startsWith("I selftest: dma_pacing="))).toMatch(/^I selftest: dma_pacing=0 words\/s \(expected [\d.]+, two per frame; no DREQ reached the engine: it did not move, 8192 words on channel 5\) pactl_cs_after=0x00000000$/);
    expect(r.lines.find((x) => x.includes("verdict:"))).toMatch(/^W selftest: verdict: CHECK: .*; see the measurements above$/);
  });

  it("a damaged music file: the block says so with the E bundle line, and the verdict is FAIL with halt 1", () => {
    const b = encodeBundle(selftestTracks("pi4", short));
    b[b.length - 3]! ^= 0x10;
    const r = simulate({ board: "pi4", wasm: wasm.pi4!, bundle: b, maxSeconds: 30 });
    expect(r.haltCode).toBe(1);
    expect(r.lines.some((x) => /^E bundle: track 6 "silence: .*": audio data CRC mismatch/.test(x))).toBe(true);
    expect(r.lines.some((x) => /^I selftest: music=music\.pwb loaded by the Pi firmware \(config\.txt initramfs\), \d+ bytes, refused \(see the E bundle line\)$/.test(x))).toBe(true);
    expect(r.lines.at(-1)).toBe("E selftest: verdict: FAIL: the player stopped with halt code 1");
    expect(r.jack.frames).toBeLessThan(20000); // only the silent measurement phase
  });

  it("a silent mailbox: the clock is reported unknown, the rest still runs", async () => {
    const r = await runFirmware({ wasm: wasm.pi4!, bundle: selftestTracks("pi4", short), ms: 30_000, traceLimit: 0, faults: { mailbox: "silent" } });
    expect(r.haltCode).toBe(0);
    expect(field(r.lines, "revision")).toBe("unknown");
    expect(r.lines.some((x) => x.includes("arm_clock_before=0 arm_clock_after=0 (unknown: no mailbox answer)"))).toBe(true);
    expect(r.lines.at(-1)).toMatch(/^I selftest: verdict: PASS/);
  });
});

describe("selftest under QEMU raspi3b", () => {
  it("prints the block (what QEMU cannot show says so), plays the parts, INCOMPLETE, halt 0", async () => {
    const k = await buildSelftestKernel({ board: "pi3", qemuExit: true, cacheDir: join(WORK, "cache"), ...short });
    mkdirSync(WORK, { recursive: true });
    const music = join(WORK, "selftest-music.pwb");
    writeFileSync(music, k.music);
    const r = await runQemu({ image: k.image, music, timeoutSec: 60, untilDone: true });
    const l = r.lines;
    expect(r.haltCode).toBe(0);
    expect(l.filter((x) => parseHalt(x))).toEqual(["I runtime: halted with code 0 (done)"]);
    expect(l.some((x) => x.startsWith("I selftest: ---- piwave selftest 1"))).toBe(true);
    expect(l).toContain("I selftest: fifo_depth=not measurable pwm_clock=not measurable (the PWM registers are plain RAM: QEMU, no PWM model)");
    expect(l).toContain("I selftest: pactl_cs=none (the BCM2837 has no PACTL_CS: its PWM has DREQ 5 to itself)");
    expect(l).toContain("I selftest: dma_pacing=not measurable (QEMU's DMA ignores DREQ and there is no PWM to pace it)");
    // Where the music was found: the runtime's address line, then the block's line (QEMU's loader put it there).
    const at = l.indexOf(`I runtime: music at 0x06000000, ${k.music.length} bytes`);
    expect(at).toBeGreaterThan(0);
    expect(l[at + 1]).toBe(`I selftest: music=music.pwb loaded by QEMU (-device loader), ${k.music.length} bytes, CRCs ok`);
    expect(l.some((x) => x.startsWith("I selftest: arm_clock_before=700000000 arm_clock_after=700000000"))).toBe(true);
    expect(l.filter((x) => / start "/.test(x))).toHaveLength(6);
    expect(l.find((x) => x.startsWith("I selftest: verdict:"))).toMatch(/^I selftest: verdict: INCOMPLETE: QEMU has no PWM, so FIFO depth, PWM clock, DMA pacing and sound were not checked; 6 parts played/);
  }, 240_000);
});

describe("piwave selftest (the command)", () => {
  it("builds the card: kernel8.img, config.txt and music.pwb in --out-dir, the Pi firmware named when missing, no work directory left", async () => {
    const { mkdtempSync, existsSync, readdirSync, statSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = tempDir("piwave-selftest-test-");
    const before = readdirSync(tmpdir()).filter((f) => f.startsWith("piwave-selftest-") && !f.startsWith("piwave-selftest-test-"));
    try {
      const r = await promisify(execFile)(process.execPath, [join(ROOT, "bin", "piwave.mjs"), "selftest", "--board", "pi3", "--out-dir", join(dir, "boot"), "--firmware-dir", join(dir, "none"), "--offline"], { env: { ...process.env, NO_COLOR: "1" }, timeout: 300_000 });
      expect(statSync(join(dir, "boot", "kernel8.img")).size).toBeGreaterThan(10_000);
      expect(existsSync(join(dir, "boot", "config.txt"))).toBe(true);
      expect(statSync(join(dir, "boot", "music.pwb")).size).toBeGreaterThan(100_000); // the announced test sequence
      expect(r.stderr).toMatch(/warning: the card also needs bootcode\.bin, start\.elf, fixup\.dat/);
      expect(r.stdout).toMatch(/selftest card for pi3 in .*: kernel8\.img, config\.txt, music\.pwb/);
      const after = readdirSync(tmpdir()).filter((f) => f.startsWith("piwave-selftest-") && !f.startsWith("piwave-selftest-test-"));
      expect(after.sort()).toEqual(before.sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it("--sim --board pi3 runs the full sequence and exits 0", async () => {
    const r = await promisify(execFile)(process.execPath, [join(ROOT, "bin", "piwave.mjs"), "selftest", "--sim", "--board", "pi3"], { env: { ...process.env, NO_COLOR: "1" }, timeout: 120_000 });
    expect(r.stdout).toMatch(/I selftest: fifo_depth=16 words/);
    expect(r.stdout).toMatch(/I track: 5\/6 start "slow sweep, both channels: 20 Hz to 20 kHz in 10 s"/);
    expect(r.stdout).toMatch(/I selftest: verdict: PASS/);
  }, 180_000);
});

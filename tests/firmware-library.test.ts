// The firmware library ("piwave/firmware", firmware/index.ts) used as a user uses it: test firmwares
// (tests/firmware/library/) copied into a project where piwave is installed (node_modules/piwave is
// this package), importing "piwave/firmware", built from their entry by piwave/testing and run on the
// simulator. (examples/synth, in tests/synth-example.test.ts, covers AudioOutput and FrameSource.)
import { cpSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../host/firmware.js";
import { FirmwareModuleError } from "../host/firmware-module.js";
import { runFirmware } from "../host/testing/index.js";
import "../host/testing/vitest.js";
import { compileEntry } from "../host/user-firmware.js";
import { Block, PeripheralBase } from "../regs/blocks.js";
import { CmReg } from "../regs/cm.js";
import { tempDir } from "./temp.js";

const project = tempDir("piwave-lib-");
mkdirSync(join(project, "node_modules"));
symlinkSync(ROOT, join(project, "node_modules", "piwave"), "dir");
cpSync(join(ROOT, "tests", "firmware", "library"), join(project, "src"), { recursive: true });
const src = (name: string) => join(project, "src", `${name}.ts`);

describe("importing the library from an installed piwave", () => {
  it("the abort handler shares the firmware's log: a queued line comes out before the F abort line", async () => {
    // Compiled in under a second name (a relative path beside ~lib/piwave/...), the handler had a log of
    // its own: the queued line was lost and only the abort came out.
    expect(readFileSync(join(project, "node_modules", "piwave", "firmware", "index.ts"), "utf8")).toMatch(/export \{ AudioOutput,/);
    const run = await runFirmware({ entry: src("abort-order"), ms: 50 });
    expect(run.haltCode).toBe(3);
    // A direct abort("boom") has no place: the line is only the message (it said "at (unknown):0:0").
    expect(run.lines).toEqual(["I before: queued, not flushed", "F abort: boom"]);
    expect(run.error).toBe("F abort: boom");
  });

  it("a typed layout whose size check fails does not compile, and says which layout", async () => {
    const e = await compileEntry(src("bad-layout"), "pi4").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FirmwareModuleError);
    expect((e as Error).message).toMatch(/Header must be 12 bytes/);
  });
});

describe("uart: receiving bytes and lines without blocking", () => {
  it("splits lines at LF, CR and CR LF, keeps the first 128 bytes of a long line, parses numbers", async () => {
    const long = "x".repeat(140);
    const run = await runFirmware({
      entry: src("uart-lines"),
      ms: 200,
      uart: [
        { atMs: 1, data: "hello\n" },
        { atMs: 5, data: "cr only\rcr lf\r\n\nn -42\n" },
        { atMs: 20, data: `${long}\n` },
        { atMs: 40, data: "n\nnx 7\nend\n" },
      ],
    });
    expect(run.haltCode).toBe(0);
    expect(run.lines).toEqual([
      "I ready: ",
      'I line: 5 "hello"',
      'I line: 7 "cr only"',
      'I line: 5 "cr lf"',
      'I line: 0 ""', // the empty line after CR LF's LF
      'I line: 5 "n -42" number -42',
      `I line: 128 "${"x".repeat(128)}" truncated`,
      'I line: 1 "n" number 12345', // no number: the fallback
      'I line: 4 "nx 7" number 12345',
    ]);
    expect(run).toBreakNoHardwareRule();
  });

  it("counts the bytes lost while the CPU could not read them", async () => {
    // 60 bytes while the firmware is stalled for 10 ms: the 32-byte FIFO overruns, the line's end is lost
    // with the rest, so the next LF ends it.
    const run = await runFirmware({
      entry: src("uart-lines"),
      ms: 200,
      uart: [{ atMs: 1, data: "a".repeat(59) + "\n" }, { atMs: 30, data: "\nstats\nend\n" }],
      stalls: [{ atMs: 1, forMs: 10 }],
    });
    expect(run.uartInput.overruns).toBeGreaterThan(0);
    expect(run.lines).toContain("I stats: overruns=1");
    expect(run.lines).toContain(`I line: 32 "${"a".repeat(32)}"`);
  });
});

describe("Pin and ClockGenerator", () => {
  it("sets the pull and mode, follows an input on an output pin, and starts the PWM clock by the rules", async () => {
    const run = await runFirmware({
      entry: src("pins"),
      ms: 40,
      gpio: [
        { atMs: 2, pin: 17, level: 0 },
        { atMs: 6, pin: 17, level: 1 },
      ],
    });
    expect(run.haltCode).toBe(0);
    expect(run.lines).toEqual(["I clock: started", "I pin: 17 low", "I pin: 17 high"]);
    expect(run.machine.gpio.pulls[17]).toBe("up");
    expect(run).toBreakNoHardwareRule();
    expect(run).toWriteInOrder([
      { register: "GPCLR0", fields: { GPIO27: true } },
      { register: "GPSET0", fields: { GPIO27: true } },
    ]);
    expect(run).toWriteInOrder(
      [
        { register: "CM_PWMCTL", fields: { PASSWD: true, ENAB: false } },
        { register: "CM_PWMDIV", fields: { PASSWD: true, DIVI: 5 } },
        { register: "CM_PWMCTL", fields: { PASSWD: true, ENAB: false, SRC: "OSC" } },
        { register: "CM_PWMCTL", fields: { PASSWD: true, ENAB: true, SRC: "OSC" } },
      ],
      { adjacent: true },
    );
  });

  it("a clock outside the sandbox (GP0) is refused: the access does not happen, halt 4", async () => {
    const run = await runFirmware({ entry: src("pins"), ms: 40, uart: [{ atMs: 2, data: "gp0\n" }] });
    expect(run.haltCode).toBe(4);
    expect(run.writes().some((e) => e.address === PeripheralBase.PI4 + Block.CM + CmReg.GP0CTL || e.register === "CM_GP0CTL")).toBe(false);
  });

  it("on a Pi 3 the pull goes through GPPUD and GPPUDCLK0, and the pin still follows", async () => {
    const run = await runFirmware({ entry: src("pins"), board: "pi3", ms: 40, gpio: [{ atMs: 6, pin: 17, level: 1 }] });
    expect(run.haltCode).toBe(0);
    expect(run.lines).toEqual(["I clock: started", "I pin: 17 low", "I pin: 17 high"]);
    expect(run).toBreakNoHardwareRule();
    // GPPUD = 2 is "enable pull-up" on BCM2835/2837 (ARM peripherals 6.1; Linux dt-bindings
    // pinctrl/bcm2835.h BCM2835_PUD_UP 2), unlike BCM2711's 01. (host/sim/gpio.ts decodes GPPUD with
    // the BCM2711 codes, so its field names are not checked here.)
    expect(run).toWriteInOrder(
      [
        { register: "GPPUD", value: 2 },
        { register: "GPPUDCLK0", value: 1 << 17 },
        { register: "GPPUD", value: 0 },
        { register: "GPPUDCLK0", value: 0 },
      ],
      { adjacent: true },
    );
  });
});

describe("AudioOutput and DmaChannel", () => {
  it("plays two sources in a row, each ramped up and down, with a summary each", async () => {
    const run = await runFirmware({ entry: src("two-tones"), variant: { rampMs: 20 }, ms: 2000 });
    expect(run.haltCode).toBe(0);
    const summaries = run.lines.filter((l) => l.startsWith("I summary:"));
    expect(summaries).toHaveLength(2);
    const frames = Math.floor((run.jack.rateHz * 0.2));
    for (const l of summaries) expect(l).toMatch(new RegExp(`^I summary: tracks=1 frames=${frames} ramp_frames=\\d+ underruns=0 `));
    // First tone: after the 20 ms ramp; second: after the first's ramp down and the second's ramp up.
    expect(run).toPlayTone("left", { hz: 1000, fromMs: 60, toMs: 200 });
    expect(run).toPlayTone("right", { hz: 1000, fromMs: 60, toMs: 200 });
    expect(run).toPlayTone("left", { hz: 2000, fromMs: 330, toMs: 430 });
    expect(run).toStartAndStopWithoutClicks();
    expect(run).toHaveNoGaps();
    expect(run).toBreakNoHardwareRule();
  });

  it("DmaChannel refuses a channel the DMA service does not admit, with an F abort line", async () => {
    const run = await runFirmware({ entry: src("dma-channel"), ms: 50 });
    expect(run.lines).toEqual(["I dma: channel 5 idle", expect.stringMatching(/^F abort: new DmaChannel\(3\): DMA channel not admitted by the DMA service \(0, 2, 4, 5, 6\) at ~lib\/piwave\/firmware\/hal\/dma\.ts:\d+:\d+$/)]);
    expect(run.haltCode).toBe(3);
  });

  it("a bad argument to a driver: the F abort line names the call, the value and the library's line; the result's error is that line", async () => {
    // Before, the line was "F abort: GPIO pin out of range (0-57) at (unknown):0:0": no value, no place.
    const run = await runFirmware({ entry: src("bad-pin"), ms: 50 });
    expect(run.ended).toBe("halt");
    expect(run.haltCode).toBe(3);
    expect(run.lines).toEqual(["I pins: asking for pin 60", expect.stringMatching(/^F abort: new Pin\(60\): GPIO pin out of range \(0-57\) at ~lib\/piwave\/firmware\/hal\/pin\.ts:(\d+):\d+$/)]);
    const line = Number(run.lines[1]!.match(/pin\.ts:(\d+):/)![1]);
    expect(readFileSync(join(ROOT, "firmware", "hal", "pin.ts"), "utf8").split("\n")[line - 1]).toMatch(/throw new Error\("GPIO pin out of range/);
    expect(run.error).toBe(run.lines[1]);
    // Refused before it touched the hardware: the only pin functions set are the UART's (GPIO14/15 in GPFSEL1).
    expect(new Set(run.writes().filter((w) => w.register.startsWith("GPFSEL")).map((w) => w.register))).toEqual(new Set(["GPFSEL1"]));
  });
});

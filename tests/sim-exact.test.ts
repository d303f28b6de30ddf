// The simulator's fast paths change nothing: for every firmware mode on both
// boards, the machine with the fast bus and the lazy PWM model gives exactly
// what the straightforward reference models give (tests/reference/: the bus
// and the PWM model as they were before they were made fast, running every
// PWM period one at a time): both jack channels, the gaps, the full access
// trace with its time stamps, the UART log, the violations, the virtual
// time, the injected stalls, the time limit and the firmware's own underrun
// counts. Register scripts then cover the PWM set-ups the firmware never uses.
import { describe, expect, it } from "vitest";
import { BOARDS, type BoardName, type Quality, frameRateMilliHz } from "../host/boards.js";
import { encodeBundle } from "../host/bundle.js";
import { type Variant, buildFirmware, loadFirmware } from "../host/firmware.js";
import type { Bus } from "../host/sim/bus.js";
import type { Dma } from "../host/sim/dma.js";
import { Machine, type SimOptions, type SimResult } from "../host/sim/machine.js";
import type { Pwm } from "../host/sim/pwm.js";
import type { Trace } from "../host/sim/trace.js";
import { SIM_LINEAR_MEMORY_PHYS } from "../host/sim/abi.js";
import { CTL, boundariesUpTo, boundaryAfter, spacingOfDoubles } from "../host/sim/pwm.js";
import { Block, PeripheralBase } from "../regs/blocks.js";
import { PwmReg } from "../regs/pwm.js";
import { PactlCs, PactlReg } from "../regs/pactl.js";
import { PS_PER_US } from "../host/sim/time.js";
import { chirpTrack } from "./helpers.js";
import { EagerPwm } from "./reference/eager-pwm.js";
import { PlainBus } from "./reference/plain-bus.js";
import { WordDma } from "./reference/word-dma.js";

// The firmware is built with short start/stop ramps (Variant.rampMs, the
// RAMP_MS build option: the same ramp code, staircase or shaped line, over
// fewer periods; firmware/audio/producer.ts). The thump-free ramps (11-19 s
// each) would make every run 20-40 s of virtual time: a complete trace of
// that is far beyond TRACE_LIMIT, and the reference models run every PWM
// period one at a time. What is compared is the models, not the ramp length
// (tests/thump.test.ts measures that).
const RAMP_MS = 46;

const MODES: { label: string; quality: Quality; variant: Variant }[] = [
  { label: "plain/poll", quality: "plain", variant: { rampMs: RAMP_MS } },
  { label: "plain/dma", quality: "plain", variant: { feed: "dma", rampMs: RAMP_MS } },
  { label: "shaped/poll", quality: "shaped", variant: { quality: "shaped", rampMs: RAMP_MS } },
  { label: "shaped/dma", quality: "shaped", variant: { quality: "shaped", feed: "dma", rampMs: RAMP_MS } },
];

const TRACE_LIMIT = 4_000_000;

function referenceMachine(opts: SimOptions): Machine {
  return new Machine(opts, {
    // The reference classes have the same public surface as the product's; the
    // product's classes have private fields, so TypeScript wants a cast.
    bus: (clock, trace) => new PlainBus(clock, trace) as unknown as Bus,
    pwm: (board, ctx, cm) => new EagerPwm(board, ctx, cm) as unknown as Pwm,
    dma: (board, ctx, pwm, pactl) => new WordDma(board, ctx, pwm, pactl) as unknown as Dma,
  });
}

/** `setup` prepares each machine before its run (e.g. one-shot stalls). */
function runBoth(opts: SimOptions, setup: (m: Machine) => void = () => {}): { fast: SimResult; untraced: SimResult; ref: SimResult } {
  const go = (m: Machine) => {
    setup(m);
    return m.run();
  };
  return {
    ref: go(referenceMachine(opts)),
    fast: go(new Machine(opts)),
    untraced: go(new Machine({ ...opts, trace: false })),
  };
}

function summary(r: SimResult, key: string): number {
  const m = r.lines.find((l) => l.startsWith("I summary:"))?.match(new RegExp(` ${key}=(\\d+)`));
  return m ? Number(m[1]) : NaN;
}

/** "identical", or where two sequences first differ and how. */
function firstDifference<T>(a: readonly T[], b: readonly T[]): string {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return `differ at ${i}: ${String(a[i])} vs ${String(b[i])}`;
  return a.length === b.length ? "identical" : `lengths ${a.length} vs ${b.length}`;
}

/** Index of the first entry where the traces differ, or -1. */
function firstTraceDifference(a: Trace, b: Trace): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.entry(i);
    const y = b.entry(i);
    if (x.timePs !== y.timePs || x.addr !== y.addr || x.value !== y.value || x.write !== y.write) return i;
  }
  return a.length === b.length ? -1 : n;
}

function expectSameOutputs(fast: SimResult, ref: SimResult, traced: boolean): void {
  expect(fast.error).toBe(ref.error);
  expect(fast.haltCode).toBe(ref.haltCode);
  expect(fast.uart).toBe(ref.uart);
  expect(fast.violations).toEqual(ref.violations);
  expect(fast.virtualSeconds).toBe(ref.virtualSeconds);
  expect(fast.accesses).toBe(ref.accesses);
  expect(fast.machine.bus.stalls).toBe(ref.machine.bus.stalls);
  const fj = fast.jack;
  const rj = ref.jack;
  expect(fj.right.length).toBe(rj.right.length);
  expect(fj.left.length).toBe(rj.left.length);
  expect(Buffer.compare(Buffer.from(fj.right.view().buffer, fj.right.view().byteOffset, fj.right.length * 2), Buffer.from(rj.right.view().buffer, rj.right.view().byteOffset, rj.right.length * 2))).toBe(0);
  expect(Buffer.compare(Buffer.from(fj.left.view().buffer, fj.left.view().byteOffset, fj.left.length * 2), Buffer.from(rj.left.view().buffer, rj.left.view().byteOffset, rj.left.length * 2))).toBe(0);
  expect(fj.gaps).toEqual(rj.gaps);
  expect(fj.gapAt).toEqual(rj.gapAt);
  expect([fj.range, fj.clockHz]).toEqual([rj.range, rj.clockHz]);
  expect(fast.machine.pwm.wordsWritten).toBe(ref.machine.pwm.wordsWritten);
  expect(fast.machine.pwm.ctlWrites).toEqual(ref.machine.pwm.ctlWrites);
  if (traced) {
    const ft = fast.machine.trace!;
    const rt = ref.machine.trace!;
    expect(rt.dropped).toBe(0);
    expect(ft.length).toBe(rt.length);
    const at = firstTraceDifference(ft, rt);
    expect(at === -1 ? "identical" : `differ at access ${at}: ${JSON.stringify(ft.entry(at))} vs ${JSON.stringify(rt.entry(at))}`).toBe("identical");
  }
}

function check(opts: SimOptions, haltCode: number | null = 0, setup?: (m: Machine) => void): { fast: SimResult; ref: SimResult } {
  const { fast, untraced, ref } = runBoth({ ...opts, trace: TRACE_LIMIT }, setup);
  expect(ref.haltCode, ref.error ?? ref.lines.at(-1)).toBe(haltCode);
  expectSameOutputs(fast, ref, true);
  expectSameOutputs(untraced, ref, false);
  return { fast, ref };
}

describe("the fast simulator gives exactly the reference models' outputs", () => {
  for (const board of ["pi4", "pi3"] as BoardName[]) {
    for (const mode of MODES) {
      const seconds = mode.quality === "shaped" ? 0.12 : 0.6;
      const bundleOf = (s: number) => encodeBundle([chirpTrack(board, s, "exact")].map((t) => ({ ...t, rateMilliHz: frameRateMilliHz(BOARDS[board], mode.quality) })));

      it(`${board} ${mode.label}: jack, trace, UART log`, async () => {
        await buildFirmware(board, { variant: mode.variant });
        const wasm = new WebAssembly.Module(loadFirmware(board, mode.variant));
        const { fast } = check({ board, wasm, bundle: bundleOf(seconds), maxSeconds: 60 });
        // The run really played the track.
        expect(fast.jack.frames).toBeGreaterThan(seconds * 44100 * (mode.quality === "shaped" ? 16 : 1));
        // (shaped/poll has a few gap periods of its own at 100 ns per access: the firmware's pace, not the model's.)
        if (mode.quality === "plain") expect(fast.jack.gaps).toEqual([0, 0]);
      });

      it(`${board} ${mode.label}: CPU stalls, gaps and the firmware's underrun / late-refill counts`, async () => {
        await buildFirmware(board, { variant: mode.variant });
        const wasm = new WebAssembly.Module(loadFirmware(board, mode.variant));
        // Poll: a 3 ms stall every 40 ms empties the 16-word FIFO (8 frames).
        // DMA: the engine keeps cycling the 2 × 23 ms ring while the CPU is
        // stalled (no gap: stale buffers replay), which the firmware counts as
        // late refills; a 30 ms stall every 50 ms makes several.
        const dma = mode.variant.feed === "dma";
        const stall = dma ? { everyMs: 50, forMs: 30 } : { everyMs: 40, forMs: 3 };
        const s = mode.quality === "shaped" ? 0.12 : 0.3;
        const { fast } = check({ board, wasm, bundle: bundleOf(s), maxSeconds: 60, stall });
        expect(fast.machine.bus.stalls).toBeGreaterThan(0);
        if (dma) {
          expect(summary(fast, "late_refills")).toBeGreaterThan(0);
        } else {
          expect(fast.jack.gaps[0] + fast.jack.gaps[1]).toBeGreaterThan(0);
          expect(summary(fast, "underruns")).toBeGreaterThan(0);
        }
      });
    }
    // The limit crossed by a busy-wait jump (100 ns per access) and by the
    // cost of an access itself (8 µs per access: the FIFO is never full).
    for (const accessNs of [100, 8000]) {
      it(`${board} plain/poll stopped by the virtual-time limit, ${accessNs} ns per access: the same last access`, () => {
        const wasm = new WebAssembly.Module(loadFirmware(board));
        const { fast } = check({ board, wasm, bundle: encodeBundle([chirpTrack(board, 0.5)]), maxSeconds: 0.0391, accessNs, stall: { everyMs: 7, forMs: 1 } }, null);
        expect(fast.error).toMatch(/virtual time limit of 0\.039 s reached/);
      });
    }

    // One-shot stalls (the testing API's timed stalls, Bus.addStall) beside the
    // periodic ones: one due at the same time as a periodic stall, two due at
    // the same time, one long enough to cross a periodic stall's time. Every
    // stall due at an access is taken there, the earliest first.
    it(`${board} plain/poll with one-shot stalls beside the periodic ones: the same stalls, gaps and trace`, async () => {
      await buildFirmware(board, { variant: MODES[0]!.variant });
      const wasm = new WebAssembly.Module(loadFirmware(board, MODES[0]!.variant));
      const ms = 1e9;
      const oneShots: [number, number][] = [[80, 2], [123.4, 1.5], [123.4, 2.5], [210, 35]];
      const { fast } = check({ board, wasm, bundle: encodeBundle([chirpTrack(board, 0.3)]), maxSeconds: 60, stall: { everyMs: 40, forMs: 3 } }, 0, (m) => {
        for (const [at, len] of oneShots) m.bus.addStall(at * ms, len * ms);
      });
      expect(fast.virtualSeconds).toBeGreaterThan(0.25);
      expect(fast.machine.bus.stalls).toBeGreaterThan(oneShots.length + 6);
      expect(fast.jack.gaps[0] + fast.jack.gaps[1]).toBeGreaterThan(0);
      expect(summary(fast, "underruns")).toBeGreaterThan(0);
    });

    // A trace limit the run goes past: the same entries kept, the same number dropped (DMA: the bulk path never touches the trace).
    it(`${board} plain/dma with a trace limit it exceeds: the same entries and the same count dropped`, async () => {
      const mode = MODES[1]!;
      await buildFirmware(board, { variant: mode.variant });
      const wasm = new WebAssembly.Module(loadFirmware(board, mode.variant));
      const opts: SimOptions = { board, wasm, bundle: encodeBundle([chirpTrack(board, 0.2)]), maxSeconds: 60, trace: 400 };
      const ref = referenceMachine(opts).run();
      const fast = new Machine(opts).run();
      expect(ref.haltCode, ref.error).toBe(0);
      expectSameOutputs(fast, ref, false);
      const ft = fast.machine.trace!;
      const rt = ref.machine.trace!;
      expect(rt.dropped).toBeGreaterThan(100);
      expect([ft.length, ft.dropped]).toEqual([rt.length, rt.dropped]);
      expect(firstTraceDifference(ft, rt)).toBe(-1);
    });

    // The sandbox's check is skipped for the hot device's allowed registers
    // (the PWM: every access of a polling firmware) and made for everything
    // else. On a Pi 4 (peripherals at 0xFE000000, a negative i32) the
    // shortcut once never applied: every PWM access went through the
    // allow-list lookup.
    it(`${board}: the firmware's PWM accesses skip the allow-list lookup; others, and refused PWM offsets, do not`, () => {
      const m = new Machine({ board, wasm: new Uint8Array(0), bundle: new Uint8Array(0) });
      const b = BOARDS[board];
      const pwm = b.peripheralBase + b.pwmOffset;
      const bus = m.bus as unknown as { check(addr: number, write: boolean): void };
      const check = bus.check.bind(bus);
      const checked: number[] = [];
      bus.check = (addr, write) => {
        checked.push(addr);
        check(addr, write);
      };
      m.bus.firmwareRead(pwm + 0x04); // STA
      m.bus.firmwareWrite(pwm + 0x18, 100); // FIF1
      m.bus.firmwareWrite(pwm + 0x10, 1250); // RNG1
      expect(checked).toEqual([]);
      m.bus.firmwareRead(b.peripheralBase + 0x3004); // the system timer's CLO
      expect(checked).toEqual([(b.peripheralBase + 0x3004) >>> 0]);
      expect(() => m.bus.firmwareWrite(pwm + 0x0c, 1)).toThrow(/refused/);
      expect(checked.at(-1)).toBe((pwm + 0x0c) >>> 0);
    });

    it(`${board} plain/poll on a slow bus (8 µs per access): gaps every frame`, async () => {
      await buildFirmware(board, { variant: MODES[0]!.variant });
      const wasm = new WebAssembly.Module(loadFirmware(board, MODES[0]!.variant));
      const { fast } = check({ board, wasm, bundle: encodeBundle([chirpTrack(board, 0.1)]), maxSeconds: 60, accessNs: 8000 });
      expect(fast.jack.gaps[0] + fast.jack.gaps[1]).toBeGreaterThan(1000);
      expect(summary(fast, "underruns")).toBeGreaterThan(100);
    });
  }
});

/**
 * Register scripts the firmware never writes, for the set-ups the fast paths
 * leave to the general ones: RPTL, SBIT, POLA, DAT without the FIFO,
 * unequal ranges, channels out of phase, one channel, a range wider than 16
 * bits, words wider than the range, the clock stopped and restarted, the
 * FIFO cleared, long empty spans. Run on both machines; every value read,
 * the jack, the gaps and the trace must agree.
 */
describe("register scripts: the fast PWM model and the reference agree", () => {
  interface Io {
    read(off: number): number;
    write(off: number, v: number): void;
    cm(ctl: number): void;
    wait(us: number): void;
  }
  const start = (io: Io, range1: number, range2 = range1) => {
    io.write(0x10, range1);
    io.write(0x20, range2);
    io.write(0x00, CTL.CLRF1);
    io.wait(1);
  };
  const push = (io: Io, words: number[]) => words.forEach((w) => io.write(0x18, w));
  const STREAM = CTL.PWEN1 | CTL.USEF1 | CTL.PWEN2 | CTL.USEF2;
  const scripts: [string, (io: Io) => void][] = [
    ["RPTL on channel 1, SBIT and POLA on channel 2, long empty spans", (io) => {
      start(io, 1250);
      push(io, [100, 200, 300, 400, 500]);
      io.write(0x00, STREAM | CTL.RPTL1 | CTL.SBIT2 | CTL.POLA2);
      io.wait(1000);
      io.read(0x04);
      io.write(0x04, 0x1fc);
      push(io, [7, 8, 9]);
      io.wait(333);
      io.read(0x04);
    }],
    ["DAT without the FIFO on channel 2, FIFO on channel 1", (io) => {
      start(io, 1000);
      io.write(0x24, 321);
      push(io, [1, 2, 3, 4, 5, 6]);
      io.write(0x00, CTL.PWEN1 | CTL.USEF1 | CTL.PWEN2);
      io.wait(40);
      io.write(0x24, 999);
      io.wait(40);
      io.read(0x04);
    }],
    ["unequal ranges", (io) => {
      start(io, 1000, 1700);
      push(io, Array.from({ length: 16 }, (_, i) => 50 * i));
      io.write(0x00, STREAM);
      for (let i = 0; i < 30; i++) {
        if (!(io.read(0x04) & 1)) push(io, [i * 10]);
        io.wait(3.7);
      }
      io.wait(200);
      io.read(0x04);
    }],
    ["channel 2 started 3.3 µs after channel 1, then both streamed", (io) => {
      start(io, 1250);
      push(io, Array.from({ length: 16 }, (_, i) => i));
      io.write(0x00, CTL.PWEN1 | CTL.USEF1);
      io.wait(3.3);
      io.write(0x00, STREAM);
      for (let i = 0; i < 100; i++) {
        while (io.read(0x04) & 1);
        push(io, [1000 - i]);
      }
      io.wait(500);
    }],
    ["only channel 1", (io) => {
      start(io, 800);
      push(io, [5, 6, 7, 8]);
      io.write(0x00, CTL.PWEN1 | CTL.USEF1);
      io.wait(100);
      io.read(0x04);
    }],
    ["a range wider than 16 bits and words wider than the range", (io) => {
      start(io, 70000, 70000);
      push(io, [80000, 5, 69999, 70001, 0xffffffff, 3]);
      io.write(0x00, STREAM);
      io.wait(3000);
      io.read(0x04);
    }],
    ["the clock stopped mid-stream and restarted; the FIFO cleared while streaming", (io) => {
      start(io, 1250);
      push(io, Array.from({ length: 16 }, (_, i) => i + 1));
      io.write(0x00, STREAM);
      io.wait(25);
      io.cm(0x5a000006); // ENAB off: stops after the BUSY delay
      io.wait(50);
      io.read(0x04);
      io.cm(0x5a000016);
      io.wait(30);
      io.write(0x00, STREAM | CTL.CLRF1);
      push(io, [11, 12, 13]);
      io.wait(100);
      io.read(0x04);
    }],
    ["a polling loop much like the firmware's, with CPU stalls between frames", (io) => {
      start(io, 2834);
      push(io, Array.from({ length: 16 }, (_, i) => 1400 + i));
      io.write(0x00, STREAM | CTL.MSEN1 | CTL.MSEN2);
      for (let i = 0; i < 3000; i++) {
        while (io.read(0x04) & 1);
        push(io, [(i * 37) % 2834]);
        if (i % 500 === 499) io.wait(400);
      }
      io.wait(1000);
      io.read(0x04);
    }],
  ];

  for (const board of ["pi4", "pi3"] as BoardName[]) {
    for (const [name, script] of scripts) {
      it(`${board}: ${name}`, () => {
        const run = (m: Machine) => {
          const b = BOARDS[board];
          const pwm = b.peripheralBase + b.pwmOffset;
          const cm = b.peripheralBase + Block.CM;
          const reads: number[] = [];
          m.bus.write(cm + 0xa4, 0x5a000000 | (b.pwmClockDivi << 12));
          m.bus.write(cm + 0xa0, 0x5a000006);
          m.bus.write(cm + 0xa0, 0x5a000016);
          m.clock.stall(PS_PER_US);
          script({
            read: (off) => {
              const v = m.bus.read(pwm + off);
              reads.push(v);
              return v;
            },
            write: (off, v) => m.bus.write(pwm + off, v),
            cm: (v) => m.bus.write(cm + 0xa0, v),
            wait: (us) => {
              m.clock.stall(us * PS_PER_US);
              m.pwm.sync(m.clock.now);
            },
          });
          m.pwm.sync(m.clock.now);
          return { reads, jack: m.pwm.jack, level: m.pwm.fifoLevel, violations: m.violations, trace: m.trace! };
        };
        const opts: SimOptions = { board, wasm: new Uint8Array(0), bundle: new Uint8Array(0), trace: TRACE_LIMIT };
        const fast = run(new Machine(opts));
        const ref = run(referenceMachine(opts));
        expect(ref.jack.right.length + ref.jack.left.length).toBeGreaterThan(0);
        expect(fast.reads).toEqual(ref.reads);
        expect(fast.level).toBe(ref.level);
        expect([...fast.jack.right.view()]).toEqual([...ref.jack.right.view()]);
        expect([...fast.jack.left.view()]).toEqual([...ref.jack.left.view()]);
        expect(fast.jack.gaps).toEqual(ref.jack.gaps);
        expect(fast.jack.gapAt).toEqual(ref.jack.gapAt);
        expect(fast.violations).toEqual(ref.violations);
        expect(firstTraceDifference(fast.trace, ref.trace)).toBe(-1);
      });
    }
  }

  it("DMA with a bad second control block: the fault comes at the same period, with the same jack", () => {
    const board: BoardName = "pi4";
    const b = BOARDS[board];
    const run = (m: Machine) => {
      const mem = new Uint8Array(1 << 16);
      m.dma.memory = () => mem;
      const dv = new DataView(mem.buffer);
      const bus = (off: number) => (0xc0000000 | (SIM_LINEAR_MEMORY_PHYS + off)) >>> 0;
      const fif1 = PeripheralBase.BUS + b.pwmOffset + PwmReg.FIF1;
      const ti = (b.pwmDreq << 16) | (1 << 6) | (1 << 8) | (1 << 3); // PERMAP, DEST_DREQ, SRC_INC, WAIT_RESP
      const cb = (at: number, words: number[]) => words.forEach((v, i) => dv.setUint32(at + i * 4, v >>> 0, true));
      for (let i = 0; i < 64; i++) dv.setUint32(0x1000 + i * 4, 100 + i, true);
      cb(0x100, [ti, bus(0x1000), fif1, 64 * 4, 0, bus(0x120), 0, 0]);
      cb(0x120, [ti, bus(0x1000), fif1 - 4, 64, 0, 0, 0, 0]); // destination is not FIF1: the model refuses it
      const pwm = b.peripheralBase + b.pwmOffset;
      const cm = b.peripheralBase + Block.CM;
      const ch5 = b.peripheralBase + Block.DMA + 5 * 0x100;
      m.bus.write(cm + 0xa4, 0x5a000000 | (b.pwmClockDivi << 12));
      m.bus.write(cm + 0xa0, 0x5a000006);
      m.bus.write(cm + 0xa0, 0x5a000016);
      m.clock.stall(PS_PER_US);
      m.bus.write(pwm + 0x10, 1250);
      m.bus.write(pwm + 0x20, 1250);
      m.bus.write(pwm, CTL.CLRF1);
      // BCM2711: DREQ 1 reaches the DMA engine from PWM1 only through PACTL_CS
      // bit 23 (regs/pactl.ts; the model resets it to 0), set as the firmware does.
      const pactl = b.peripheralBase + Block.PACTL + PactlReg.CS;
      m.bus.write(pactl, m.bus.read(pactl) | PactlCs.DREQ1_PWM1);
      m.bus.write(pwm + 0x08, 0x80000707);
      m.bus.write(ch5 + 0x04, bus(0x100));
      m.bus.write(ch5, 1);
      m.bus.write(pwm, CTL.PWEN1 | CTL.USEF1 | CTL.PWEN2 | CTL.USEF2);
      m.clock.stall(1000 * PS_PER_US);
      let error = "";
      try {
        m.pwm.sync(m.clock.now);
      } catch (e) {
        error = (e as Error).message;
      }
      return { error, right: [...m.pwm.jack.right.view()], left: [...m.pwm.jack.left.view()] };
    };
    const opts: SimOptions = { board, wasm: new Uint8Array(0), bundle: new Uint8Array(0), trace: 1000 };
    const fast = run(new Machine(opts));
    const ref = run(referenceMachine(opts));
    expect(ref.error).toMatch(/is not the PWM FIFO/);
    expect(ref.right.length).toBeGreaterThan(20);
    expect(fast).toEqual(ref);
  });
});

/**
 * DMA register scripts, for the set-ups the firmware never makes: the bulk
 * DMA path (host/sim/dma.ts, host/sim/pwm.ts) against the word-by-word
 * reference DMA model on the eager PWM model. Control blocks in linear
 * memory (as the model tests place them); every register value read, the
 * jack, the gaps, the words moved, the FIFO level, the trace and the
 * violations must agree, and a fault must come with the same message.
 */
describe("DMA register scripts: the bulk DMA path and the word-by-word reference agree", () => {
  interface Dio {
    board: BoardName;
    /** Bus address (as the DMA engine sees it) of linear memory offset `off`. */
    bus(off: number): number;
    /** TI of a memory → PWM FIF1 control block (DEST_DREQ, PERMAP, SRC_INC unless `inc` is false). */
    ti(inc?: boolean): number;
    fif1: number;
    /** A control block at linear-memory offset `at`. */
    cb(at: number, ti: number, src: number, len: number, next: number): void;
    /** Words into linear memory at `at`. */
    data(at: number, words: number[]): void;
    pwm(off: number, v?: number): number;
    dma(ch: number, reg: number, v?: number): number;
    /** DMA_ENABLE (0xff0). */
    enable(v?: number): number;
    /** PACTL_CS's DREQ 1 routing (Pi 4 only; nothing on a Pi 3). */
    route(toPwm: boolean): void;
    wait(us: number): void;
  }
  const STREAM = CTL.PWEN1 | CTL.USEF1 | CTL.PWEN2 | CTL.USEF2;
  const ramp = (n: number, from = 100, step = 7) => Array.from({ length: n }, (_, i) => from + ((i * step) % 1100));
  /** Poll like a firmware waiting for the next block: CONBLK_AD twice (the second read waits), CS, TXFR_LEN. */
  const poll = (d: Dio, ch: number) => {
    d.dma(ch, 0x04);
    d.dma(ch, 0x04);
    d.dma(ch, 0x00);
    d.dma(ch, 0x14);
  };
  const scripts: [string, (d: Dio) => void][] = [
    ["a ring of two blocks of odd lengths (7 and 13 words), refilled between CONBLK_AD waits", (d) => {
      d.data(0x1000, ramp(20));
      d.cb(0x100, d.ti(), d.bus(0x1000), 7 * 4, d.bus(0x120));
      d.cb(0x120, d.ti(), d.bus(0x1000 + 28), 13 * 4, d.bus(0x100));
      d.pwm(0x08, 0x80000707);
      d.dma(5, 0x04, d.bus(0x100));
      d.dma(5, 0x00, 1);
      d.pwm(0x00, STREAM);
      for (let i = 0; i < 150; i++) {
        poll(d, 5);
        d.data(0x1000 + ((i * 12) % 80), [i * 3, 1000 - i, i]);
        if (i % 37 === 36) d.wait(55.5);
      }
      d.pwm(0x04);
    }],
    ["long blocks (a ring of 2 × 1000 words) polled through CONBLK_AD only: the wait jumps a block at a time", (d) => {
      d.data(0x1000, ramp(2000, 3, 13));
      d.cb(0x100, d.ti(), d.bus(0x1000), 4000, d.bus(0x120));
      d.cb(0x120, d.ti(), d.bus(0x1000 + 4000), 4000, d.bus(0x100));
      d.pwm(0x08, 0x80000707);
      d.dma(5, 0x04, d.bus(0x100));
      d.dma(5, 0x00, 1);
      d.pwm(0x00, STREAM);
      for (let i = 0; i < 12; i++) {
        d.dma(5, 0x04);
        d.dma(5, 0x04);
        d.data(0x1000 + (i % 2) * 4000, ramp(50, i * 11));
      }
    }],
    ["a chain that ends (NEXTCONBK 0): the FIFO drains into gaps, GAPO read and cleared, the chain started again", (d) => {
      d.data(0x1000, ramp(41));
      d.cb(0x100, d.ti(), d.bus(0x1000), 41 * 4, 0);
      d.pwm(0x08, 0x80000707);
      d.dma(5, 0x04, d.bus(0x100));
      d.dma(5, 0x00, 1);
      d.pwm(0x00, STREAM);
      poll(d, 5);
      d.wait(1500);
      d.pwm(0x04);
      d.dma(5, 0x00);
      d.pwm(0x04, 0x1fc);
      d.pwm(0x04);
      d.dma(5, 0x00, 2); // clear END
      d.dma(5, 0x04, d.bus(0x100));
      d.dma(5, 0x00, 1);
      poll(d, 5);
      d.wait(2000);
      d.pwm(0x04);
    }],
    ["DREQ thresholds 0, 3, 15 and 20 changed mid-stream (steady at 1, 4, 16 words, and 16)", (d) => {
      d.data(0x1000, ramp(256, 5, 3));
      d.cb(0x100, d.ti(), d.bus(0x1000), 512, d.bus(0x120));
      d.cb(0x120, d.ti(), d.bus(0x1200), 509 - 1, d.bus(0x100));
      d.pwm(0x08, 0x80000700);
      d.dma(5, 0x04, d.bus(0x100));
      d.dma(5, 0x00, 1);
      d.pwm(0x00, STREAM);
      for (const dreq of [0, 3, 15, 20, 7]) {
        d.pwm(0x08, 0x80000700 | dreq);
        for (let i = 0; i < 6; i++) poll(d, 5);
        d.wait(333);
        d.pwm(0x04);
      }
    }],
    ["RPTL, SBIT and POLA with DMA; then unequal ranges; then a range wider than 16 bits", (d) => {
      d.data(0x1000, [...ramp(60), 0xffffffff, 80000, 5, 69999, 70001, 3]);
      d.cb(0x100, d.ti(), d.bus(0x1000), 66 * 4, d.bus(0x100));
      d.pwm(0x08, 0x80000707);
      d.dma(5, 0x04, d.bus(0x100));
      d.dma(5, 0x00, 1);
      d.pwm(0x00, STREAM | CTL.RPTL1 | CTL.POLA1 | CTL.SBIT2 | CTL.POLA2);
      for (let i = 0; i < 20; i++) poll(d, 5);
      d.pwm(0x20, 1700);
      d.wait(200);
      d.pwm(0x04);
      d.pwm(0x10, 70000);
      d.pwm(0x20, 70000);
      d.pwm(0x00, STREAM);
      d.wait(5000);
      poll(d, 5);
    }],
    ["two channels feeding the FIFO at once, one stopped by ABORT, the other paused and resumed", (d) => {
      d.data(0x1000, ramp(64, 1));
      d.data(0x2000, ramp(64, 900, 5));
      d.cb(0x100, d.ti(), d.bus(0x1000), 256, d.bus(0x100));
      d.cb(0x200, d.ti(), d.bus(0x2000), 200, d.bus(0x200));
      d.pwm(0x08, 0x80000707);
      d.dma(5, 0x04, d.bus(0x100));
      d.dma(2, 0x04, d.bus(0x200));
      d.dma(5, 0x00, 1);
      d.pwm(0x00, STREAM);
      for (let i = 0; i < 10; i++) poll(d, 5);
      d.dma(2, 0x00, 1);
      for (let i = 0; i < 10; i++) poll(d, 2);
      d.dma(5, 0x00, 1 << 30); // ABORT
      for (let i = 0; i < 10; i++) poll(d, 2);
      d.dma(2, 0x00, 0); // pause
      d.wait(300);
      d.pwm(0x04);
      d.dma(2, 0x00, 1);
      for (let i = 0; i < 10; i++) poll(d, 2);
    }],
    ["DREQ routed away and back (PACTL_CS on a Pi 4), DMA_ENABLE cleared and set, a source that does not increment", (d) => {
      d.data(0x1000, ramp(100, 50, 9));
      d.cb(0x100, d.ti(), d.bus(0x1000), 400, d.bus(0x120));
      d.cb(0x120, d.ti(false), d.bus(0x1000 + 40), 64, d.bus(0x100));
      d.pwm(0x08, 0x80000707);
      d.dma(5, 0x04, d.bus(0x100));
      d.dma(5, 0x00, 1);
      d.pwm(0x00, STREAM);
      for (let i = 0; i < 8; i++) poll(d, 5);
      d.route(false);
      d.wait(100);
      d.pwm(0x04);
      d.route(true);
      d.pwm(0x08, 0x80000707); // a DMAC write raises DREQ again
      for (let i = 0; i < 8; i++) poll(d, 5);
      d.enable(d.enable() & ~(1 << 5));
      d.wait(100);
      d.pwm(0x04);
      d.enable(0x7fff);
      d.pwm(0x08, 0x80000707);
      for (let i = 0; i < 8; i++) poll(d, 5);
    }],
    ["a bad control block at the end of a long first one: the fault at the same word", (d) => {
      d.data(0x1000, ramp(600));
      d.cb(0x100, d.ti(), d.bus(0x1000), 600 * 4, d.bus(0x120));
      d.cb(0x120, d.ti(), d.bus(0x1000), 6, 0); // not whole words
      d.pwm(0x08, 0x80000707);
      d.dma(5, 0x04, d.bus(0x100));
      d.dma(5, 0x00, 1);
      d.pwm(0x00, STREAM);
      for (let i = 0; i < 10; i++) poll(d, 5);
    }],
  ];

  for (const board of ["pi4", "pi3"] as BoardName[]) {
    for (const [name, script] of scripts) {
      it(`${board}: ${name}`, () => {
        const b = BOARDS[board];
        const run = (m: Machine) => {
          const mem = new Uint8Array(1 << 16);
          m.dma.memory = () => mem;
          const dv = new DataView(mem.buffer);
          const reads: number[] = [];
          const pwm = b.peripheralBase + b.pwmOffset;
          const dmaBase = b.peripheralBase + Block.DMA;
          const cm = b.peripheralBase + Block.CM;
          const io = (addr: number, v?: number): number => {
            if (v !== undefined) {
              m.bus.write(addr, v >>> 0);
              return 0;
            }
            const r = m.bus.read(addr);
            reads.push(r);
            return r;
          };
          const pactl = b.peripheralBase + Block.PACTL + PactlReg.CS;
          const d: Dio = {
            board,
            bus: (off) => (0xc0000000 | (SIM_LINEAR_MEMORY_PHYS + off)) >>> 0,
            ti: (inc = true) => (b.pwmDreq << 16) | (1 << 6) | (inc ? 1 << 8 : 0) | (1 << 3),
            fif1: PeripheralBase.BUS + b.pwmOffset + PwmReg.FIF1,
            cb: (at, ti, src, len, next) => [ti, src, d.fif1, len, 0, next, 0, 0].forEach((v, i) => dv.setUint32(at + i * 4, v >>> 0, true)),
            data: (at, words) => words.forEach((v, i) => dv.setUint32(at + i * 4, v >>> 0, true)),
            pwm: (off, v) => io(pwm + off, v),
            dma: (ch, reg, v) => io(dmaBase + ch * 0x100 + reg, v),
            enable: (v) => io(dmaBase + 0xff0, v),
            route: (toPwm) => {
              if (board !== "pi4") return;
              const cs = m.bus.read(pactl);
              m.bus.write(pactl, toPwm ? cs | PactlCs.DREQ1_PWM1 : cs & ~PactlCs.DREQ1_PWM1);
            },
            wait: (us) => {
              m.clock.stall(us * PS_PER_US);
              m.pwm.sync(m.clock.now);
            },
          };
          m.bus.write(cm + 0xa4, 0x5a000000 | (b.pwmClockDivi << 12));
          m.bus.write(cm + 0xa0, 0x5a000006);
          m.bus.write(cm + 0xa0, 0x5a000016);
          m.clock.stall(PS_PER_US);
          d.pwm(0x10, 1250);
          d.pwm(0x20, 1250);
          d.pwm(0x00, CTL.CLRF1);
          d.route(true);
          let error = "";
          try {
            script(d);
            m.pwm.sync(m.clock.now);
          } catch (e) {
            error = (e as Error).message;
          }
          return {
            error,
            reads,
            now: m.clock.now,
            right: [...m.pwm.jack.right.view()],
            left: [...m.pwm.jack.left.view()],
            gaps: m.pwm.jack.gaps,
            gapAt: m.pwm.jack.gapAt,
            written: m.pwm.wordsWritten,
            moved: [0, 2, 5].map((c) => m.dma.wordsMoved(c)),
            violations: m.violations,
            trace: m.traceLines(),
          };
        };
        const opts: SimOptions = { board, wasm: new Uint8Array(0), bundle: new Uint8Array(0), trace: TRACE_LIMIT };
        const fast = run(new Machine(opts));
        const ref = run(referenceMachine(opts));
        expect(ref.right.length).toBeGreaterThan(20);
        expect(ref.written).toBeGreaterThan(20);
        expect(fast.error).toBe(ref.error);
        // Long arrays: where they first differ (a full diff of them takes minutes to print).
        expect(firstDifference(fast.reads, ref.reads)).toBe("identical");
        expect(fast.now).toBe(ref.now);
        expect(firstDifference(fast.right, ref.right)).toBe("identical");
        expect(firstDifference(fast.left, ref.left)).toBe("identical");
        expect(fast.gaps).toEqual(ref.gaps);
        expect(fast.gapAt).toEqual(ref.gapAt);
        expect(fast.written).toBe(ref.written);
        expect(fast.moved).toEqual(ref.moved);
        expect(fast.violations).toEqual(ref.violations);
        expect(firstDifference(fast.trace, ref.trace)).toBe("identical");
        if (name.startsWith("a bad control block")) expect(ref.error).toMatch(/TXFR_LEN 6 is not a whole number of words/);
        if (name.startsWith("a chain that ends")) expect(ref.gaps[0] + ref.gaps[1]).toBeGreaterThan(0);
      });
    }
  }
});

// The PWM model counts period boundaries without a loop where whole
// picoseconds make every addition exact; the times must be the repeated
// additions' to the last bit, in both cases (fractional periods, times near
// 2^53, `now` before the first boundary, on one, between two).
describe("period boundaries: the closed forms give the repeated additions' times", () => {
  const byAddition = (t: number, P: number, now: number) => {
    let n = 0;
    let u = t;
    for (; u <= now; u += P) n++;
    return n;
  };
  const after = (t: number, P: number, n: number) => {
    for (let i = 0; i < n; i++) t += P;
    return t;
  };
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const cases: [number, number, number][] = [
    [0, 22_672_000, 0],
    [0, 22_672_000, 22_671_999],
    [0, 22_672_000, 22_672_000],
    [5, 22_672_000, 4],
    [1e12 + 7, 1_417_000, 1e12 + 7 + 1_417_000 * 1000],
    [1e12 + 7, 1_417_000, 1e12 + 7 + 1_417_000 * 1000 - 1],
    [2 ** 53 - 5e9, 1_000_000, 2 ** 53 - 3e9],
    [3.5, 22_672_000.25, 1e9],
    [1e12, 1e12 / 44100, 1e12 + 2e9],
    // Fractional times (an ARM-clock delay of 1666.67 ps per cycle), in one binade and across 2^35.
    [26658235416.666756, 22672000, 31658935416.666756],
    [2 ** 35 - 1e9 + 0.666756, 22672000, 2 ** 35 + 3e9],
    [2 ** 35 - 1e9 + 0.5, 22672000, 2 ** 35 + 3e9],
    // Whole picoseconds whose sums cross 2^53, where odd integers stop being doubles (the integer shortcut must not apply).
    [2 ** 53 - 3e9 + 1, 1_000_001, 2 ** 53 + 2e9],
    [2 ** 53 - 1e6 - 1, 333_333, 2 ** 53 + 1e6],
    [2 ** 53 - 2 * 22_672_000 - 1, 22_672_000, 2 ** 53 - 1],
  ];
  for (let i = 0; i < 300; i++) {
    const t = Math.floor(rnd() * 4e15);
    const P = 1000 + Math.floor(rnd() * 3e7);
    cases.push([t, P, t + Math.floor(rnd() * 3000 * P)]);
    const f = rnd() * 2 ** (20 + Math.floor(rnd() * 20)); // fractional, from 1 µs to 1 s and more
    cases.push([f, P, f + rnd() * 3000 * P]);
  }
  it("spacingOfDoubles: 2^(e - 52) for x in [2^e, 2^(e+1)), the distance to the next double", () => {
    const values = [1, 1.5, 2 - 2 ** -52, 2, 3, 2 ** 35 - 1e9 + 0.666756, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e15, 4e15 + 0.5, 2 ** 60, 0.75, 0.1];
    for (let i = 0; i < 500; i++) values.push(rnd() * 2 ** (Math.floor(rnd() * 70) - 5));
    for (const x of values) {
      let e = Math.floor(Math.log2(x));
      if (2 ** e > x) e--;
      else if (2 ** (e + 1) <= x) e++;
      const s = spacingOfDoubles(x);
      expect(s, String(x)).toBe(2 ** (e - 52));
      // A step of it moves x (the next double up is that far).
      expect(x + s > x, String(x)).toBe(true);
    }
  });

  it("boundariesUpTo and boundaryAfter", () => {
    for (const [t, P, now] of cases) {
      const n = byAddition(t, P, now);
      expect(boundariesUpTo(t, P, now), `${t} ${P} ${now}`).toBe(n);
      expect(boundaryAfter(t, P, n), `${t} ${P} ${n}`).toBe(after(t, P, n));
    }
  });
});

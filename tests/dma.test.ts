// The DMA controller model, and DMA vs polling when the CPU stalls.
import { describe, expect, it } from "vitest";
import { SIM_LINEAR_MEMORY_PHYS } from "../host/sim/abi.js";
import { CTL } from "../host/sim/pwm.js";
import { machine } from "./models/harness.js";
import { buildFirmware, loadFirmware } from "../host/firmware.js";
import { encodeBundle } from "../host/bundle.js";
import { simulate } from "../host/sim/machine.js";
import { chirpTrack, duty, rangeOf } from "./helpers.js";

const CH5 = 0x7000 + 5 * 0x100;
const TI_TO_PWM = (1 << 16) | (1 << 6) | (1 << 8) | (1 << 3); // PERMAP 1 (PWM1), DEST_DREQ, SRC_INC, WAIT_RESP
const FIF1_BUS_PI4 = 0x7e20c818;
const bus = (off: number) => (0xc0000000 | (SIM_LINEAR_MEMORY_PHYS + off)) >>> 0;

function withMemory() {
  const h = machine("pi4");
  const mem = new Uint8Array(1 << 16);
  h.m.dma.memory = () => mem;
  const dv = new DataView(mem.buffer);
  const cb = (at: number, ti: number, src: number, dst: number, len: number, next: number) => {
    [ti, src, dst, len, 0, next, 0, 0].forEach((v, i) => dv.setUint32(at + i * 4, v >>> 0, true));
  };
  const dmaBase = h.b.peripheralBase + CH5;
  return { h, mem, dv, cb, dmaBase };
}

describe("DMA model", () => {
  it("a 2-CB chain feeds the PWM FIFO at the PWM's pace, in order, and ends with END", () => {
    const { h, dv, cb, dmaBase } = withMemory();
    for (let i = 0; i < 64; i++) dv.setUint32(0x1000 + i * 4, 100 + i, true);
    cb(0x100, TI_TO_PWM, bus(0x1000), FIF1_BUS_PI4, 32 * 4, bus(0x120));
    cb(0x120, TI_TO_PWM, bus(0x1000 + 128), FIF1_BUS_PI4, 32 * 4, 0);
    h.startClock();
    h.write(h.pwm + 0x10, 1250);
    h.write(h.pwm + 0x20, 1250);
    h.write(h.pwm, CTL.CLRF1);
    h.write(h.pwm + 0x08, 0x80000707); // DMAC: ENAB, PANIC 7, DREQ 7
    h.write(dmaBase + 0x04, bus(0x100));
    h.write(dmaBase, 1); // ACTIVE
    expect(h.m.pwm.fifoLevel).toBe(8); // DREQ until the FIFO holds more than 7 words
    h.write(h.pwm, CTL.PWEN1 | CTL.USEF1 | CTL.MSEN1 | CTL.PWEN2 | CTL.USEF2 | CTL.MSEN2);
    h.wait(400); // 40 periods of 10 µs: all 64 words
    expect([...h.m.pwm.jack.right.view()].slice(0, 32)).toEqual(Array.from({ length: 32 }, (_, i) => 100 + 2 * i));
    expect([...h.m.pwm.jack.left.view()].slice(0, 32)).toEqual(Array.from({ length: 32 }, (_, i) => 101 + 2 * i));
    expect(h.m.dma.wordsMoved(5)).toBe(64);
    const cs = h.read(dmaBase);
    expect(cs & 1).toBe(0); // not active
    expect(cs & 2).toBe(2); // END
    expect(h.read(dmaBase + 0x04)).toBe(0);
  });

  const bad: [string, (c: ReturnType<typeof withMemory>["cb"]) => number, RegExp][] = [
    ["a misaligned control block", (cb) => (cb(0x110, TI_TO_PWM, bus(0x1000), FIF1_BUS_PI4, 64, 0), bus(0x110) + 8), /control block at 0x[0-9A-F]+ is not 32-byte aligned/],
    ["a control block given by its ARM physical address", (cb) => (cb(0x100, TI_TO_PWM, bus(0x1000), FIF1_BUS_PI4, 64, 0), SIM_LINEAR_MEMORY_PHYS + 0x100), /is not a RAM bus address \(the legacy DMA engines see RAM at 0xC0000000 \| phys/],
    ["a destination that is not FIF1", (cb) => (cb(0x100, TI_TO_PWM, bus(0x1000), 0x7e20c814, 64, 0), bus(0x100)), /destination 0x7E20C814 .* is not the PWM FIFO/],
    ["the ARM address of FIF1 instead of its bus address", (cb) => (cb(0x100, TI_TO_PWM, bus(0x1000), 0xfe20c818, 64, 0), bus(0x100)), /destination 0xFE20C818 .* is not the PWM FIFO/],
    ["a source outside RAM", (cb) => (cb(0x100, TI_TO_PWM, bus(0xfff0), FIF1_BUS_PI4, 64, 0), bus(0x100)), /source 0x[0-9A-F]+ \(phys 0x[0-9A-F]+\) is outside the firmware's memory/],
  ];
  for (const [what, make, message] of bad) {
    it(`fails loudly on ${what}`, () => {
      const w = withMemory();
      const addr = make(w.cb);
      w.h.write(w.dmaBase + 0x04, addr);
      expect(() => w.h.write(w.dmaBase, 1)).toThrow(message);
    });
  }
});

describe("a 5 ms CPU stall every 100 ms", () => {
  const board = "pi4" as const;
  const track = chirpTrack(board, 1.2);
  const bundle = encodeBundle([track]);
  const summary = (lines: string[], key: string) => Number(lines.find((l) => l.startsWith("I summary:"))!.match(new RegExp(` ${key}=(\\d+)`))![1]);

  it("FIFO polling: the FIFO (8 frames, 181 µs) runs dry; the gaps are counted and reported", async () => {
    await buildFirmware(board);
    const r = simulate({ board, wasm: loadFirmware(board), bundle, stall: { everyMs: 100, forMs: 5 } });
    expect(r.haltCode).toBe(0);
    expect(r.machine.bus.stalls).toBeGreaterThanOrEqual(10);
    expect(r.jack.gaps[0]).toBeGreaterThan(1000);
    expect(summary(r.lines, "underruns")).toBeGreaterThanOrEqual(10);
  });

  it("DMA: no gap at all, and the music comes out bit-exact", async () => {
    const v = { feed: "dma" as const, exact: true }; // plain mode's bit-exact build (no pulse-position pre-compensation)
    await buildFirmware(board, { variant: v });
    const r = simulate({ board, wasm: loadFirmware(board, v), bundle, stall: { everyMs: 100, forMs: 5 } });
    expect(r.haltCode).toBe(0);
    expect(r.violations).toEqual([]);
    expect(r.machine.bus.stalls).toBeGreaterThanOrEqual(10);
    expect(r.jack.gaps).toEqual([0, 0]);
    expect(summary(r.lines, "underruns")).toBe(0);
    expect(summary(r.lines, "late_refills")).toBe(0);
    const range = rangeOf(board);
    const right = r.jack.right.view();
    const left = r.jack.left.view();
    const want = (i: number) => [duty(track.pcm[2 * i + 1]!, range), duty(track.pcm[2 * i]!, range)];
    const at = right.findIndex((v, i) => v === want(0)[0] && left[i] === want(0)[1] && right[i + 1] === want(1)[0] && right[i + 2] === want(2)[0]);
    expect(at).toBeGreaterThan(0);
    let bad = 0;
    for (let i = 0; i < track.pcm.length / 2; i++) if (right[at + i] !== want(i)[0] || left[at + i] !== want(i)[1]) bad++;
    expect(bad).toBe(0);
  });
});

// The DMA controller model, and DMA vs polling when the CPU stalls.
import { describe, expect, it } from "vitest";
import { SIM_LINEAR_MEMORY_PHYS } from "../host/sim/abi.js";
import { CTL } from "../host/sim/pwm.js";
import { machine } from "./models/harness.js";
import { buildFirmware, loadFirmware } from "../host/firmware.js";
import { encodeBundle } from "../host/bundle.js";
import { Machine } from "../host/sim/machine.js";
import { runFirmware } from "../host/testing/index.js";
import { chirpTrack, duty, rangeOf } from "./helpers.js";
import { BOARDS } from "../host/boards.js";
import { Block, PeripheralBase } from "../regs/blocks.js";
import { DmaBus, DmaCb, DmaCs, DmaReg, DmaTi } from "../regs/dma.js";
import { PactlCs, PactlReg } from "../regs/pactl.js";
import { PwmDreq, PwmReg } from "../regs/pwm.js";

const CH5 = Block.DMA + 5 * DmaReg.CHANNEL_STRIDE;
const PACTL_CS = Block.PACTL + PactlReg.CS;
const DREQ1_PWM1 = PactlCs.DREQ1_PWM1;
const TI_TO_PWM = (PwmDreq.PWM1_BCM2711 << DmaTi.PERMAP_SHIFT) | DmaTi.DEST_DREQ | DmaTi.SRC_INC | DmaTi.WAIT_RESP;
const FIF1_BUS_PI4 = PeripheralBase.BUS + Block.PWM1 + PwmReg.FIF1;
const bus = (off: number) => (DmaBus.RAM_ALIAS | (SIM_LINEAR_MEMORY_PHYS + off)) >>> 0;

function withMemory() {
  const h = machine("pi4");
  const mem = new Uint8Array(1 << 16);
  h.m.dma.memory = () => mem;
  const dv = new DataView(mem.buffer);
  // A control block by regs/dma.ts DmaCb (its layout, as the runtime and the DMA model read it).
  const cb = (at: number, ti: number, src: number, dst: number, len: number, next: number) => {
    for (let i = 0; i < DmaCb.BYTES; i += 4) dv.setUint32(at + i, 0, true);
    dv.setUint32(at + DmaCb.TI, ti >>> 0, true);
    dv.setUint32(at + DmaCb.SOURCE_AD, src >>> 0, true);
    dv.setUint32(at + DmaCb.DEST_AD, dst >>> 0, true);
    dv.setUint32(at + DmaCb.TXFR_LEN, len >>> 0, true);
    dv.setUint32(at + DmaCb.STRIDE, 0, true);
    dv.setUint32(at + DmaCb.NEXTCONBK, next >>> 0, true);
  };
  const dmaBase = h.b.peripheralBase + CH5;
  return { h, mem, dv, cb, dmaBase };
}

/** Two CBs of 32 words each from linear memory 0x1000 to FIF1; the PWM clocked, DMAC on; returns after starting channel 5. */
function startChain(w: ReturnType<typeof withMemory>): void {
  const { h, dv, cb, dmaBase } = w;
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
}

describe("DMA model", () => {
  it("a 2-CB chain feeds the PWM FIFO at the PWM's pace, in order, and ends with END", () => {
    const w = withMemory();
    const { h, dmaBase } = w;
    h.write(h.b.peripheralBase + PACTL_CS, DREQ1_PWM1); // DREQ 1 = PWM1, not DSI0
    startChain(w);
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

  it("BCM2711: with PACTL_CS bit 23 at its reset value 0, DREQ 1 is DSI0's: the chain never moves", () => {
    const w = withMemory();
    const { h, dmaBase } = w;
    expect(h.read(h.b.peripheralBase + PACTL_CS)).toBe(0);
    startChain(w);
    h.write(h.pwm, CTL.PWEN1 | CTL.USEF1 | CTL.MSEN1 | CTL.PWEN2 | CTL.USEF2 | CTL.MSEN2);
    h.wait(400);
    expect(h.m.dma.wordsMoved(5)).toBe(0);
    expect(h.read(dmaBase) & 1).toBe(1); // still active, waiting for a DREQ that never comes
    expect(h.read(dmaBase + 0x04)).toBe(bus(0x100));
  });

  it("BCM2837 has no such mux: PWM DREQ 5 reaches the engine without PACTL (there is no PACTL_CS to write)", () => {
    const h = machine("pi3");
    const mem = new Uint8Array(1 << 16);
    h.m.dma.memory = () => mem;
    const dv = new DataView(mem.buffer);
    for (let i = 0; i < 16; i++) dv.setUint32(0x1000 + i * 4, 7 + i, true);
    [(PwmDreq.PWM_BCM2837 << DmaTi.PERMAP_SHIFT) | DmaTi.DEST_DREQ | DmaTi.SRC_INC | DmaTi.WAIT_RESP, bus(0x1000), PeripheralBase.BUS + Block.PWM0 + PwmReg.FIF1, 64, 0, 0, 0, 0].forEach((v, i) => dv.setUint32(0x100 + i * 4, v >>> 0, true));
    h.startClock();
    h.write(h.pwm + 0x08, 0x80000707);
    h.write(h.b.peripheralBase + CH5 + 0x04, bus(0x100));
    h.write(h.b.peripheralBase + CH5, 1);
    expect(h.m.dma.wordsMoved(5)).toBe(8);
    expect(() => h.read(h.b.peripheralBase + PACTL_CS)).toThrow(/no peripheral is mapped there/);
  });

  const bad: [string, (c: ReturnType<typeof withMemory>["cb"]) => number, RegExp][] = [
    ["a misaligned control block", (cb) => (cb(0x110, TI_TO_PWM, bus(0x1000), FIF1_BUS_PI4, 64, 0), bus(0x110) + 8), /control block at 0x[0-9A-F]+ is not 32-byte aligned/],
    ["a control block at 16 mod 32 (where the runtime's 16-byte heap alignment used to put it)", (cb) => (cb(0x110, TI_TO_PWM, bus(0x1000), FIF1_BUS_PI4, 64, 0), bus(0x110)), /control block at 0x[0-9A-F]+ is not 32-byte aligned/],
    ["a control block given by its ARM physical address", (cb) => (cb(0x100, TI_TO_PWM, bus(0x1000), FIF1_BUS_PI4, 64, 0), SIM_LINEAR_MEMORY_PHYS + 0x100), /is not a RAM bus address \(the legacy DMA engines see RAM at 0xC0000000 \| phys/],
    ["a destination that is not FIF1", (cb) => (cb(0x100, TI_TO_PWM, bus(0x1000), FIF1_BUS_PI4 - 4, 64, 0), bus(0x100)), /destination 0x7E20C814 .* is not the PWM FIFO/],
    ["the ARM address of FIF1 instead of its bus address", (cb) => (cb(0x100, TI_TO_PWM, bus(0x1000), BOARDS.pi4.peripheralBase + Block.PWM1 + PwmReg.FIF1, 64, 0), bus(0x100)), /destination 0xFE20C818 .* is not the PWM FIFO/],
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
  const bundle = encodeBundle([track], { precompensation: "off" }); // the samples as they are: the bit-exact check below
  const summary = (lines: string[], key: string) => Number(lines.find((l) => l.startsWith("I summary:"))!.match(new RegExp(` ${key}=(\\d+)`))![1]);

  it("FIFO polling: the FIFO (8 frames, 181 µs) runs dry; the gaps are counted and reported", async () => {
    await buildFirmware(board);
    const r = await runFirmware({ board, wasm: loadFirmware(board), bundle, stallEvery: { everyMs: 100, forMs: 5 }, ms: 120_000, traceLimit: 0 });
    expect(r.haltCode).toBe(0);
    expect(r.machine.bus.stalls).toBeGreaterThanOrEqual(10);
    expect(r.jack.gaps.right).toBeGreaterThan(1000);
    expect(summary(r.lines, "underruns")).toBeGreaterThanOrEqual(10);
  });

  it("DMA: no gap at all, and the music comes out bit-exact", async () => {
    const v = { feed: "dma" as const, exact: true }; // plain mode's bit-exact build (no pulse-position pre-compensation)
    await buildFirmware(board, { variant: v });
    const r = await runFirmware({ board, wasm: loadFirmware(board, v), bundle, stallEvery: { everyMs: 100, forMs: 5 }, ms: 120_000, traceLimit: 0 });
    expect(r.haltCode).toBe(0);
    expect(r.violations).toEqual([]);
    expect(r.machine.bus.stalls).toBeGreaterThanOrEqual(10);
    expect([r.jack.gaps.right, r.jack.gaps.left]).toEqual([0, 0]);
    expect(summary(r.lines, "underruns")).toBe(0);
    expect(summary(r.lines, "late_refills")).toBe(0);
    const range = rangeOf(board);
    const right = r.jack.right;
    const left = r.jack.left;
    const want = (i: number) => [duty(track.pcm[2 * i + 1]!, range), duty(track.pcm[2 * i]!, range)];
    const at = right.findIndex((v, i) => v === want(0)[0] && left[i] === want(0)[1] && right[i + 1] === want(1)[0] && right[i + 2] === want(2)[0]);
    expect(at).toBeGreaterThan(0);
    let bad = 0;
    for (let i = 0; i < track.pcm.length / 2; i++) if (right[at + i] !== want(i)[0] || left[at + i] !== want(i)[1]) bad++;
    expect(bad).toBe(0);
  });
});

describe("the runtime's DMA service (dma_start / dma_position / dma_stop)", () => {
  const board = "pi4" as const;
  const v = { feed: "dma" as const };
  const base = BOARDS.pi4.peripheralBase;
  const ch5 = base + CH5;

  it("PACTL_CS bit 23 is set by read-modify-write (other bits kept) before PWM DMAC is enabled; the channel is started as the peers do; control blocks live in runtime memory, 32-byte aligned", async () => {
    await buildFirmware(board, { variant: v });
    const m = new Machine({ board, wasm: loadFirmware(board, v), bundle: encodeBundle([chirpTrack(board, 0.1)]), trace: 3_000_000 });
    m.bus.write(base + PACTL_CS, 0x00000101); // whatever else the boot firmware left there
    const r = m.run();
    expect(r.haltCode).toBe(0);
    expect(r.violations).toEqual([]);
    const t = [...m.trace!.entries()];
    const idx = (f: (e: (typeof t)[number]) => boolean) => t.findIndex(f);
    const pactlRead = idx((e) => !e.write && e.addr === base + PACTL_CS);
    const pactlWrite = t.findIndex((e, i) => i > pactlRead && e.write && e.addr === base + PACTL_CS);
    const dmacOn = idx((e) => e.write && e.addr === base + 0x20c808 && (e.value & 0x80000000) !== 0);
    expect(pactlRead).toBeGreaterThanOrEqual(0);
    expect(pactlRead).toBeLessThan(pactlWrite);
    expect(t[pactlWrite]!.value).toBe(0x00000101 | DREQ1_PWM1);
    expect(pactlWrite).toBeLessThan(dmacOn);
    // The runtime's accesses are in the trace: enable, reset, wait for RESET to clear, clear DEBUG, load, go.
    const enable = idx((e) => e.write && e.addr === base + 0x7ff0);
    const reset = idx((e) => e.write && e.addr === ch5 && e.value === 0x80000000);
    const resetSeenClear = t.findIndex((e, i) => i > reset && !e.write && e.addr === ch5 && (e.value & 0x80000000) === 0);
    const debug = idx((e) => e.write && e.addr === ch5 + 0x20);
    const load = idx((e) => e.write && e.addr === ch5 + 0x04);
    const go = idx((e) => e.write && e.addr === ch5 && (e.value & 1) === 1);
    expect(t[enable]!.value & (1 << 5)).toBe(1 << 5);
    expect([enable < reset, reset < resetSeenClear, resetSeenClear < debug, debug < load, load < go, dmacOn < go]).toEqual([true, true, true, true, true, true]);
    expect(t[debug]!.value).toBe(0x7); // READ_ERROR | FIFO_ERROR | READ_LAST_NOT_SET_ERROR, write 1 to clear
    expect(t[go]!.value).toBe((1 << 28) | (8 << 20) | (8 << 16) | 1);
    const cb0 = t[load]!.value;
    expect(cb0 % 32).toBe(0);
    const phys = cb0 & 0x3fffffff;
    expect(phys >= SIM_LINEAR_MEMORY_PHYS && phys < SIM_LINEAR_MEMORY_PHYS + 16 * 65536).toBe(false); // not in linear memory
    // The CBs: PWM1 FIF1, PERMAP 1, a ring of two.
    const cbs = new DataView(m.dmaService.memory.buffer, 5 * 256, 64);
    expect(cbs.getUint32(8, true)).toBe(FIF1_BUS_PI4);
    expect((cbs.getUint32(0, true) >>> 16) & 31).toBe(1);
    expect(cbs.getUint32(20, true)).toBe(cb0 + 32);
    expect(cbs.getUint32(32 + 20, true)).toBe(cb0);
    // Stopped at the end: ABORT, then RESET, then the enable bit cleared.
    const lastEnable = t.filter((e) => e.write && e.addr === base + 0x7ff0).at(-1)!;
    expect(lastEnable.value & (1 << 5)).toBe(0);
  });

  it("a firmware that writes a DMA register itself is refused (halt 4): the DMA window is not in the allow-list", async () => {
    await buildFirmware(board, { variant: v });
    const m = new Machine({ board, wasm: loadFirmware(board, v), bundle: new Uint8Array(0) });
    expect(() => m.bus.firmwareWrite(ch5 + 0x04, 0xc0000000)).toThrow(/^F mmio: refused write to 0xfe007504: not in the sandbox's allow-list for pi4 \(BCM2711\)$/);
    expect(() => m.bus.firmwareRead(ch5)).toThrow(/refused read of 0xfe007500/);
  });
});

describe("starting a channel that was not enabled", () => {
  it("waits 1 ms after setting its DMA_ENABLE bit before the reset, as Circle does; other channels' bits are kept", async () => {
    const board = "pi4" as const;
    const v = { feed: "dma" as const };
    await buildFirmware(board, { variant: v });
    const m = new Machine({ board, wasm: loadFirmware(board, v), bundle: encodeBundle([chirpTrack(board, 0.05)]), trace: 3_000_000 });
    const dmaEnable = BOARDS.pi4.peripheralBase + Block.DMA + DmaReg.ENABLE;
    const ch5Cs = BOARDS.pi4.peripheralBase + CH5 + DmaReg.CS;
    m.bus.write(dmaEnable, 0x0003); // the boot firmware left only channels 0 and 1 enabled
    const r = m.run();
    expect(r.haltCode).toBe(0);
    const t = [...m.trace!.entries()];
    const enable = t.find((e) => e.write && e.addr === dmaEnable && e.value & (1 << 5))!;
    expect(enable.value).toBe(0x0023);
    const reset = t.find((e) => e.write && e.addr === ch5Cs && e.value === DmaCs.RESET >>> 0 && e.timePs > enable.timePs)!;
    expect(reset.timePs - enable.timePs).toBeGreaterThanOrEqual(1e9);
  });
});

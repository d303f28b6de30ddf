// The models built from their register tables (regs/tables/) behave as the tables say: every read-write
// register reads its reset value after reset, every read-only one refuses a write (ignored, reported), and
// the machine placed each at its board's base + block offset (regs/blocks.ts), write-1-to-clear bits clear
// and only they, and the trace names the fields the tables name.
import { describe, expect, it } from "vitest";
import { BOARD_NAMES, type BoardName } from "../../host/boards.js";
import type { Device } from "../../host/sim/device.js";
import { formatAccess } from "../../host/sim/trace.js";
import { Block, PeripheralBase } from "../../regs/blocks.js";
import { DmaBus, DmaCb, DmaCs, DmaReg, DmaTi } from "../../regs/dma.js";
import { LinearMemory } from "../../regs/memory.js";
import { PactlCs, PactlReg } from "../../regs/pactl.js";
import { PwmDmac, PwmFifo, PwmReg, PwmSta } from "../../regs/pwm.js";
import { DMA_BLOCK } from "../../regs/tables/dma.js";
import { register, w1cMask } from "../../regs/tables/describe.js";
import { PWM_BLOCK } from "../../regs/tables/pwm.js";
import { machine } from "./harness.js";

const OFFSETS: Record<string, number> = {
  CM: Block.CM,
  GPIO: Block.GPIO,
  UART0: Block.UART0,
  TIMER: Block.TIMER,
  PACTL: Block.PACTL,
  PWM0: Block.PWM0,
  PWM1: Block.PWM1,
  DMA: Block.DMA,
};
const MODELS: Record<BoardName, string[]> = {
  pi4: ["CM", "DMA", "GPIO", "PACTL", "PWM1", "TIMER", "UART0"],
  pi3: ["CM", "DMA", "GPIO", "PWM0", "TIMER", "UART0"],
};

for (const board of BOARD_NAMES) {
  describe(`${board}: models from their tables`, () => {
    const tabled = (h: ReturnType<typeof machine>): Device[] =>
      [h.m.cm, h.m.gpio, h.m.pwm, h.m.uart, h.m.timer, h.m.dma, ...(h.m.pactl ? [h.m.pactl] : [])].filter((d) => d.block !== undefined);

    it("are placed at the board's base + their block's offset, and are the whole of their table", () => {
      const h = machine(board);
      const models = tabled(h);
      expect(models.map((d) => d.name).sort()).toEqual(MODELS[board]);
      for (const d of models) {
        expect(d.base, d.name).toBe(h.b.peripheralBase + OFFSETS[d.name]!);
        expect([...d.registers.values()].map((r) => r.name)).toEqual(d.block!.registers.map((r) => r.name));
        expect(h.m.bus.deviceAt(d.base)).toBe(d);
      }
    });

    it("read every read-write register's reset value after reset", () => {
      const h = machine(board);
      for (const d of tabled(h)) {
        for (const r of d.block!.registers) {
          if (r.access !== "rw") continue;
          if (d.name === "GPIO" && r.name.startsWith("GPFSEL")) continue; // the machine's option (opts.gpfsel) sets these
          expect(h.read(d.base + r.offset), `${r.name}`).toBe(r.reset >>> 0);
        }
      }
      expect(h.m.violations).toEqual([]);
    });

    it("answer a read of every register of their table (a write-only one reads 0 or its table's readsAs), never with a fault", () => {
      const h = machine(board);
      for (const d of tabled(h)) {
        for (const r of d.block!.registers) {
          const v = h.read(d.base + r.offset);
          if (r.access === "wo") expect(v, r.name).toBe((r.readsAs ?? 0) >>> 0);
        }
      }
      expect(register(PWM_BLOCK, "PWM_FIF1").readsAs).toBe(PwmFifo.CPU_READ);
    });

    it("ignore and report a write to every read-only register", () => {
      const h = machine(board);
      for (const d of tabled(h)) {
        for (const r of d.block!.registers) {
          if (r.access !== "ro") continue;
          const before = h.m.violations.length;
          h.write(d.base + r.offset, 0xffffffff);
          expect(h.m.violations.slice(before).map((v) => v.message), r.name).toEqual([`write to read-only ${r.name} ignored`]);
        }
      }
      expect(h.read(h.timer + 4)).toBeLessThan(1000); // ST_CLO still counts from reset
    });
  });
}

/** A machine whose DMA model reads `mem` as the firmware's linear memory, with DREQ 1 routed to PWM1 on a Pi 4. */
function withMemory(board: BoardName) {
  const h = machine(board);
  const mem = new Uint8Array(1 << 16);
  h.m.dma.memory = () => mem;
  if (h.m.pactl) h.write(h.b.peripheralBase + Block.PACTL + PactlReg.CS, PactlCs.DREQ1_PWM1);
  return { h, dv: new DataView(mem.buffer), bus: (off: number) => (DmaBus.RAM_ALIAS | (LinearMemory.SIM_PHYS + off)) >>> 0 };
}

for (const board of BOARD_NAMES) {
  describe(`${board}: write-1-to-clear bits from the tables`, () => {
    it("PWM_STA: WERR1 (a word written into a full FIFO) stays until a 1 is written to it; FULL1 (read-only) stays", () => {
      const h = machine(board);
      const sta = h.pwm + PwmReg.STA;
      for (let i = 0; i <= PwmFifo.WORDS; i++) h.write(h.pwm + PwmReg.FIF1, i); // no clock: nothing leaves the FIFO
      expect(h.read(sta)).toBe(PwmSta.FULL1 | PwmSta.WERR1);
      h.write(sta, 0);
      expect(h.read(sta)).toBe(PwmSta.FULL1 | PwmSta.WERR1);
      const w1c = w1cMask(register(PWM_BLOCK, "PWM_STA"));
      expect(w1c).toBe(PwmSta.W1C);
      h.write(sta, ~w1c >>> 0); // every other bit: nothing clears
      expect(h.read(sta)).toBe(PwmSta.FULL1 | PwmSta.WERR1);
      h.write(sta, w1c);
      expect(h.read(sta)).toBe(PwmSta.FULL1);
      expect(h.m.violations).toEqual([]);
    });

    it("DMA CS: END and INT of a finished chain stay until a 1 is written to them; INT_STATUS follows INT", () => {
      const { h, dv, bus } = withMemory(board);
      const c = 5;
      const ch = h.b.peripheralBase + Block.DMA + c * DmaReg.CHANNEL_STRIDE;
      // One control block of 2 words to the PWM FIFO, interrupt on completion; DREQ asks for 8 words, so it ends at once.
      const at = 0x100;
      dv.setUint32(at + DmaCb.TI, (h.b.pwmDreq << DmaTi.PERMAP_SHIFT) | DmaTi.DEST_DREQ | DmaTi.SRC_INC | DmaTi.INTEN, true);
      dv.setUint32(at + DmaCb.SOURCE_AD, bus(0x1000), true);
      dv.setUint32(at + DmaCb.DEST_AD, PeripheralBase.BUS + h.b.pwmOffset + PwmReg.FIF1, true);
      dv.setUint32(at + DmaCb.TXFR_LEN, 8, true);
      h.write(h.pwm + PwmReg.DMAC, (PwmDmac.ENAB | PwmDmac.RESET) >>> 0);
      h.write(ch + DmaReg.CONBLK_AD, bus(at));
      h.write(ch + DmaReg.CS, DmaCs.ACTIVE);
      expect(h.m.pwm.fifoLevel).toBe(2);
      const done = DmaCs.END | DmaCs.INT;
      const cs = register(DMA_BLOCK, `DMA${c}_CS`);
      expect(w1cMask(cs)).toBe(done);
      expect(h.read(ch + DmaReg.CS) & (done | DmaCs.ACTIVE)).toBe(done);
      expect(h.read(h.b.peripheralBase + Block.DMA + DmaReg.INT_STATUS)).toBe(1 << c);
      h.write(ch + DmaReg.CS, 0);
      expect(h.read(ch + DmaReg.CS) & done).toBe(done);
      h.write(ch + DmaReg.CS, DmaCs.INT);
      expect(h.read(ch + DmaReg.CS) & done).toBe(DmaCs.END);
      expect(h.read(h.b.peripheralBase + Block.DMA + DmaReg.INT_STATUS)).toBe(0);
      h.write(ch + DmaReg.CS, DmaCs.END);
      expect(h.read(ch + DmaReg.CS) & done).toBe(0);
      expect(h.m.violations).toEqual([]);
    });

    it("every register with write-1-to-clear bits takes a write of them (no fault, no report) and reads them clear", () => {
      const h = machine(board);
      for (const d of [h.m.cm, h.m.gpio, h.m.pwm, h.m.uart, h.m.timer, h.m.dma, ...(h.m.pactl ? [h.m.pactl] : [])]) {
        for (const r of d.block!.registers) {
          const m = w1cMask(r);
          if (m === 0 || r.access === "ro") continue;
          h.write(d.base + r.offset, m);
          expect(h.read(d.base + r.offset) & m, r.name).toBe(0);
        }
      }
      expect(h.m.violations).toEqual([]);
    });

    it("the trace decodes the PWM's and the DMA's fields by the names of their tables", () => {
      const h = machine(board);
      const line = (addr: number, v: number) => formatAccess(h.m.bus, true, addr, v);
      expect(line(h.pwm + PwmReg.DMAC, (PwmDmac.ENAB | 0x0304) >>> 0)).toBe(`PWM_DMAC <= 0x80000304  ENAB PANIC=3 DREQ=4`);
      expect(line(h.pwm + PwmReg.CTL, 0)).toBe(`PWM_CTL <= 0x00000000  all off`);
      expect(line(h.pwm + PwmReg.STA, PwmSta.W1C)).toBe(`PWM_STA <= 0x000001FC  WERR1 RERR1 GAPO1 GAPO2 GAPO3 GAPO4 BERR`);
      const ch2 = h.b.peripheralBase + Block.DMA + 2 * DmaReg.CHANNEL_STRIDE;
      expect(line(ch2 + DmaReg.TI, (5 << DmaTi.PERMAP_SHIFT) | DmaTi.DEST_DREQ | DmaTi.SRC_INC)).toBe(`DMA2_TI <= 0x00050140  DEST_DREQ SRC_INC PERMAP=5`);
      expect(line(ch2 + DmaReg.CS, (DmaCs.RESET | (8 << DmaCs.PRIORITY_SHIFT)) >>> 0)).toBe(`DMA2_CS <= 0x80080000  RESET PRIORITY=8 PANIC_PRIORITY=0`);
      expect(line(ch2 + DmaReg.TXFR_LEN, 0x80000000)).toBe(`DMA2_TXFR_LEN <= 0x80000000  2147483648`);
    });
  });
}

// The models built from their register tables (regs/tables/) behave as the tables say: every read-write
// register reads its reset value after reset, every read-only one refuses a write (ignored, reported), and
// the machine placed each at its board's base + block offset (regs/blocks.ts).
import { describe, expect, it } from "vitest";
import { BOARD_NAMES } from "../../host/boards.js";
import type { Device } from "../../host/sim/device.js";
import { Block } from "../../regs/blocks.js";
import { machine } from "./harness.js";

const OFFSETS: Record<string, number> = { CM: Block.CM, GPIO: Block.GPIO, UART0: Block.UART0, TIMER: Block.TIMER, PACTL: Block.PACTL };

for (const board of BOARD_NAMES) {
  describe(`${board}: models from their tables`, () => {
    const tabled = (h: ReturnType<typeof machine>): Device[] =>
      [h.m.cm, h.m.gpio, h.m.uart, h.m.timer, ...(h.m.pactl ? [h.m.pactl] : [])].filter((d) => d.block !== undefined);

    it("are placed at the board's base + their block's offset, and are the whole of their table", () => {
      const h = machine(board);
      const models = tabled(h);
      expect(models.map((d) => d.name).sort()).toEqual(board === "pi4" ? ["CM", "GPIO", "PACTL", "TIMER", "UART0"] : ["CM", "GPIO", "TIMER", "UART0"]);
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

    it("answer a read of every register of their table (a write-only one reads 0), never with a fault", () => {
      const h = machine(board);
      for (const d of tabled(h)) {
        for (const r of d.block!.registers) {
          const v = h.read(d.base + r.offset);
          if (r.access === "wo") expect(v, r.name).toBe(0);
        }
      }
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

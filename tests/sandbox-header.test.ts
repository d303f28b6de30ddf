// boot/sandbox.h is generated from regs/: it must be current, and it must say what the simulator enforces.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../host/firmware.js";
import { sandboxHeader, windows } from "../host/regs/c-header.js";
import { ALLOW_LIST, SANDBOX_BOARDS, SANDBOX_PERIPHERAL_BASE, allowMap, mmioRefusal } from "../regs/allow-list.js";
import { Machine } from "../host/sim/machine.js";
import { Block } from "../regs/blocks.js";

describe("boot/sandbox.h", () => {
  it("is what host/regs/c-header.ts generates from regs/ today (run `npx tsx scripts/gen-sandbox-header.ts` after changing regs/)", () => {
    expect(readFileSync(join(ROOT, "boot", "sandbox.h"), "utf8")).toBe(sandboxHeader());
  });

  for (const board of SANDBOX_BOARDS) {
    it(`${board}: the header's windows and masks admit exactly the allow-list, word by word, with the same read/write verdicts as the simulator`, () => {
      const rules = allowMap(board);
      const ws = windows(board);
      const header = (addr: number, write: boolean): boolean => {
        for (const w of ws) {
          const off = addr - w.base;
          if (off < 0 || off >= w.size) continue;
          const bit = 1n << BigInt(off >> 2);
          return (w.read & bit) !== 0n && (!write || (w.write & bit) !== 0n);
        }
        return false;
      };
      const base = SANDBOX_PERIPHERAL_BASE[board];
      // Every word of the 4 KiB page of every block the firmware could aim at, both directions.
      const pages = [Block.TIMER, Block.DMA, Block.IRQ, Block.MAILBOX, Block.CM, Block.A2W, Block.GPIO, Block.UART0, Block.PACTL, Block.PWM0, Block.PWM1].map((o) => o & ~0xfff);
      for (const block of new Set(pages)) {
        for (let off = 0; off < 0x1000; off += 4) {
          const addr = base + block + off;
          for (const write of [false, true]) expect(header(addr, write), `${addr.toString(16)} ${write}`).toBe(mmioRefusal(board, rules, addr, write) === null);
        }
      }
      expect(ALLOW_LIST[board].length).toBe(rules.size);
    });

    it(`${board}: every allow-listed register is modelled by the simulator (an allowed access never becomes a simulator fault)`, () => {
      const m = new Machine({ board, wasm: new Uint8Array(0), bundle: new Uint8Array(0) });
      for (const [addr, rule] of allowMap(board)) {
        const d = m.bus.deviceAt(addr);
        expect(d, `no model at 0x${addr.toString(16)}`).toBeDefined();
        expect(d!.registers.has(addr - d!.base), `0x${addr.toString(16)}`).toBe(true);
        // The model calls it what the allow-list (regs/tables/) calls it: one name per register.
        expect(d!.registers.get(addr - d!.base)!.name, `0x${addr.toString(16)}`).toBe(rule.name);
      }
    });
  }
});

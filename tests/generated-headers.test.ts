// boot/regs.h is generated from regs/ (host/regs/board-header.ts): it must be current, and the runtime must take
// its addresses, halt codes and mailbox tags from it rather than from numbers of its own.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../host/firmware.js";
import { boardHeader } from "../host/regs/board-header.js";
import { BOARDS } from "../host/boards.js";
import { HALT_CODES } from "../host/sim/abi.js";

const header = () => readFileSync(join(ROOT, "boot", "regs.h"), "utf8");

/** The value of `#define NAME value` in the part of the header for `board` (or the common part). */
function defineIn(text: string, name: string, board: "pi4" | "pi3"): string {
  const start = text.indexOf(board === "pi4" ? "#if PIWAVE_BOARD == 4" : "#elif PIWAVE_BOARD == 3");
  const own = text.slice(start, text.indexOf(board === "pi4" ? "#elif" : "#else", start));
  const m = new RegExp(`^#define ${name} (\\S+)`, "m").exec(own) ?? new RegExp(`^#define ${name} (\\S+)`, "m").exec(text);
  if (!m) throw new Error(`boot/regs.h defines no ${name}`);
  return m[1]!;
}
const num = (v: string) => Number(v.replace(/u$/, ""));

describe("boot/regs.h", () => {
  it("is what host/regs/board-header.ts generates from regs/ today (run `npx tsx scripts/gen-sandbox-header.ts` after changing regs/)", () => {
    expect(header()).toBe(boardHeader());
  });

  for (const board of ["pi4", "pi3"] as const) {
    it(`${board}: gives the runtime the same peripheral base, jack PWM and clocks as the simulator's board`, () => {
      const h = header();
      const b = BOARDS[board];
      expect(num(defineIn(h, "PERIPHERAL_BASE", board))).toBe(b.peripheralBase);
      expect(num(defineIn(h, "PWM_OFFSET", board))).toBe(b.pwmOffset);
      expect(num(defineIn(h, "PWM_DREQ", board))).toBe(b.pwmDreq);
      expect(num(defineIn(h, "OSC_HZ", board))).toBe(b.oscHz);
      expect(num(defineIn(h, "PLLD_HZ", board))).toBe(b.plldHz);
      expect(num(defineIn(h, "UART_CLOCK_HZ", board))).toBe(b.uartClockHz);
    });
  }

  it("names every halt code as the simulator does, in order, and the runtime prints those names", () => {
    const list = /^#define HALT_NAME_LIST (.*)$/m.exec(header())![1]!;
    const names = [...list.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    expect(names).toEqual(Object.keys(HALT_CODES).map((k) => HALT_CODES[Number(k)]));
    expect(readFileSync(join(ROOT, "boot", "main.c"), "utf8")).toMatch(/HALT_NAMES\[\] = \{HALT_NAME_LIST\};/);
  });

  it("is what boot/board.h and boot/runtime.h include: the runtime defines no base, block offset or halt code of its own", () => {
    const board = readFileSync(join(ROOT, "boot", "board.h"), "utf8");
    const runtime = readFileSync(join(ROOT, "boot", "runtime.h"), "utf8");
    expect(board).toMatch(/#include "regs.h"/);
    expect(runtime).toMatch(/#include "regs.h"/);
    for (const f of ["board.h", "runtime.h", "abi.c", "main.c", "uart.c", "mmu.c", "libc.c", "music.c", "exceptions.c"]) {
      const text = readFileSync(join(ROOT, "boot", f), "utf8");
      expect(text, f).not.toMatch(/#define (PERIPHERAL_BASE|PERIPHERAL_END|PWM_OFFSET|BOARD_NAME|HALT_[A-Z_]+|MBOX_(OK|ERROR|NO_ANSWER|STATUS_FULL|STATUS_EMPTY))\s/);
    }
  });
});

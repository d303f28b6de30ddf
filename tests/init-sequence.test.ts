// The firmware's register sequences, checked for meaning on both boards. The run and the
// sequence checks use the public testing API (piwave/testing) where it says the same thing.
import { describe, expect, it } from "vitest";
import { BOARDS, BOARD_NAMES, pwmRange } from "../host/boards.js";
import { formatFolded } from "../host/sim/trace.js";
import { runFirmware } from "../host/testing/index.js";
import "../host/testing/vitest.js";
import { Block } from "../regs/blocks.js";
import { CmCtl, CmField, CmReg } from "../regs/cm.js";
import { PwmCtl as CTL, PwmReg, PwmSta } from "../regs/pwm.js";
import { Pl011Reg } from "../regs/uart.js";
import { constantTrack, firmwareModule } from "./helpers.js";

/** A GPFSEL4 reset value with other pins in use (GPIO42..49 with various functions). */
const GPFSEL4_SEED = 0b00_011_010_111_110_101_100_001_000_000 >>> 0; // GPIO40/41 = input, 42..49 set

for (const board of BOARD_NAMES) {
  describe(`${board} init sequence`, async () => {
    const b = BOARDS[board];
    const gpfsel = [0, 0, 0, 0, GPFSEL4_SEED, 0];
    const r = await runFirmware({ board, wasm: firmwareModule(board), bundle: [constantTrack(board, 2000, 1000, -1000)], gpfsel, traceLimit: 200_000, ms: 120_000 });
    const m = r.machine;
    const entries = [...m.trace!.entries()];
    const cmBase = b.peripheralBase + Block.CM;
    const pwmBase = b.peripheralBase + b.pwmOffset;

    it("plays and halts cleanly, breaking no hardware rule", () => {
      expect(r.ended).toBe("halt");
      expect(r.haltCode).toBe(0);
      expect(r).toBreakNoHardwareRule();
    });

    it("every clock-manager write carries the 0x5A password", () => {
      const cmWrites = r.writes().filter((e) => e.device === "CM");
      expect(cmWrites.length).toBeGreaterThanOrEqual(3);
      for (const w of cmWrites) expect(w.fields.PASSWD, `${w.register} <= ${w.text}`).toBe(true);
      for (const w of cmWrites) expect(w.value >>> CmField.PASSWD_SHIFT).toBe(CmField.PASSWD_KEY);
    });

    it("writes CM_PWMDIV only while BUSY=0, then SRC, then SRC|ENAB; never waits for BUSY=1", () => {
      const divWrites = m.cm.writes.filter((w) => w.reg === "DIV");
      expect(divWrites.length).toBe(1);
      for (const w of divWrites) expect(w.busy).toBe(false);
      // The divider, then the source with the generator off, then the same source switched on: nothing else in between.
      expect(r).toWriteInOrder(
        [
          { register: "CM_PWMDIV", fields: { PASSWD: true, DIVI: b.pwmClockDivi, DIVF: 0 } },
          { register: "CM_PWMCTL", fields: { PASSWD: true, SRC: "PLLD", ENAB: false, KILL: false } },
          { register: "CM_PWMCTL", fields: { PASSWD: true, SRC: "PLLD", ENAB: true, KILL: false } },
        ],
        { adjacent: true },
      );
      // Every CTL write that changes SRC happens with BUSY=0 too.
      let src = 0;
      for (const w of m.cm.writes.filter((w) => w.reg === "CTL")) {
        if ((w.value & CmCtl.SRC_MASK) !== src) expect(w.busy).toBe(false);
        src = w.value & CmCtl.SRC_MASK;
      }
      // After playing, the generator is stopped by clearing ENAB (a clean stop), not left running.
      const last = m.cm.writes.at(-1)!;
      expect(last.reg).toBe("CTL");
      expect(last.value & CmCtl.ENAB).toBe(0);
      expect(m.cm.pwmClock().hz).toBe(b.plldHz / b.pwmClockDivi);
    });

    it("sets GPIO40/41 to ALT0 with no pull and preserves every other GPFSEL4 bit", () => {
      expect(m.gpio.functionOf(40)).toBe("ALT0");
      expect(m.gpio.functionOf(41)).toBe("ALT0");
      const mask = 0b111_111; // GPIO40, GPIO41
      expect(m.gpio.fsel[4]! & ~mask).toBe(GPFSEL4_SEED & ~mask);
      expect(m.gpio.pulls[40]).toBe("none");
      expect(m.gpio.pulls[41]).toBe("none");
      expect(m.gpio.functionOf(14)).toBe("ALT0");
      expect(m.gpio.functionOf(15)).toBe("ALT0");
      // The pull of a neighbour is untouched.
      expect(m.gpio.pulls[42]).toBe("down");
    });

    it(`uses the ${b.pwmName} block at its board address and sets RNG1 == RNG2 == ${pwmRange(b)}`, () => {
      const pwmAccesses = entries.filter((e) => e.addr >= pwmBase && e.addr < pwmBase + PwmReg.BLOCK_BYTES);
      expect(pwmAccesses.length).toBeGreaterThan(100);
      const otherPwm = b.peripheralBase + (board === "pi4" ? Block.PWM0 : Block.PWM1);
      expect(entries.some((e) => e.addr >= otherPwm && e.addr < otherPwm + PwmReg.BLOCK_BYTES)).toBe(false);
      const rng1 = entries.filter((e) => e.write && e.addr === pwmBase + PwmReg.RNG1).map((e) => e.value);
      const rng2 = entries.filter((e) => e.write && e.addr === pwmBase + PwmReg.RNG2).map((e) => e.value);
      expect(rng1).toEqual([pwmRange(b)]);
      expect(rng2).toEqual([pwmRange(b)]);
      expect(r.jack.range).toBe(pwmRange(b));
    });

    it("clears the FIFO (CLRF) before enabling the channels, and clears errors W1C", () => {
      expect(r).toWriteInOrder([
        { register: "PWM_CTL", fields: { CLRF1: true, PWEN1: false, PWEN2: false } },
        { register: "PWM_CTL", value: CTL.PWEN1 | CTL.USEF1 | CTL.MSEN1 | CTL.PWEN2 | CTL.USEF2 | CTL.MSEN2 },
      ]);
      const ctl = m.pwm.ctlWrites.map((w) => w.value);
      const clrf = ctl.findIndex((v) => v & CTL.CLRF1);
      const pwen = ctl.findIndex((v) => v & (CTL.PWEN1 | CTL.PWEN2));
      expect(clrf).toBeGreaterThanOrEqual(0);
      expect(pwen).toBeGreaterThan(clrf);
      expect(ctl[pwen]).toBe(CTL.PWEN1 | CTL.USEF1 | CTL.MSEN1 | CTL.PWEN2 | CTL.USEF2 | CTL.MSEN2);
      const staWrites = entries.filter((e) => e.write && e.addr === pwmBase + PwmReg.STA);
      expect(staWrites.length).toBeGreaterThan(0);
      for (const w of staWrites) expect(w.value & (PwmSta.FULL1 | PwmSta.EMPT1)).toBe(0); // never "clears" FULL/EMPT (not W1C)
      for (const w of staWrites) expect(w.value & ~PwmSta.W1C).toBe(0); // only write-1-to-clear flags
      // The clock runs before the PWM is enabled.
      const enableAt = m.pwm.ctlWrites[pwen]!.timePs;
      const clockOn = m.cm.writes.find((w) => w.reg === "CTL" && w.value & CmCtl.ENAB)!;
      expect(clockOn.timePs).toBeLessThan(enableAt);
    });

    it("no two CTL writes back to back (no BERR)", () => {
      const times = m.pwm.ctlWrites.map((w) => w.timePs);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThan(1_000_000); // > 1 µs
    });

    it("matches the readable init trace snapshot", async () => {
      // From the first clock-manager access to the first word written after PWEN, UART traffic left out.
      const start = entries.findIndex((e) => e.addr >= cmBase && e.addr < cmBase + CmReg.BLOCK_BYTES);
      const enable = entries.findIndex((e) => e.write && e.addr === pwmBase && e.value & CTL.PWEN1);
      const uart = b.peripheralBase + Block.UART0;
      const lines = formatFolded(
        m.bus,
        entries.slice(start, enable + 4).filter((e) => !(e.addr >= uart && e.addr < uart + Pl011Reg.BLOCK_BYTES)),
      );
      await expect(lines.join("\n") + "\n").toMatchFileSnapshot(`__snapshots__/init-${board}.trace`);
    });
  });
}

// Clock manager model: password rule, BUSY timing, rules about changing a running generator.
import { describe, expect, it } from "vitest";
import { machine } from "./harness.js";
import { CmReg } from "../../regs/cm.js";

const CTL = CmReg.PWMCTL;
const DIV = CmReg.PWMDIV;

describe("clock manager model", () => {
  it("a write without the 0x5A password is ignored and reported", () => {
    const h = machine("pi4");
    h.write(h.cm + DIV, 0x00006000);
    expect(h.read(h.cm + DIV)).toBe(0);
    h.write(h.cm + CTL, 0x00000016);
    expect(h.read(h.cm + CTL)).toBe(0x200); // the reset value, unchanged
    expect(h.m.violations.map((v) => v.message)).toEqual([
      "CM_PWMDIV write 0x00006000 without the 0x5A password: ignored",
      "CM_PWMCTL write 0x00000016 without the 0x5A password: ignored",
    ]);
  });

  it("the password is stripped on read-back", () => {
    const h = machine("pi3");
    h.write(h.cm + DIV, 0x5a002000);
    expect(h.read(h.cm + DIV)).toBe(0x2000);
  });

  it("BUSY follows ENAB after a short delay, and clears a short delay after ENAB is cleared", () => {
    const h = machine("pi4");
    h.write(h.cm + DIV, 0x5a006000);
    h.write(h.cm + CTL, 0x5a000006);
    h.write(h.cm + CTL, 0x5a000016);
    // BUSY rises 250 ns later (two 8 ns cycles, but at least 250 ns in this model).
    expect(h.read(h.cm + CTL) & 0x80).toBe(0);
    expect(h.m.cm.pwmClock().running).toBe(true);
    h.wait(1);
    expect(h.read(h.cm + CTL) & 0x80).toBe(0x80);
    expect(h.m.cm.pwmClock().hz).toBe(125_000_000);
    h.write(h.cm + CTL, 0x5a000006);
    expect(h.read(h.cm + CTL) & 0x80).toBe(0x80); // still finishing its cycle
    h.wait(1);
    expect(h.read(h.cm + CTL) & 0x80).toBe(0);
    expect(h.m.violations).toEqual([]);
  });

  it("changing DIV or SRC while BUSY is reported", () => {
    const h = machine("pi4");
    h.startClock();
    h.write(h.cm + DIV, 0x5a005000);
    h.write(h.cm + CTL, 0x5a000011);
    expect(h.m.violations.map((v) => v.message)).toEqual([
      "CM_PWMDIV written (0x5A005000) while BUSY=1: the divider glitches",
      "CM_PWMCTL SRC/MASH changed (0x5A000011) while BUSY=1: the clock glitches",
    ]);
  });

  it("KILL stops the generator at once", () => {
    const h = machine("pi4");
    h.startClock();
    expect(h.read(h.cm + CTL) & 0x80).toBe(0x80);
    h.write(h.cm + CTL, 0x5a000020);
    expect(h.read(h.cm + CTL) & 0x80).toBe(0);
    expect(h.m.cm.pwmClock().running).toBe(false);
  });

  it("PLLD with DIVI < 2 gives no clock (docs/hardware.md#clock-manager)", () => {
    const h = machine("pi4");
    h.write(h.cm + DIV, 0x5a001000);
    h.write(h.cm + CTL, 0x5a000016);
    expect(h.m.cm.pwmClock().running).toBe(false);
  });

  it("other clock-manager registers are not modelled and fail loudly", () => {
    const h = machine("pi4");
    expect(() => h.read(h.cm + 0x70)).toThrow(/no modelled register there; nearest is CM_PWMCTL/);
  });
});

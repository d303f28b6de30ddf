// GPIO model: function select, pulls per SoC, the Pi 3 GPPUD timing rule. Registers and values by their regs/ names.
import { describe, expect, it } from "vitest";
import { GpioFsel, GpioPud, GpioPupPdn, GpioReg } from "../../regs/gpio.js";
import { machine } from "./harness.js";

const FSEL4 = GpioReg.GPFSEL0 + 4 * 4;
const PULLS2 = GpioReg.PUP_PDN_CNTRL_REG0 + 2 * 4;

describe("GPIO model", () => {
  it("GPFSEL registers hold 3 bits per pin and read back", () => {
    const h = machine("pi4", { gpfsel: [0, 0, 0, 0, 0x12345678, 0] });
    expect(h.read(h.gpio + FSEL4)).toBe(0x12345678);
    h.write(h.gpio + FSEL4, GpioFsel.ALT0 | (GpioFsel.ALT0 << GpioFsel.BITS));
    expect(h.m.gpio.functionOf(40)).toBe("ALT0");
    expect(h.m.gpio.functionOf(41)).toBe("ALT0");
    expect(h.m.gpio.functionOf(42)).toBe("IN");
  });

  it("Pi 4: GPIO_PUP_PDN_CNTRL_REG2 sets the pulls of GPIO32..47, 2 bits each", () => {
    const h = machine("pi4");
    expect(h.m.gpio.pulls[40]).toBe("down");
    const v = h.read(h.gpio + PULLS2);
    h.write(h.gpio + PULLS2, v & ~(0b1111 << 16));
    expect(h.m.gpio.pulls[40]).toBe("none");
    expect(h.m.gpio.pulls[41]).toBe("none");
    expect(h.m.gpio.pulls[42]).toBe("down");
    h.write(h.gpio + PULLS2, (v & ~(0b11 << 20)) | (GpioPupPdn.UP << 20));
    expect(h.m.gpio.pulls[42]).toBe("up");
    expect(() => h.read(h.gpio + GpioReg.GPPUD)).toThrow(/GPPUD|nearest/); // no GPPUD on BCM2711
  });

  it("Pi 3: GPPUD + GPPUDCLK latches the pull only after 150 cycles of set-up", () => {
    const h = machine("pi3");
    h.write(h.gpio + GpioReg.GPPUD, GpioPud.OFF);
    h.write(h.gpio + GpioReg.GPPUDCLK1, 1 << 8); // GPIO40, 100 ns later: too soon
    expect(h.m.gpio.pulls[40]).toBe("down");
    expect(h.m.violations[0]!.message).toMatch(/GPPUDCLK1 asserted 100 ns after GPPUD; the control signal needs 150 core cycles/);
    h.write(h.gpio + GpioReg.GPPUD, GpioPud.OFF);
    h.wait(2);
    h.write(h.gpio + GpioReg.GPPUDCLK1, 1 << 8);
    expect(h.m.gpio.pulls[40]).toBe("none");
    expect(() => h.read(h.gpio + GpioReg.PUP_PDN_CNTRL_REG0)).toThrow(/nearest/); // no PUP_PDN on BCM2837
  });

  it("Pi 3: GPPUD's modes are the BCM2837's (1 pull-down, 2 pull-up), not the BCM2711's", () => {
    const h = machine("pi3");
    for (const [mode, pull] of [[GpioPud.UP, "up"], [GpioPud.DOWN, "down"]] as const) {
      h.write(h.gpio + GpioReg.GPPUD, mode);
      h.wait(2);
      h.write(h.gpio + GpioReg.GPPUDCLK0, 1 << 14);
      h.write(h.gpio + GpioReg.GPPUD, GpioPud.OFF);
      h.write(h.gpio + GpioReg.GPPUDCLK0, 0);
      expect(h.m.gpio.pulls[14]).toBe(pull);
    }
    const gppud = h.m.traceLines().filter((l) => l.includes("GPPUD <="));
    expect(gppud.map((l) => l.split("  ").at(-1))).toEqual(["PUD=UP", "PUD=NONE", "PUD=DOWN", "PUD=NONE"]);
    expect(h.m.violations).toEqual([]);
  });

  it("GPSET/GPCLR drive GPLEV", () => {
    const h = machine("pi4");
    h.write(h.gpio + GpioReg.GPSET1, 1 << (42 - 32));
    expect(h.read(h.gpio + GpioReg.GPLEV1) & (1 << 10)).toBeTruthy();
    h.write(h.gpio + GpioReg.GPCLR1, 1 << 10);
    expect(h.read(h.gpio + GpioReg.GPLEV1) & (1 << 10)).toBe(0);
  });

  it("GPLEV is read-only: a write is ignored and reported (its table says ro)", () => {
    const h = machine("pi4");
    h.write(h.gpio + GpioReg.GPLEV0, 0xffffffff);
    expect(h.read(h.gpio + GpioReg.GPLEV0)).toBe(0);
    expect(h.m.violations.map((v) => v.message)).toEqual(["write to read-only GPLEV0 ignored"]);
  });
});

// GPIO model: function select, pulls per SoC, the Pi 3 GPPUD timing rule.
import { describe, expect, it } from "vitest";
import { machine } from "./harness.js";

describe("GPIO model", () => {
  it("GPFSEL registers hold 3 bits per pin and read back", () => {
    const h = machine("pi4", { gpfsel: [0, 0, 0, 0, 0x12345678, 0] });
    expect(h.read(h.gpio + 0x10)).toBe(0x12345678);
    h.write(h.gpio + 0x10, 0x24);
    expect(h.m.gpio.functionOf(40)).toBe("ALT0");
    expect(h.m.gpio.functionOf(41)).toBe("ALT0");
    expect(h.m.gpio.functionOf(42)).toBe("IN");
  });

  it("Pi 4: GPIO_PUP_PDN_CNTRL_REG2 sets the pulls of GPIO32..47, 2 bits each", () => {
    const h = machine("pi4");
    expect(h.m.gpio.pulls[40]).toBe("down");
    const v = h.read(h.gpio + 0xec);
    h.write(h.gpio + 0xec, v & ~(0b1111 << 16));
    expect(h.m.gpio.pulls[40]).toBe("none");
    expect(h.m.gpio.pulls[41]).toBe("none");
    expect(h.m.gpio.pulls[42]).toBe("down");
    expect(() => h.read(h.gpio + 0x94)).toThrow(/GPPUD|nearest/); // no GPPUD on BCM2711
  });

  it("Pi 3: GPPUD + GPPUDCLK latches the pull only after 150 cycles of set-up", () => {
    const h = machine("pi3");
    h.write(h.gpio + 0x94, 0); // off
    h.write(h.gpio + 0x9c, 1 << 8); // GPIO40, 100 ns later: too soon
    expect(h.m.gpio.pulls[40]).toBe("down");
    expect(h.m.violations[0]!.message).toMatch(/GPPUDCLK1 asserted 100 ns after GPPUD; the control signal needs 150 core cycles/);
    h.write(h.gpio + 0x94, 0);
    h.wait(2);
    h.write(h.gpio + 0x9c, 1 << 8);
    expect(h.m.gpio.pulls[40]).toBe("none");
    expect(() => h.read(h.gpio + 0xe4)).toThrow(/nearest/); // no PUP_PDN on BCM2837
  });

  it("GPSET/GPCLR drive GPLEV", () => {
    const h = machine("pi4");
    h.write(h.gpio + 0x20, 1 << (42 - 32));
    expect(h.read(h.gpio + 0x38) & (1 << 10)).toBeTruthy();
    h.write(h.gpio + 0x2c, 1 << 10);
    expect(h.read(h.gpio + 0x38) & (1 << 10)).toBe(0);
  });
});

// PL011, system timer and the bus itself.
import { describe, expect, it } from "vitest";
import { PS_PER_US } from "../../host/sim/time.js";
import { machine } from "./harness.js";
import { PwmReg } from "../../regs/pwm.js";
import { CmReg } from "../../regs/cm.js";
import { TimerReg } from "../../regs/timer.js";
import { Pl011Fr, Pl011Reg } from "../../regs/uart.js";

function uartUp(h: ReturnType<typeof machine>) {
  h.write(h.uart + Pl011Reg.IBRD, 26);
  h.write(h.uart + Pl011Reg.FBRD, 3);
  h.write(h.uart + Pl011Reg.LCRH, 0x70);
  h.write(h.uart + Pl011Reg.CR, 0x301);
}

describe("PL011 model", () => {
  it("transmits at 115200 baud: a byte takes ~86.8 µs, 32 fit in the FIFO, FR tells TXFF/BUSY/TXFE; only a spin on FR waits", () => {
    const h = machine("pi4");
    uartUp(h);
    expect(h.m.uart.baud).toBeCloseTo(115_177, 0); // 48 MHz / (16 × (26 + 3/64))
    const t0 = h.m.clock.now;
    for (let i = 0; i < 33; i++) h.write(h.uart, 0x41 + (i % 26)); // 1 in the shifter + 32 queued
    // One FR read between other work costs one access, as on the chip (the log's non-blocking pump)...
    expect(h.read(h.uart + Pl011Reg.FR) & Pl011Fr.TXFF).toBe(Pl011Fr.TXFF);
    expect((h.m.clock.now - t0) / PS_PER_US).toBeLessThan(10);
    // ...read again at once, it is a CPU spinning on FR: time jumps to the end of the shifting byte, as the spin would.
    expect(h.read(h.uart + Pl011Reg.FR) & Pl011Fr.TXFF).toBe(Pl011Fr.TXFF);
    const waited = h.m.clock.now - t0;
    expect(waited / PS_PER_US).toBeGreaterThan(80);
    expect(waited / PS_PER_US).toBeLessThan(95);
    h.wait(3000);
    const fr = h.read(h.uart + Pl011Reg.FR);
    expect(fr & Pl011Fr.TXFE).toBe(Pl011Fr.TXFE);
    expect(fr & Pl011Fr.BUSY).toBe(0);
    expect(h.m.uartText()).toBe("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG");
  });

  it("a byte written while the UART is disabled is lost and reported", () => {
    const h = machine("pi4");
    h.write(h.uart, 0x41);
    expect(h.m.uart.lost).toBe(1);
    expect(h.m.violations[0]!.message).toMatch(/UART_DR written while the UART or its transmitter is disabled/);
  });
});

describe("system timer model", () => {
  it("CLO/CHI count microseconds of virtual time", () => {
    const h = machine("pi3");
    h.wait(1234);
    const clo = h.read(h.timer + TimerReg.CLO);
    expect(clo).toBeGreaterThanOrEqual(1234);
    expect(clo).toBeLessThan(1236);
    h.m.bus.limitPs = Infinity; // 71 minutes of virtual time, past the default run limit
    h.m.clock.stall(2 ** 32 * PS_PER_US);
    expect(h.read(h.timer + TimerReg.CHI)).toBe(1);
  });
});

describe("bus", () => {
  it("an unmapped address fails loudly with the nearest register", () => {
    const h = machine("pi4");
    expect(() => h.read(h.pwm + PwmReg.BLOCK_BYTES + 0x14)).toThrow(/read of 0xFE20C83C: no peripheral is mapped there; nearest register is PWM_DAT2 at 0xFE20C824/);
    expect(() => h.write(0x80000, 1)).toThrow(/write to 0x00080000: no peripheral is mapped there/);
  });

  it("an unaligned access fails loudly", () => {
    const h = machine("pi4");
    expect(() => h.read(h.pwm + 2)).toThrow(/not 4-byte aligned/);
  });

  it("every access costs virtual time and is traced with register names and fields", () => {
    const h = machine("pi4");
    const t0 = h.m.clock.now;
    h.write(h.cm + CmReg.PWMCTL, 0x5a000016);
    h.read(h.pwm + PwmReg.STA);
    expect(h.m.clock.now - t0).toBe(200_000);
    expect(h.m.traceLines()).toEqual([
      "[       0.100 us] CM_PWMCTL <= 0x5A000016  PASSWD ENAB SRC=PLLD",
      "[       0.200 us] PWM_STA => 0x00000002  EMPT1",
    ]);
  });
});

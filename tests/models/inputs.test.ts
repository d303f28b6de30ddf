// Inputs from outside the chip, driven through the real bus without firmware: bytes on the
// PL011's RX line, levels on GPIO pins, one-shot CPU stalls (the testing API's timed inputs).
import { describe, expect, it } from "vitest";
import { PS_PER_US } from "../../host/sim/time.js";
import { machine } from "./harness.js";
import { GpioReg } from "../../regs/gpio.js";
import { Pl011Fr, Pl011Reg, Pl011Rsr } from "../../regs/uart.js";

const FR = Pl011Reg.FR;
const RSRECR = Pl011Reg.RSRECR;
const RXFE = Pl011Fr.RXFE;
const RXFF = Pl011Fr.RXFF;

function uartUp(h: ReturnType<typeof machine>, cr = 0x301) {
  h.write(h.uart + Pl011Reg.IBRD, 26);
  h.write(h.uart + Pl011Reg.FBRD, 3);
  h.write(h.uart + Pl011Reg.LCRH, 0x70); // 8 bits, FIFOs
  h.write(h.uart + Pl011Reg.CR, cr);
}

describe("PL011 receive path", () => {
  it("a byte lands in the FIFO one frame (10 bits at 115200 baud) after it starts, and bytes given together follow each other", () => {
    const h = machine("pi4");
    uartUp(h);
    h.m.uart.receive(100 * PS_PER_US, [0x41, 0x42]);
    h.wait(100 + 80 - h.m.clock.now / PS_PER_US);
    expect(h.read(h.uart + FR) & RXFE).toBe(RXFE); // 80 µs: still on the wire
    h.wait(10);
    expect(h.read(h.uart + FR) & RXFE).toBe(0);
    expect(h.read(h.uart)).toBe(0x41);
    expect(h.read(h.uart + FR) & RXFE).toBe(RXFE); // the second is one more frame away
    h.wait(90);
    expect(h.read(h.uart)).toBe(0x42);
    expect(h.read(h.uart + FR) & RXFE).toBe(RXFE);
    expect(h.m.uart.rxReceived).toBe(2);
  });

  it("a byte arriving with the FIFO full is lost and sets the overrun error until RSRECR is written", () => {
    const h = machine("pi4");
    uartUp(h);
    h.m.uart.receive(0, new Uint8Array(34).map((_, i) => i));
    h.wait(34 * 90);
    expect(h.read(h.uart + FR) & RXFF).toBe(RXFF);
    expect(h.m.uart.rxOverruns).toBe(2);
    expect(h.read(h.uart + RSRECR) & Pl011Rsr.OE).toBe(Pl011Rsr.OE);
    expect(h.read(h.uart)).toBe(0 | (1 << 11)); // the first byte, with OE on this read
    expect(h.read(h.uart)).toBe(1); // ... only on the next read after the overrun
    expect(h.read(h.uart + RSRECR) & Pl011Rsr.OE).toBe(Pl011Rsr.OE); // still set in RSRECR
    h.write(h.uart + RSRECR, 0);
    expect(h.read(h.uart + RSRECR)).toBe(0);
  });

  it("without FIFOs the receiver holds one byte; with the receiver off nothing is received", () => {
    const one = machine("pi4");
    uartUp(one);
    one.write(one.uart + Pl011Reg.LCRH, 0x60); // FEN off
    one.m.uart.receive(0, [1, 2]);
    one.wait(300);
    expect(one.read(one.uart + FR) & RXFF).toBe(RXFF);
    expect(one.m.uart.rxOverruns).toBe(1);
    const off = machine("pi4");
    uartUp(off, 0x101); // UARTEN | TXE, no RXE
    off.m.uart.receive(0, [1, 2, 3]);
    off.wait(400);
    expect(off.read(off.uart + FR) & RXFE).toBe(RXFE);
    expect(off.m.uart.rxIgnored).toBe(3);
  });
});

describe("GPIO inputs", () => {
  it("GPLEV reads the outside level of a driven input from its time on, and the latch of an output", () => {
    const h = machine("pi4");
    h.m.gpio.drive(50 * PS_PER_US, 17, 1);
    h.m.gpio.drive(50 * PS_PER_US, 40, 1); // GPIO40 in GPLEV1, bit 8
    h.m.gpio.drive(80 * PS_PER_US, 17, null);
    expect(h.read(h.gpio + GpioReg.GPLEV0) & (1 << 17)).toBe(0);
    h.wait(50);
    expect(h.read(h.gpio + GpioReg.GPLEV0) & (1 << 17)).toBe(1 << 17);
    expect(h.read(h.gpio + GpioReg.GPLEV1) & (1 << 8)).toBe(1 << 8);
    h.write(h.gpio + GpioReg.GPFSEL1, 1 << 21); // GPIO17 as an output (GPFSEL1 bits 23:21 = 001)
    expect(h.read(h.gpio + GpioReg.GPLEV0) & (1 << 17)).toBe(0); // its latch, not the outside level
    h.write(h.gpio + GpioReg.GPSET0, 1 << 17); // GPSET0
    expect(h.read(h.gpio + GpioReg.GPLEV0) & (1 << 17)).toBe(1 << 17);
    h.write(h.gpio + GpioReg.GPFSEL1, 0); // input again
    h.write(h.gpio + GpioReg.GPCLR0, 1 << 17); // GPCLR0
    h.wait(40);
    expect(h.read(h.gpio + GpioReg.GPLEV0) & (1 << 17)).toBe(0); // released at 80 µs: the latch (0)
    expect(() => h.m.gpio.drive(0, 58, 1)).toThrow(/GPIO58 does not exist/);
  });
});

describe("one-shot stalls", () => {
  it("freeze the firmware once at its first access after the time, alongside periodic stalls", () => {
    const h = machine("pi4");
    h.m.bus.setStalls(1000 * PS_PER_US, 10 * PS_PER_US);
    h.m.bus.addStall(300 * PS_PER_US, 200 * PS_PER_US);
    h.wait(299.95);
    h.read(h.timer + 4);
    expect(h.m.clock.now / PS_PER_US).toBeCloseTo(300.05, 6); // before 300 µs: no stall yet
    h.read(h.timer + 4);
    expect(h.m.clock.now / PS_PER_US).toBeCloseTo(500.15, 6); // 200 µs, then the access
    h.wait(600);
    h.read(h.timer + 4);
    expect(h.m.clock.now / PS_PER_US).toBeCloseTo(1110.25, 6); // the periodic 10 µs one, due at 1 ms
    expect(h.m.bus.stalls).toBe(2);
  });
});

// Test firmware for timed inputs (tests/testing-api.test.ts), written as a user would, with only
// the ABI: echoes each byte received on the UART in upper case, reports each change of the input
// level on GPIO17 as a line "gpio17 high" / "gpio17 low", halts with code 0 on 'q' and code 42 on 'x'
// (a code of the user's own: piwave's are 0-7, host/sim/abi.ts HALT_CODES).
@external("env", "mmio_read") declare function mmio_read(addr: u32): u32;
@external("env", "mmio_write") declare function mmio_write(addr: u32, value: u32): void;
@external("env", "halt") declare function halt(code: u32): void;

// The register description piwave ships (regs/): addresses and fields by name.
import { Block, PeripheralBase } from "../../regs/blocks";
import { GpioFsel, GpioReg } from "../../regs/gpio";
import { Pl011Cr, Pl011Fr, Pl011Lcrh, Pl011Reg } from "../../regs/uart";

// @ts-ignore: BOARD comes from asc --use BOARD=n (piwave's settings).
const BASE: u32 = <u32>BOARD == 4 ? <u32>PeripheralBase.PI4 : <u32>PeripheralBase.PI3;
const GPFSEL1: u32 = BASE + Block.GPIO + GpioReg.GPFSEL1;
const GPLEV0: u32 = BASE + Block.GPIO + GpioReg.GPLEV0;
const UART: u32 = BASE + Block.UART0;
const DR: u32 = UART + Pl011Reg.DR;
const FR: u32 = UART + Pl011Reg.FR;
const IBRD: u32 = UART + Pl011Reg.IBRD;
const FBRD: u32 = UART + Pl011Reg.FBRD;
const LCRH: u32 = UART + Pl011Reg.LCRH;
const CR: u32 = UART + Pl011Reg.CR;
const FR_RXFE: u32 = Pl011Fr.RXFE;
const FR_TXFF: u32 = Pl011Fr.TXFF;
const FR_TXFE: u32 = Pl011Fr.TXFE;

function put(c: u32): void {
  while (mmio_read(FR) & FR_TXFF) {}
  mmio_write(DR, c);
}

function say(s: string): void {
  for (let i = 0; i < s.length; i++) put(<u32>s.charCodeAt(i));
  put(10);
}

function drainAndHalt(code: u32): void {
  while (!(mmio_read(FR) & FR_TXFE)) {}
  halt(code);
}

export function main(): void {
  // GPIO17 as an input: GPFSEL1 bits 23:21 = 000, other pins kept.
  mmio_write(GPFSEL1, mmio_read(GPFSEL1) & ~(<u32>GpioFsel.MASK << (7 * GpioFsel.BITS)));
  // UART0: 115200 8N1 from the 48 MHz UART clock (divisor 26.0417 = 26 + 3/64), FIFOs on.
  mmio_write(CR, 0);
  mmio_write(IBRD, 26);
  mmio_write(FBRD, 3);
  mmio_write(LCRH, Pl011Lcrh.WLEN8 | Pl011Lcrh.FEN);
  mmio_write(CR, Pl011Cr.UARTEN | Pl011Cr.TXE | Pl011Cr.RXE);
  say("ready");
  let level = mmio_read(GPLEV0) & (1 << 17);
  while (true) {
    const now = mmio_read(GPLEV0) & (1 << 17);
    if (now != level) {
      level = now;
      say(now ? "gpio17 high" : "gpio17 low");
    }
    if (!(mmio_read(FR) & FR_RXFE)) {
      const c = mmio_read(DR) & 0xff;
      if (c == 0x71) drainAndHalt(0); // 'q'
      if (c == 0x78) drainAndHalt(42); // 'x'
      put(c >= 0x61 && c <= 0x7a ? c - 32 : c);
    }
  }
}

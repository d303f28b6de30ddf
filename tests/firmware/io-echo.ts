// Test firmware for timed inputs (tests/testing-api.test.ts), written as a user would, with only
// the ABI: echoes each byte received on the UART in upper case, reports each change of the input
// level on GPIO17 as a line "gpio17 high" / "gpio17 low", halts with code 0 on 'q' and code 42 on 'x'
// (a code of the user's own: piwave's are 0-7, host/sim/abi.ts HALT_CODES).
@external("env", "mmio_read") declare function mmio_read(addr: u32): u32;
@external("env", "mmio_write") declare function mmio_write(addr: u32, value: u32): void;
@external("env", "halt") declare function halt(code: u32): void;

// @ts-ignore: BOARD comes from asc --use BOARD=n (piwave's settings).
const BASE: u32 = <u32>BOARD == 4 ? 0xfe000000 : 0x3f000000;
const GPFSEL1: u32 = BASE + 0x200004;
const GPLEV0: u32 = BASE + 0x200034;
const UART: u32 = BASE + 0x201000;
const DR: u32 = UART + 0x00;
const FR: u32 = UART + 0x18;
const IBRD: u32 = UART + 0x24;
const FBRD: u32 = UART + 0x28;
const LCRH: u32 = UART + 0x2c;
const CR: u32 = UART + 0x30;
const FR_RXFE: u32 = 1 << 4;
const FR_TXFF: u32 = 1 << 5;
const FR_TXFE: u32 = 1 << 7;

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
  mmio_write(GPFSEL1, mmio_read(GPFSEL1) & ~(<u32>7 << 21));
  // UART0: 115200 8N1 from the 48 MHz UART clock (divisor 26.0417 = 26 + 3/64), FIFOs on.
  mmio_write(CR, 0);
  mmio_write(IBRD, 26);
  mmio_write(FBRD, 3);
  mmio_write(LCRH, (3 << 5) | (1 << 4));
  mmio_write(CR, 1 | (1 << 8) | (1 << 9));
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

// Test firmware (tests/user-firmware.test.ts): a user's firmware with only the ABI, for QEMU and
// the simulator: prints one line on the PL011 UART and halts with code 0.
@external("env", "mmio_read") declare function mmio_read(addr: u32): u32;
@external("env", "mmio_write") declare function mmio_write(addr: u32, value: u32): void;
@external("env", "halt") declare function halt(code: u32): void;

// @ts-ignore: BOARD comes from asc --use BOARD=n (piwave's settings).
const UART: u32 = (<u32>BOARD == 4 ? 0xfe000000 : 0x3f000000) + 0x201000;

export function main(): void {
  mmio_write(UART + 0x30, 0); // CR: off while it is set up
  mmio_write(UART + 0x24, 26); // IBRD, FBRD: 115200 baud from 48 MHz
  mmio_write(UART + 0x28, 3);
  mmio_write(UART + 0x2c, (3 << 5) | (1 << 4)); // LCRH: 8 bits, FIFOs on
  mmio_write(UART + 0x30, 1 | (1 << 8) | (1 << 9)); // CR: UART, TX, RX on
  const s = "hello from the user's firmware\n";
  for (let i = 0; i < s.length; i++) {
    while (mmio_read(UART + 0x18) & (1 << 5)) {} // FR.TXFF
    mmio_write(UART, <u32>s.charCodeAt(i));
  }
  while (!(mmio_read(UART + 0x18) & (1 << 7))) {} // FR.TXFE: the line is out
  halt(0);
}

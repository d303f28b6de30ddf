// Test firmware (tests/user-firmware.test.ts): a user's firmware with only the ABI, for QEMU and
// the simulator: prints one line on the PL011 UART and halts with code 0.
@external("env", "mmio_read") declare function mmio_read(addr: u32): u32;
@external("env", "mmio_write") declare function mmio_write(addr: u32, value: u32): void;
@external("env", "halt") declare function halt(code: u32): void;

// The register description piwave ships (regs/): addresses and fields by name.
import { Block, PeripheralBase } from "../../regs/blocks";
import { Pl011Cr, Pl011Fr, Pl011Lcrh, Pl011Reg } from "../../regs/uart";

// @ts-ignore: BOARD comes from asc --use BOARD=n (piwave's settings).
const UART: u32 = (<u32>BOARD == 4 ? <u32>PeripheralBase.PI4 : <u32>PeripheralBase.PI3) + Block.UART0;

export function main(): void {
  mmio_write(UART + Pl011Reg.CR, 0); // off while it is set up
  mmio_write(UART + Pl011Reg.IBRD, 26); // IBRD, FBRD: 115200 baud from 48 MHz
  mmio_write(UART + Pl011Reg.FBRD, 3);
  mmio_write(UART + Pl011Reg.LCRH, Pl011Lcrh.WLEN8 | Pl011Lcrh.FEN); // 8 bits, FIFOs on
  mmio_write(UART + Pl011Reg.CR, Pl011Cr.UARTEN | Pl011Cr.TXE | Pl011Cr.RXE);
  const s = "hello from the user's firmware\n";
  for (let i = 0; i < s.length; i++) {
    while (mmio_read(UART + Pl011Reg.FR) & Pl011Fr.TXFF) {}
    mmio_write(UART + Pl011Reg.DR, <u32>s.charCodeAt(i));
  }
  while (!(mmio_read(UART + 0x18) & (1 << 7))) {} // FR.TXFE: the line is out
  halt(0);
}

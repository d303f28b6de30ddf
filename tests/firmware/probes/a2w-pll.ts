// Sandbox probe: a PLL control register (A2W_PLLD_CTRL, right after the clock manager). Expected: refused, halt 4, nothing written.
import { mmio_write } from "../../../firmware/abi";
import { PERIPHERAL_BASE } from "../../../firmware/board";
import "../../../firmware/runtime/abort";
import { Block } from "../../../regs/blocks";

export function main(): void {
  mmio_write(PERIPHERAL_BASE + Block.A2W + 0x140, 0x5a000000);
}

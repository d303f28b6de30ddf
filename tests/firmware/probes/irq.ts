// Sandbox probe: the ARM interrupt controller (IRQ basic pending). Expected: refused, halt 4.
import { mmio_read } from "../../../firmware/abi";
import { PERIPHERAL_BASE } from "../../../firmware/board";
import "../../../firmware/runtime/abort";
import { Block } from "../../../regs/blocks";

export function main(): void {
  mmio_read(PERIPHERAL_BASE + Block.IRQ);
}

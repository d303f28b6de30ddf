// Sandbox probe: DMA into a register outside the allow-list (the interrupt controller). Expected: refused, halt 4.
import { dma_start } from "../../../firmware/abi";
import { PERIPHERAL_BASE } from "../../../firmware/board";
import "../../../firmware/runtime/abort";
import { Block } from "../../../regs/blocks";

const buffer: usize = memory.data(64, 32);
const list: usize = memory.data(8, 8);

export function main(): void {
  store<u32>(list, <u32>buffer, 0);
  store<u32>(list, 64, 4);
  dma_start(5, PERIPHERAL_BASE + Block.IRQ + 0x10, <u32>list, 1, 0);
}

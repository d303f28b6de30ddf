// Sandbox probe: DMA into RAM (the kernel's first page, where the runtime lives). Expected: refused, halt 4.
import { dma_start } from "../../../firmware/abi";
import "../../../firmware/runtime/abort";

const buffer: usize = memory.data(64, 32);
const list: usize = memory.data(8, 8);

export function main(): void {
  store<u32>(list, <u32>buffer, 0);
  store<u32>(list, 64, 4);
  dma_start(5, 0x00080000, <u32>list, 1, 0);
}

// Sandbox probe: DMA channel 1, which the VideoCore keeps (not in the free mask 0x07F5). Expected: refused, halt 4.
import { dma_start } from "../../../firmware/abi";
import { PWM_BASE } from "../../../firmware/board";
import "../../../firmware/runtime/abort";

const buffer: usize = memory.data(64, 32);
const list: usize = memory.data(8, 8);

export function main(): void {
  store<u32>(list, <u32>buffer, 0);
  store<u32>(list, 64, 4);
  dma_start(1, PWM_BASE + 0x18, <u32>list, 1, 0);
}

// Sandbox probe: a DMA block that starts inside linear memory and runs past its end (it would read runtime memory). Expected: refused, halt 4.
import { dma_start } from "../../../firmware/abi";
import { PWM_BASE } from "../../../firmware/board";
import "../../../firmware/runtime/abort";

const list: usize = memory.data(8, 8);

export function main(): void {
  const size = <u32>memory.size() << 16;
  store<u32>(list, size - 64, 0);
  store<u32>(list, 128, 4);
  dma_start(5, PWM_BASE + 0x18, <u32>list, 1, 0);
}

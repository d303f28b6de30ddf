// Sandbox probe (control): a well-formed one-block transfer to the PWM FIFO is accepted, then stopped. Expected: halt 0.
import { dma_start, dma_stop, halt } from "../../../firmware/abi";
import { PWM_BASE } from "../../../firmware/board";
import "../../../firmware/runtime/abort";

const buffer: usize = memory.data(64, 32);
const list: usize = memory.data(8, 8);

export function main(): void {
  store<u32>(list, <u32>buffer, 0);
  store<u32>(list, 64, 4);
  dma_start(5, PWM_BASE + 0x18, <u32>list, 1, 0);
  dma_stop(5);
  halt(0);
}

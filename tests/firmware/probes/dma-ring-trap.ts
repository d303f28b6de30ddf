// Sandbox probe (simulator only: QEMU's DMA spins forever on a ring): start a DMA ring into the PWM
// FIFO, then trap. Expected: halt 5, and the runtime stops the ring (no loop of old sound).
import { dma_start } from "../../../firmware/abi";
import { PWM_BASE } from "../../../firmware/board";
import "../../../firmware/runtime/abort";

const buffer: usize = memory.data(128, 32);
const list: usize = memory.data(16, 8);

export function main(): void {
  store<u32>(list, <u32>buffer, 0);
  store<u32>(list, 64, 4);
  store<u32>(list, <u32>buffer + 64, 8);
  store<u32>(list, 64, 12);
  dma_start(5, PWM_BASE + 0x18, <u32>list, 2, 1);
  unreachable();
}

// Sandbox probe: the firmware points DMA channel 5 at a control block of its own (CONBLK_AD). Expected: refused, halt 4: only the runtime programs DMA.
import { mmio_write } from "../../../firmware/abi";
import { DMA_BASE } from "../../../firmware/board";
import "../../../firmware/runtime/abort";
import { DmaReg } from "../../../regs/dma";

export function main(): void {
  mmio_write(DMA_BASE + 5 * DmaReg.CHANNEL_STRIDE + DmaReg.CONBLK_AD, 0xc0000000);
}

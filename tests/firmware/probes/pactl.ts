// Sandbox probe: PACTL_CS (the BCM2711's DREQ 1 mux), read-modify-written as the DMA feed does.
// Expected: allowed on a Pi 4 (halt 0), refused on a Pi 3, which has no such register (halt 4).
import { halt, mmio_read, mmio_write } from "../../../firmware/abi";
import { PERIPHERAL_BASE } from "../../../firmware/board";
import "../../../firmware/runtime/abort";
import { Block } from "../../../regs/blocks";
import { PactlCs } from "../../../regs/pactl";

export function main(): void {
  const at = PERIPHERAL_BASE + Block.PACTL;
  mmio_write(at, mmio_read(at) | PactlCs.DREQ1_PWM1);
  halt(0);
}

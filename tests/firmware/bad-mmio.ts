// Test firmware: reads the mailbox (0x3F00B880), which is not in the runtime's allow-list.
import { mmio_read } from "../../firmware/abi";
import "../../firmware/runtime/abort";
import { Block, PeripheralBase } from "../../regs/blocks";
import { TimerReg } from "../../regs/timer";

export function main(): void {
  mmio_read(<u32>PeripheralBase.PI3 + Block.TIMER + TimerReg.CLO);
  mmio_read(<u32>PeripheralBase.PI3 + Block.MAILBOX);
}

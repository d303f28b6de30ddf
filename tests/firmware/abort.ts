// Test firmware: throws, which AssemblyScript turns into abort(message, file, line, column).
import { mmio_read } from "../../firmware/abi";
import "../../firmware/runtime/abort";
import { Block, PeripheralBase } from "../../regs/blocks";
import { TimerReg } from "../../regs/timer";
import * as uart from "../../firmware/drivers/uart";

export function main(): void {
  uart.init();
  if (mmio_read(<u32>PeripheralBase.PI3 + Block.TIMER + TimerReg.CLO) != 0xffffffff) throw new Error("deliberate failure for the test");
}

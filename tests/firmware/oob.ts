// Test firmware: reads far outside linear memory. Expected: a wasm trap, reported by the runtime.
import { mmio_read } from "../../firmware/abi";
import "../../firmware/runtime/abort";
import { Block, PeripheralBase } from "../../regs/blocks";
import { TimerReg } from "../../regs/timer";

export function main(): void {
  // Touch the timer first so the run is known to have started.
  mmio_read(<u32>PeripheralBase.PI3 + Block.TIMER + TimerReg.CLO);
  const v = load<u32>(0xfffffff0);
  mmio_read(v);
}

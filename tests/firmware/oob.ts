// Test firmware: reads far outside linear memory. Expected: a wasm trap, reported by the runtime.
import { mmio_read } from "../../firmware/abi";
import "../../firmware/runtime/abort";

export function main(): void {
  // Touch the timer first so the run is known to have started.
  mmio_read(<u32>0x3f003004);
  const v = load<u32>(0xfffffff0);
  mmio_read(v);
}

// Sandbox probe: a load of the first byte past linear memory (3 pages).
// Expected: a wasm trap (out of bounds), halt 5. In kernel8.img no compare
// guards the load: the MMU's unmapped range after linear memory faults and
// the runtime turns the fault into the trap (boot/mmu.c, boot/exceptions.c).
import { halt } from "../../../firmware/abi";
import "../../../firmware/runtime/abort";

export function main(): void {
  const end: usize = <usize>memory.size() << 16;
  halt(load<u8>(end));
}

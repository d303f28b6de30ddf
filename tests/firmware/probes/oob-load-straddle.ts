// Sandbox probe: an 8-byte load whose first half is the last 4 bytes of
// linear memory and whose second half is past it. Expected: a wasm trap
// (out of bounds), halt 5; in kernel8.img the access faults on the page
// after linear memory (boot/mmu.c).
import { halt } from "../../../firmware/abi";
import "../../../firmware/runtime/abort";

export function main(): void {
  const end: usize = <usize>memory.size() << 16;
  halt(<u32>load<u64>(end - 4));
}

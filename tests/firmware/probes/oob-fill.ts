// Sandbox probe: memory.fill over the end of linear memory (bulk memory
// keeps an explicit range check in kernel8.img). Expected: a wasm trap (out
// of bounds), halt 5.
import { halt } from "../../../firmware/abi";
import "../../../firmware/runtime/abort";

export function main(): void {
  const end: usize = <usize>memory.size() << 16;
  memory.fill(end - 16, 0xaa, 32);
  halt(0);
}

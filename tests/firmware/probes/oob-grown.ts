// Sandbox probe: linear memory grown to the sandbox's maximum (256 pages,
// 16 MiB): its last word is usable, the next byte is not. Expected: a wasm
// trap (out of bounds), halt 5, after the store to the last word succeeded
// (in kernel8.img the grown pages were mapped by memory.grow; past them the
// guard range begins).
import { halt } from "../../../firmware/abi";
import "../../../firmware/runtime/abort";

export function main(): void {
  if (memory.grow(256 - memory.size()) < 0) halt(1);
  const end: usize = <usize>memory.size() << 16;
  store<u32>(end - 4, 0x600dcafe);
  if (load<u32>(end - 4) != 0x600dcafe) halt(1);
  halt(load<u8>(end));
}

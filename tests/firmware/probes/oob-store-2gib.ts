// Sandbox probe: a store at linear address 0x80000000 (2 GiB, far past the
// 3 pages there are, in the middle of kernel8.img's guard range). Expected:
// a wasm trap (out of bounds), halt 5.
import { halt } from "../../../firmware/abi";
import "../../../firmware/runtime/abort";

export function main(): void {
  store<u32>(0x80000000, 0xdeadbeef);
  halt(0);
}

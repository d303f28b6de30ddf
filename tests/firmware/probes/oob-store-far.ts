// Sandbox probe: a store far past linear memory: address 0xffffffff plus
// offset 0x7fffffff (the largest offset AssemblyScript emits), 8 bytes,
// 6 GiB past the start of linear memory. Expected: a wasm trap (out of
// bounds), halt 5; in kernel8.img the 16 GiB after the start of linear
// memory hold nothing but linear memory itself (boot/mmu.c: wasm's farthest
// access, 0xffffffff + 0xffffffff + 8, is inside them), so this faults.
import { halt, mmio_read } from "../../../firmware/abi";
import { SYSTEM_TIMER_BASE } from "../../../firmware/board";
import "../../../firmware/runtime/abort";

export function main(): void {
  // 0xffffffff, from a value the optimiser cannot know (the timer's low word is below 2^31 this early).
  const p = <usize>((mmio_read(SYSTEM_TIMER_BASE + 4) >>> 31) - 1);
  store<u64>(p, 0x0123456789abcdef, 0x7fffffff);
  halt(0);
}

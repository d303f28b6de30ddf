// Sandbox probe: unbounded recursion. Expected: a wasm trap (call stack exhausted), halt 5.
import { mmio_read } from "../../../firmware/abi";
import { SYSTEM_TIMER_BASE } from "../../../firmware/board";
import "../../../firmware/runtime/abort";

function deeper(n: u32): u32 {
  if (n == 0xffffffff) return 0; // never: keeps the optimiser from folding the recursion away
  return deeper(n + 1) + 1;
}

export function main(): void {
  mmio_read(SYSTEM_TIMER_BASE + 4 + deeper(mmio_read(SYSTEM_TIMER_BASE + 4) & 1));
}

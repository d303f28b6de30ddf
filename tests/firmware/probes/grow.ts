// Sandbox probe: memory.grow to the sandbox's maximum and beyond (regs/memory.ts: 256 pages).
// Expected: growing to 256 succeeds, every growth past it returns -1 (also the deltas that
// wrap a 32-bit page count), the last byte of memory is usable; one report line, halt 0.
import { halt } from "../../../firmware/abi";
import "../../../firmware/runtime/abort";
import * as uart from "../../../firmware/drivers/uart";
import * as log from "../../../firmware/lib/log";

function report(what: string, v: i32, first: bool = false): void {
  if (!first) log.str(" ");
  log.str(what);
  log.str("=");
  if (v < 0) {
    log.str("-");
    log.dec(<u64>(-v));
  } else log.dec(<u64>v);
}

export function main(): void {
  uart.init();
  const start = memory.size();
  log.begin("I", "probe");
  report("size", start, true);
  report("to_max", memory.grow(256 - start));
  report("plus_1", memory.grow(1));
  report("plus_65536", memory.grow(65536));
  report("plus_4g_minus_1", memory.grow(-1));
  report("wrap_to_0", memory.grow(-256));
  report("size_after", memory.size());
  const last: usize = (<usize>memory.size() << 16) - 4;
  store<u32>(last, 0x600dcafe);
  report("last_word_ok", load<u32>(last) == 0x600dcafe ? 1 : 0);
  log.end();
  log.drain();
  halt(0);
}

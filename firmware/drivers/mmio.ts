/**
 * Register access helpers. Every hardware access of the firmware goes
 * through these two functions and so through the ABI's `mmio_read` /
 * `mmio_write` (see ../abi.ts): the host decides what an address means.
 */
import { mmio_read, mmio_write } from "../abi";

@inline export function read32(addr: u32): u32 {
  return mmio_read(addr);
}

@inline export function write32(addr: u32, value: u32): void {
  mmio_write(addr, value);
}

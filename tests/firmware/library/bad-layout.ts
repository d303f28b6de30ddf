// A typed memory layout whose size check fails at compile time (tests/firmware-library.test.ts).
import { halt } from "piwave/firmware";

@unmanaged
class Header {
  magic: u32;
  length: u64; // aligned to 8: the class is 16 bytes, not 12
}
// @ts-ignore: ERROR is an AssemblyScript builtin
if (offsetof<Header>() != 12) ERROR("Header must be 12 bytes");

export function main(): void {
  const h = changetype<Header>(memory.data(16, 8));
  halt(<u32>h.magic);
}

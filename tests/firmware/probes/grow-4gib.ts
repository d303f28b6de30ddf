// Sandbox probe: a module that declares 4 GiB of memory (built with --maximumMemory 65536) and
// grows towards it. Expected: refused when it is loaded, before main runs, halt 4.
import { halt } from "../../../firmware/abi";
import "../../../firmware/runtime/abort";

export function main(): void {
  memory.grow(65536 - memory.size());
  memory.fill(0, 0, 0xffffffff);
  halt(0);
}

// Sandbox probe: cache_clean past the end of linear memory. Expected: refused, halt 4.
import { cache_clean } from "../../../firmware/abi";
import "../../../firmware/runtime/abort";

export function main(): void {
  cache_clean((<u32>memory.size() << 16) - 16, 4096);
}

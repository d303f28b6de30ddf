// Test firmware: reads the mailbox (0x3F00B880), which is not in the runtime's allow-list.
import { mmio_read } from "../../firmware/abi";
import "../../firmware/runtime/abort";

export function main(): void {
  mmio_read(<u32>0x3f003004);
  mmio_read(<u32>0x3f00b880);
}

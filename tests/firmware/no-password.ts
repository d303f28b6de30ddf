// Test firmware: writes CM_PWMDIV without the 0x5A password, then halts. QEMU must log it.
import { halt, mmio_write } from "../../firmware/abi";
import "../../firmware/runtime/abort";

export function main(): void {
  mmio_write(<u32>0x3f1010a4, 0x00006000);
  halt(0);
}

// Test firmware: writes CM_PWMDIV without the 0x5A password, then halts. QEMU must log it.
import { halt, mmio_write } from "../../firmware/abi";
import "../../firmware/runtime/abort";
import { Block, PeripheralBase } from "../../regs/blocks";
import { CmReg } from "../../regs/cm";

export function main(): void {
  mmio_write(<u32>PeripheralBase.PI3 + Block.CM + CmReg.PWMDIV, 0x00006000); // DIVI 6, no password
  halt(0);
}

// Sandbox probe: another clock generator's register (CM_GP0CTL). Expected: refused, halt 4.
import { mmio_read } from "../../../firmware/abi";
import { CM_BASE, SYSTEM_TIMER_BASE } from "../../../firmware/board";
import "../../../firmware/runtime/abort";
import { CmReg } from "../../../regs/cm";

export function main(): void {
  mmio_read(SYSTEM_TIMER_BASE + 4); // allowed: the run has started
  mmio_read(CM_BASE + CmReg.GP0CTL);
}

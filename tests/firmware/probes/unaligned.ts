// Sandbox probe: an unaligned register address. Expected: refused, halt 4.
import { mmio_read } from "../../../firmware/abi";
import { PWM_BASE } from "../../../firmware/board";
import "../../../firmware/runtime/abort";

export function main(): void {
  mmio_read(PWM_BASE + 6);
}

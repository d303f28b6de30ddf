// Sandbox probe: a write to the system timer's counter, which the firmware may only read. Expected: refused, halt 4.
import { mmio_read, mmio_write } from "../../../firmware/abi";
import { SYSTEM_TIMER_BASE } from "../../../firmware/board";
import "../../../firmware/runtime/abort";

export function main(): void {
  mmio_write(SYSTEM_TIMER_BASE + 4, mmio_read(SYSTEM_TIMER_BASE + 4));
}

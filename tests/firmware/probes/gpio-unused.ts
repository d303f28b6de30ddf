// Sandbox probe: a GPIO register piwave does not use (GPEDS0, event detect). Expected: refused, halt 4.
import { mmio_write } from "../../../firmware/abi";
import { GPIO_BASE } from "../../../firmware/board";
import "../../../firmware/runtime/abort";
import { GpioReg } from "../../../regs/gpio";

export function main(): void {
  mmio_write(GPIO_BASE + GpioReg.GPEDS0, 0xffffffff);
}

/** GPIO as a register table, per board: the pull registers differ (regs/gpio.ts has the rules and sources). */
import { GpioFsel, GpioPins, GpioPupPdn, GpioReg } from "../gpio.js";
import type { BlockDesc, BoardId, RegisterDesc } from "./describe.js";

/** GPFSEL's value names by function number (regs/gpio.ts GpioFsel). */
export const GPIO_FUNCTIONS: readonly string[] = ["IN", "OUT", "ALT5", "ALT4", "ALT0", "ALT1", "ALT2", "ALT3"];
/** BCM2711 GPIO_PUP_PDN_CNTRL's value names (regs/gpio.ts GpioPupPdn; 3 is reserved). */
export const GPIO_PULLS_2711: readonly string[] = ["NONE", "UP", "DOWN", "NONE"];
/** BCM2837 GPPUD's value names (regs/gpio.ts GpioPud: 1 is down, 2 up, the other way round from the BCM2711; 3 is reserved). */
export const GPIO_PULLS_2837: readonly string[] = ["NONE", "DOWN", "UP", "NONE"];

const fsel = (n: number): RegisterDesc => ({
  name: `GPFSEL${n}`,
  offset: GpioReg.GPFSEL0 + 4 * n,
  access: "rw",
  reset: 0,
  fields: Array.from({ length: GpioFsel.PINS_PER_REG }, (_, i) => ({ name: `GPIO${n * GpioFsel.PINS_PER_REG + i}`, lsb: i * GpioFsel.BITS, width: GpioFsel.BITS, values: GPIO_FUNCTIONS })),
});

const COMMON: RegisterDesc[] = [
  ...[0, 1, 2, 3, 4, 5].map(fsel),
  { name: "GPSET0", offset: GpioReg.GPSET0, access: "wo", reset: 0 },
  { name: "GPSET1", offset: GpioReg.GPSET1, access: "wo", reset: 0 },
  { name: "GPCLR0", offset: GpioReg.GPCLR0, access: "wo", reset: 0 },
  { name: "GPCLR1", offset: GpioReg.GPCLR1, access: "wo", reset: 0 },
  { name: "GPLEV0", offset: GpioReg.GPLEV0, access: "ro", reset: 0 },
  { name: "GPLEV1", offset: GpioReg.GPLEV1, access: "ro", reset: 0 },
];

/** GPIO_PUP_PDN_CNTRL_REG0..3 reset values: GPIO0–8 up (01), the others down (10); 0 for the pins past GPIO57 that do not exist. */
function pullReset(n: number): number {
  let v = 0;
  for (let i = 0; i < GpioPupPdn.PINS_PER_REG; i++) {
    const pin = n * GpioPupPdn.PINS_PER_REG + i;
    if (pin < GpioPins.COUNT) v |= (pin <= GpioPins.LAST_PULL_UP ? GpioPupPdn.UP : GpioPupPdn.DOWN) << (GpioPupPdn.BITS * i);
  }
  return v >>> 0;
}

export function gpioBlock(board: BoardId): BlockDesc {
  const pulls: RegisterDesc[] =
    board === "pi4"
      ? [0, 1, 2, 3].map((n) => ({ name: `GPIO_PUP_PDN_CNTRL_REG${n}`, offset: GpioReg.PUP_PDN_CNTRL_REG0 + 4 * n, access: "rw", reset: pullReset(n) }))
      : [
          { name: "GPPUD", offset: GpioReg.GPPUD, access: "rw", reset: 0, fields: [{ name: "PUD", lsb: 0, width: 2, values: GPIO_PULLS_2837 }] },
          { name: "GPPUDCLK0", offset: GpioReg.GPPUDCLK0, access: "rw", reset: 0 },
          { name: "GPPUDCLK1", offset: GpioReg.GPPUDCLK1, access: "rw", reset: 0 },
        ];
  return { name: "GPIO", bytes: GpioReg.BLOCK_BYTES, registers: [...COMMON, ...pulls] };
}

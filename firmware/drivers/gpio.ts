/**
 * GPIO: pin function select and pull control.
 *
 * GPFSELn (n = pin / 10) holds 3 bits per pin. Every change is a
 * read-modify-write: other pins' functions must survive (on the Pi 4 the USB
 * host controller depends on the non-zero reset value of GPFSEL4, reference
 * docs/hardware.md#gpio).
 *
 * Pulls differ between the SoCs (docs/hardware.md#gpio):
 *   - BCM2711 (Pi 4): GPIO_PUP_PDN_CNTRL_REG0..3 at 0xE4.., 2 bits per pin,
 *     00 = none. Plain read-modify-write.
 *   - BCM2837 (Pi 3): GPPUD (0x94) + GPPUDCLK0/1 (0x98/0x9C): write the mode,
 *     wait 150 cycles, clock it into the pins, wait, then clear both.
 */
import { GPIO_BASE, IS_PI4 } from "../board";
import { GpioFsel, GpioPins, GpioPud, GpioPupPdn, GpioReg } from "../../regs/gpio";
import { read32, write32 } from "./mmio";
import { delayUs } from "./timer";

export const FSEL_INPUT: u32 = GpioFsel.INPUT;
export const FSEL_OUTPUT: u32 = GpioFsel.OUTPUT;
export const FSEL_ALT0: u32 = GpioFsel.ALT0;
export const FSEL_ALT5: u32 = GpioFsel.ALT5;

const GPFSEL0: u32 = GPIO_BASE + GpioReg.GPFSEL0;
const GPPUD: u32 = GPIO_BASE + GpioReg.GPPUD;
const GPPUDCLK0: u32 = GPIO_BASE + GpioReg.GPPUDCLK0;
const GPIO_PUP_PDN_CNTRL_REG0: u32 = GPIO_BASE + GpioReg.PUP_PDN_CNTRL_REG0;

/** Select function `fsel` (FSEL_*) for `pin`, leaving every other pin as it was. */
export function setFunction(pin: u32, fsel: u32): void {
  const reg = GPFSEL0 + (pin / GpioFsel.PINS_PER_REG) * 4;
  const shift = (pin % GpioFsel.PINS_PER_REG) * GpioFsel.BITS;
  const old = read32(reg);
  write32(reg, (old & ~(<u32>GpioFsel.MASK << shift)) | ((fsel & GpioFsel.MASK) << shift));
}

/** Disable the pull-up/down of `pin` (the Linux DT uses bias-disable for the jack pins, docs/hardware.md#gpio). */
export function setPullNone(pin: u32): void {
  if (IS_PI4) {
    const reg = GPIO_PUP_PDN_CNTRL_REG0 + (pin / GpioPupPdn.PINS_PER_REG) * 4;
    const shift = (pin % GpioPupPdn.PINS_PER_REG) * GpioPupPdn.BITS;
    write32(reg, (read32(reg) & ~(<u32>GpioPupPdn.MASK << shift)) | (<u32>GpioPupPdn.NONE << shift));
  } else {
    const clk = GPPUDCLK0 + (pin / GpioPins.PER_BANK) * 4;
    write32(GPPUD, GpioPud.OFF);
    delayUs(2); // >= 150 core cycles for the control signal to settle
    write32(clk, <u32>1 << (pin % GpioPins.PER_BANK));
    delayUs(2); // >= 150 cycles of hold time
    write32(GPPUD, GpioPud.OFF);
    write32(clk, 0);
  }
}

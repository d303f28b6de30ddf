/**
 * `Pin`: one GPIO pin, the way Circle's CGPIOPin is: made with its number
 * and mode, then read or written.
 *
 * What the hardware does (BCM2835 ARM peripherals 6.1, BCM2711 ARM
 * peripherals 5.2; docs/hardware.md#gpio): GPFSELn (n = pin / 10) holds a
 * 3-bit function per pin (000 input, 001 output, 100 ALT0 … 010 ALT5), so
 * every change is a read-modify-write that keeps the other pins (drivers/
 * gpio.ts). GPSETn/GPCLRn drive an output high/low (write 1 bits; 0 bits do
 * nothing, so no read-modify-write), GPLEVn read the level of every pin.
 * Pulls: BCM2711 has GPIO_PUP_PDN_CNTRL_REG0..3 (2 bits a pin: 00 none,
 * 01 up, 10 down); BCM2837 a clocked sequence through GPPUD (00 off, 01
 * down, 10 up) and GPPUDCLK0/1.
 *
 * The sandbox lets the firmware reach GPFSEL0–5, GPSET/GPCLR/GPLEV0–1 and
 * the pull registers (regs/allow-list.ts); the jack (GPIO40/41) and the
 * UART (GPIO14/15) pins belong to the audio output and the log.
 */
import { GPIO_BASE, IS_PI4 } from "../board";
import * as gpio from "../drivers/gpio";
import { refuse } from "../runtime/abort";
import { read32, write32 } from "../drivers/mmio";
import { delayUs } from "../drivers/timer";
import { GpioReg } from "../../regs/gpio";

/** Pin functions (GPFSEL's 3-bit codes). */
export enum PinMode {
  Input = 0b000,
  Output = 0b001,
  Alt0 = 0b100,
  Alt1 = 0b101,
  Alt2 = 0b110,
  Alt3 = 0b111,
  Alt4 = 0b011,
  Alt5 = 0b010,
}

/** Pull resistors. */
export enum Pull {
  None = 0,
  Up = 1,
  Down = 2,
}

export class Pin {
  /** GPSET/GPCLR/GPLEV register of this pin's bank, and its bit there. */
  private readonly bank: u32;
  private readonly bit: u32;

  /** Pin `pin` (0–57) set to `mode`, with `pull` (Pull.None by default: the pull is then left as it is). */
  constructor(readonly pin: u32, mode: PinMode, pull: Pull = Pull.None) {
    // A real check (asserts are compiled out, --noAssert): `F abort: new Pin(60): GPIO pin out of range (0-57) at …`, halt 3.
    if (pin > 57) {
      refuse("new Pin", pin);
      throw new Error("GPIO pin out of range (0-57)");
    }
    this.bank = (pin >> 5) * 4;
    this.bit = <u32>1 << (pin & 31);
    this.setMode(mode);
    if (pull != Pull.None) this.setPull(pull);
  }

  /** Select the pin's function; other pins keep theirs. */
  setMode(mode: PinMode): void {
    gpio.setFunction(this.pin, <u32>mode);
  }

  /** Set the pull resistor (Pull.None disables it). */
  setPull(pull: Pull): void {
    if (pull == Pull.None) {
      gpio.setPullNone(this.pin);
      return;
    }
    if (IS_PI4) {
      const reg = GPIO_BASE + GpioReg.PUP_PDN_CNTRL_REG0 + (this.pin / 16) * 4;
      const shift = (this.pin % 16) * 2;
      const code: u32 = pull == Pull.Up ? 0b01 : 0b10;
      write32(reg, (read32(reg) & ~(<u32>0b11 << shift)) | (code << shift));
    } else {
      const clk = GPIO_BASE + GpioReg.GPPUDCLK0 + this.bank;
      write32(GPIO_BASE + GpioReg.GPPUD, pull == Pull.Up ? 2 : 1);
      delayUs(2); // >= 150 core cycles for the control signal to settle
      write32(clk, this.bit);
      delayUs(2); // >= 150 cycles of hold time
      write32(GPIO_BASE + GpioReg.GPPUD, 0);
      write32(clk, 0);
    }
  }

  /** Drive an output pin high (true) or low (false). */
  write(high: bool): void {
    write32(GPIO_BASE + (high ? GpioReg.GPSET0 : GpioReg.GPCLR0) + this.bank, this.bit);
  }

  /** The pin's level (an input's outside level, an output's driven one). */
  read(): bool {
    return (read32(GPIO_BASE + GpioReg.GPLEV0 + this.bank) & this.bit) != 0;
  }
}

/**
 * GPIO model (answers firmware/drivers/gpio.ts).
 *
 * Function select GPFSEL0..5 (3 bits per pin), GPSET/GPCLR/GPLEV, and the
 * board's pull control: GPIO_PUP_PDN_CNTRL_REG0..3 on BCM2711, the
 * GPPUD + GPPUDCLK0/1 sequence on BCM2837 (docs/hardware.md#gpio). The Pi 3
 * sequence is checked: a pull is latched only when GPPUDCLK is asserted at
 * least 150 core cycles (at 250 MHz) after GPPUD was written.
 *
 * External inputs: `drive()` schedules the level an outside circuit puts on
 * a pin from a virtual time on (the testing API's timed GPIO input). GPLEV
 * reads that level for a pin driven from outside that is not an output; an
 * output pin reads what GPSET/GPCLR latched, as the pad does (BCM2711
 * datasheet, GPLEVn: "the actual value of the pin"). Changes are applied
 * when the firmware next reads GPLEV, the only way it can see them.
 */
import type { Board } from "../boards.js";
import { GpioFsel, GpioPins, GpioPud, GpioPupPdn, GpioReg } from "../../regs/gpio.js";
import { GPIO_FUNCTIONS, GPIO_PULLS_2711, GPIO_PULLS_2837, gpioBlock } from "../../regs/tables/gpio.js";
import { Device, type Decoder, type DeviceContext } from "./device.js";
import { PS_PER_NS } from "./time.js";

export const PINS: number = GpioPins.COUNT;
export type Pull = "none" | "up" | "down";
const FSEL_NAMES = GPIO_FUNCTIONS;
/** A pull by its BCM2711 GPIO_PUP_PDN_CNTRL value (regs/gpio.ts GpioPupPdn: 0 none, 1 up, 2 down). */
const PULL_NAMES: Pull[] = GPIO_PULLS_2711.map((n) => n.toLowerCase() as Pull);
/** A pull by its BCM2837 GPPUD value (regs/gpio.ts GpioPud: 0 off, 1 down, 2 up). */
const PUD_NAMES: Pull[] = GPIO_PULLS_2837.map((n) => n.toLowerCase() as Pull);
/** 150 cycles of the 250 MHz core clock (BCM2835 datasheet GPPUD sequence). */
const GPPUD_SETUP_PS = (GpioPins.PUD_SETUP_CYCLES * 4) * PS_PER_NS;
const FSEL_LAST = GpioReg.GPFSEL5;
const PULL_FIRST = GpioReg.PUP_PDN_CNTRL_REG0;
const PULL_LAST = GpioReg.PUP_PDN_CNTRL_REG3;

export interface GpioOptions {
  /** Reset values of GPFSEL0..5 (e.g. a non-zero GPFSEL4, as on a real Pi 4). */
  fsel?: number[];
}

function fselDecode(first: number) {
  return (v: number): string => {
    const parts: string[] = [];
    for (let i = 0; i < GpioFsel.PINS_PER_REG && first + i < PINS; i++) {
      const f = (v >>> (i * GpioFsel.BITS)) & GpioFsel.MASK;
      if (f !== 0) parts.push(`GPIO${first + i}=${FSEL_NAMES[f]}`);
    }
    return parts.join(" ");
  };
}

function pudDecode(first: number) {
  return (v: number): string => {
    const parts: string[] = [];
    for (let i = 0; i < GpioPupPdn.PINS_PER_REG && first + i < PINS; i++) {
      const p = (v >>> (i * GpioPupPdn.BITS)) & GpioPupPdn.MASK;
      if (p !== 0) parts.push(`GPIO${first + i}=${GPIO_PULLS_2711[p]}`);
    }
    return parts.length ? parts.join(" ") : "all NONE";
  };
}

function bitsDecode(first: number) {
  return (v: number): string => {
    const pins: number[] = [];
    for (let i = 0; i < GpioPins.PER_BANK; i++) if (v & (1 << i)) pins.push(first + i);
    return pins.length ? "GPIO" + pins.join(",") : "";
  };
}

export class Gpio extends Device {
  readonly fsel = new Uint32Array(6);
  readonly pulls: Pull[] = [];
  readonly levels = new Uint8Array(PINS);
  private gppud = 0;
  private gppudWrittenAt = -Infinity;
  /** The level an outside circuit drives on each pin (-1: not driven). */
  readonly external = new Int8Array(PINS).fill(-1);
  /** Scheduled external levels, in time order; `inputNext` is the first not yet applied. */
  private inputs: { atPs: number; pin: number; level: -1 | 0 | 1 }[] = [];
  private inputNext = 0;

  private readonly pi4: boolean;

  constructor(board: Board, ctx: DeviceContext, opts: GpioOptions = {}) {
    const decoders: Record<string, Decoder> = {};
    for (let n = 0; n < 6; n++) decoders[`GPFSEL${n}`] = fselDecode(n * GpioFsel.PINS_PER_REG);
    for (const [bank, first] of [[0, 0], [1, GpioPins.PER_BANK]] as const) {
      decoders[`GPSET${bank}`] = bitsDecode(first);
      decoders[`GPCLR${bank}`] = bitsDecode(first);
    }
    if (board.name === "pi4") {
      for (let n = 0; n < 4; n++) decoders[`GPIO_PUP_PDN_CNTRL_REG${n}`] = pudDecode(n * GpioPupPdn.PINS_PER_REG);
    } else {
      decoders["GPPUD"] = (v) => `PUD=${GPIO_PULLS_2837[v & GpioPud.MASK]}`;
      decoders["GPPUDCLK0"] = bitsDecode(0);
      decoders["GPPUDCLK1"] = bitsDecode(GpioPins.PER_BANK);
    }
    super(gpioBlock(board.name), ctx, decoders);
    this.pi4 = board.name === "pi4";
    // Reset pulls (BCM2835/2711 datasheets): GPIO0-8 pull up, the rest pull down.
    for (let p = 0; p < PINS; p++) this.pulls.push(p <= GpioPins.LAST_PULL_UP ? "up" : "down");
    opts.fsel?.forEach((v, i) => (this.fsel[i] = v >>> 0));
  }

  /**
   * From virtual time `atPs` on, an outside circuit drives `pin` to `level`
   * (null: releases it). Calls must come in time order.
   */
  drive(atPs: number, pin: number, level: 0 | 1 | null): void {
    if (!Number.isInteger(pin) || pin < 0 || pin >= PINS) throw new RangeError(`GPIO${pin} does not exist (GPIO0..${PINS - 1})`);
    this.inputs.push({ atPs, pin, level: level === null ? -1 : level });
  }

  private applyInputs(now: number): void {
    while (this.inputNext < this.inputs.length && this.inputs[this.inputNext]!.atPs <= now) {
      const e = this.inputs[this.inputNext++]!;
      this.external[e.pin] = e.level;
    }
  }

  /** Level GPLEV reports for `pin`: the outside level for a driven non-output, else the output latch. */
  private levelOf(pin: number): number {
    const ext = this.external[pin]!;
    return ext >= 0 && this.functionOf(pin) !== "OUT" ? ext : this.levels[pin]!;
  }

  /** Function of `pin` as a name: IN, OUT, ALT0..ALT5. */
  functionOf(pin: number): string {
    return FSEL_NAMES[(this.fsel[Math.floor(pin / GpioFsel.PINS_PER_REG)]! >>> ((pin % GpioFsel.PINS_PER_REG) * GpioFsel.BITS)) & GpioFsel.MASK]!;
  }

  read(offset: number): number {
    if (offset <= FSEL_LAST && offset % 4 === 0) return this.fsel[offset / 4]!;
    if (offset === GpioReg.GPLEV0 || offset === GpioReg.GPLEV1) {
      let v = 0;
      const first = offset === GpioReg.GPLEV0 ? 0 : GpioPins.PER_BANK;
      this.applyInputs(this.ctx.clock.now);
      for (let i = 0; i < GpioPins.PER_BANK && first + i < PINS; i++) if (this.levelOf(first + i)) v |= 1 << i;
      return v >>> 0;
    }
    if (this.pi4 && offset >= PULL_FIRST && offset <= PULL_LAST) {
      const first = ((offset - PULL_FIRST) / 4) * GpioPupPdn.PINS_PER_REG;
      let v = 0;
      for (let i = 0; i < GpioPupPdn.PINS_PER_REG && first + i < PINS; i++) v |= PULL_NAMES.indexOf(this.pulls[first + i]!) << (i * GpioPupPdn.BITS);
      return v >>> 0;
    }
    if (!this.pi4 && offset === GpioReg.GPPUD) return this.gppud;
    if (!this.pi4 && (offset === GpioReg.GPPUDCLK0 || offset === GpioReg.GPPUDCLK1)) return 0;
    if (this.registers.get(offset)?.desc?.access === "wo") return 0; // GPSET, GPCLR
    return this.unmodelled(offset, false);
  }

  write(offset: number, value: number): void {
    if (offset <= FSEL_LAST && offset % 4 === 0) {
      this.fsel[offset / 4] = value & GpioFsel.VALUE_MASK;
      return;
    }
    if (offset === GpioReg.GPSET0 || offset === GpioReg.GPSET1 || offset === GpioReg.GPCLR0 || offset === GpioReg.GPCLR1) {
      const first = offset === GpioReg.GPSET0 || offset === GpioReg.GPCLR0 ? 0 : GpioPins.PER_BANK;
      const set = offset <= GpioReg.GPSET1 ? 1 : 0;
      for (let i = 0; i < GpioPins.PER_BANK && first + i < PINS; i++) if (value & (1 << i)) this.levels[first + i] = set;
      return;
    }
    if (this.pi4 && offset >= PULL_FIRST && offset <= PULL_LAST) {
      const first = ((offset - PULL_FIRST) / 4) * GpioPupPdn.PINS_PER_REG;
      for (let i = 0; i < GpioPupPdn.PINS_PER_REG && first + i < PINS; i++) this.pulls[first + i] = PULL_NAMES[(value >>> (i * GpioPupPdn.BITS)) & GpioPupPdn.MASK]!;
      return;
    }
    if (!this.pi4 && offset === GpioReg.GPPUD) {
      this.gppud = value & GpioPud.MASK;
      this.gppudWrittenAt = this.ctx.clock.now;
      return;
    }
    if (!this.pi4 && (offset === GpioReg.GPPUDCLK0 || offset === GpioReg.GPPUDCLK1)) {
      if (value === 0) return;
      const since = this.ctx.clock.now - this.gppudWrittenAt;
      if (since < GPPUD_SETUP_PS) {
        this.violation(
          `GPPUDCLK${offset === GpioReg.GPPUDCLK0 ? 0 : 1} asserted ${(since / 1000).toFixed(0)} ns after GPPUD; ` +
            `the control signal needs 150 core cycles (600 ns) to settle: pull not changed`,
        );
        return;
      }
      const first = offset === GpioReg.GPPUDCLK0 ? 0 : GpioPins.PER_BANK;
      for (let i = 0; i < GpioPins.PER_BANK && first + i < PINS; i++) if (value & (1 << i)) this.pulls[first + i] = PUD_NAMES[this.gppud]!;
      return;
    }
    if (this.refusedReadOnly(offset)) return; // GPLEV0/1
    this.unmodelled(offset, true);
  }
}

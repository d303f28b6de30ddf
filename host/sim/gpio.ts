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
import { Device, type DeviceContext, type RegisterDef } from "./device.js";
import { PS_PER_NS } from "./time.js";

export const PINS = 58;
export type Pull = "none" | "up" | "down";
const FSEL_NAMES = ["IN", "OUT", "ALT5", "ALT4", "ALT0", "ALT1", "ALT2", "ALT3"];
const PULL_NAMES: Pull[] = ["none", "up", "down", "none"];
/** 150 cycles of the 250 MHz core clock (BCM2835 datasheet GPPUD sequence). */
const GPPUD_SETUP_PS = 600 * PS_PER_NS;

export interface GpioOptions {
  /** Reset values of GPFSEL0..5 (e.g. a non-zero GPFSEL4, as on a real Pi 4). */
  fsel?: number[];
}

function fselDecode(first: number) {
  return (v: number): string => {
    const parts: string[] = [];
    for (let i = 0; i < 10 && first + i < PINS; i++) {
      const f = (v >>> (i * 3)) & 7;
      if (f !== 0) parts.push(`GPIO${first + i}=${FSEL_NAMES[f]}`);
    }
    return parts.join(" ");
  };
}

function pudDecode(first: number) {
  return (v: number): string => {
    const parts: string[] = [];
    for (let i = 0; i < 16 && first + i < PINS; i++) {
      const p = (v >>> (i * 2)) & 3;
      if (p !== 0) parts.push(`GPIO${first + i}=${PULL_NAMES[p]!.toUpperCase()}`);
    }
    return parts.length ? parts.join(" ") : "all NONE";
  };
}

function bitsDecode(first: number) {
  return (v: number): string => {
    const pins: number[] = [];
    for (let i = 0; i < 32; i++) if (v & (1 << i)) pins.push(first + i);
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
    const regs: RegisterDef[] = [];
    for (let n = 0; n < 6; n++) regs.push({ offset: n * 4, name: `GPFSEL${n}`, decode: fselDecode(n * 10) });
    regs.push({ offset: 0x1c, name: "GPSET0", decode: bitsDecode(0) }, { offset: 0x20, name: "GPSET1", decode: bitsDecode(32) });
    regs.push({ offset: 0x28, name: "GPCLR0", decode: bitsDecode(0) }, { offset: 0x2c, name: "GPCLR1", decode: bitsDecode(32) });
    regs.push({ offset: 0x34, name: "GPLEV0" }, { offset: 0x38, name: "GPLEV1" });
    if (board.name === "pi4") {
      for (let n = 0; n < 4; n++)
        regs.push({ offset: 0xe4 + n * 4, name: `GPIO_PUP_PDN_CNTRL_REG${n}`, decode: pudDecode(n * 16) });
    } else {
      regs.push({ offset: 0x94, name: "GPPUD", decode: (v) => `PUD=${PULL_NAMES[v & 3]!.toUpperCase()}` });
      regs.push({ offset: 0x98, name: "GPPUDCLK0", decode: bitsDecode(0) }, { offset: 0x9c, name: "GPPUDCLK1", decode: bitsDecode(32) });
    }
    super("GPIO", board.peripheralBase + 0x200000, 0x100, regs, ctx);
    this.pi4 = board.name === "pi4";
    // Reset pulls (BCM2835/2711 datasheets): GPIO0-8 pull up, the rest pull down.
    for (let p = 0; p < PINS; p++) this.pulls.push(p <= 8 ? "up" : "down");
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
    return FSEL_NAMES[(this.fsel[Math.floor(pin / 10)]! >>> ((pin % 10) * 3)) & 7]!;
  }

  read(offset: number): number {
    if (offset <= 0x14 && offset % 4 === 0) return this.fsel[offset / 4]!;
    if (offset === 0x34 || offset === 0x38) {
      let v = 0;
      const first = offset === 0x34 ? 0 : 32;
      this.applyInputs(this.ctx.clock.now);
      for (let i = 0; i < 32 && first + i < PINS; i++) if (this.levelOf(first + i)) v |= 1 << i;
      return v >>> 0;
    }
    if (this.pi4 && offset >= 0xe4 && offset <= 0xf0) {
      const first = ((offset - 0xe4) / 4) * 16;
      let v = 0;
      for (let i = 0; i < 16 && first + i < PINS; i++) v |= PULL_NAMES.indexOf(this.pulls[first + i]!) << (i * 2);
      return v >>> 0;
    }
    if (!this.pi4 && offset === 0x94) return this.gppud;
    if (!this.pi4 && (offset === 0x98 || offset === 0x9c)) return 0;
    if (offset === 0x1c || offset === 0x20 || offset === 0x28 || offset === 0x2c) return 0; // write-only
    return this.unmodelled(offset, false);
  }

  write(offset: number, value: number): void {
    if (offset <= 0x14 && offset % 4 === 0) {
      this.fsel[offset / 4] = value & 0x3fffffff;
      return;
    }
    if (offset === 0x1c || offset === 0x20 || offset === 0x28 || offset === 0x2c) {
      const first = offset === 0x1c || offset === 0x28 ? 0 : 32;
      const set = offset <= 0x20 ? 1 : 0;
      for (let i = 0; i < 32 && first + i < PINS; i++) if (value & (1 << i)) this.levels[first + i] = set;
      return;
    }
    if (this.pi4 && offset >= 0xe4 && offset <= 0xf0) {
      const first = ((offset - 0xe4) / 4) * 16;
      for (let i = 0; i < 16 && first + i < PINS; i++) this.pulls[first + i] = PULL_NAMES[(value >>> (i * 2)) & 3]!;
      return;
    }
    if (!this.pi4 && offset === 0x94) {
      this.gppud = value & 3;
      this.gppudWrittenAt = this.ctx.clock.now;
      return;
    }
    if (!this.pi4 && (offset === 0x98 || offset === 0x9c)) {
      if (value === 0) return;
      const since = this.ctx.clock.now - this.gppudWrittenAt;
      if (since < GPPUD_SETUP_PS) {
        this.violation(
          `GPPUDCLK${offset === 0x98 ? 0 : 1} asserted ${(since / 1000).toFixed(0)} ns after GPPUD; ` +
            `the control signal needs 150 core cycles (600 ns) to settle: pull not changed`,
        );
        return;
      }
      const first = offset === 0x98 ? 0 : 32;
      for (let i = 0; i < 32 && first + i < PINS; i++) if (value & (1 << i)) this.pulls[first + i] = PULL_NAMES[this.gppud]!;
      return;
    }
    if (offset === 0x34 || offset === 0x38) {
      this.violation(`write to read-only GPLEV${offset === 0x34 ? 0 : 1} ignored`);
      return;
    }
    this.unmodelled(offset, true);
  }
}

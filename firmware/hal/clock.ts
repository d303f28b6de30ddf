/**
 * `ClockGenerator`: one general-purpose clock of the clock manager
 * (CPRMAN), chosen by its register pair, the way Circle's CGPIOClock takes
 * a clock id. Source / (DIVI + DIVF/4096), with MASH noise shaping 0–3.
 *
 * What the hardware does (BCM2835 ARM peripherals 6.3; Linux
 * clk-bcm2835.c; docs/hardware.md#clock-manager): each generator has a CTL
 * register (SRC 3:0, ENAB 4, KILL 5, BUSY 7, MASH 10:9) and a DIV register
 * (DIVI 23:12, DIVF 11:0). Every write carries the password 0x5A in bits
 * 31:24, or the block ignores it. SRC, MASH and DIV may change only while
 * BUSY reads 0: the generator is disabled first (it stops at the end of the
 * cycle) and KILLed if it does not stop. QEMU 7.2 never sets BUSY, so
 * nothing here waits for BUSY = 1.
 *
 * The sandbox admits the PWM clock only (regs/allow-list.ts): the others
 * (GP0–2, PCM) are the boot firmware's, and an access to them stops the
 * firmware with halt 4. The audio output drives the PWM clock itself.
 */
import { CM_BASE, OSC_HZ, PLLD_HZ } from "../board";
import { read32, write32 } from "../drivers/mmio";
import { delayUs, micros } from "../drivers/timer";
import { CmField, CmReg } from "../../regs/cm";

/** The generators, by the offset of their CTL register (DIV follows at +4). */
export enum Clock {
  GP0 = CmReg.GP0CTL,
  PWM = CmReg.PWMCTL,
}

/** Clock sources (CTL.SRC). */
export enum ClockSource {
  Gnd = 0,
  Oscillator = 1,
  PllA = 4,
  PllC = 5,
  PllD = 6,
  Hdmi = 7,
}

const PASSWD: u32 = CmField.PASSWD;
const SRC_MASK: u32 = 0xf;
const ENAB: u32 = 1 << 4;
const KILL: u32 = 1 << 5;
const BUSY: u32 = 1 << 7;
const MASH_SHIFT: u32 = 9;
/** How long a generator may take to stop; a cycle of the slowest source is far shorter. */
const BUSY_TIMEOUT_US: u32 = 10000;

export class ClockGenerator {
  private readonly ctl: u32;
  private readonly div: u32;

  constructor(readonly clock: Clock) {
    this.ctl = CM_BASE + <u32>clock;
    this.div = this.ctl + 4;
  }

  /** The frequency of `source` in Hz on this board (0 for sources piwave does not know). */
  static sourceHz(source: ClockSource): u32 {
    if (source == ClockSource.Oscillator) return OSC_HZ;
    if (source == ClockSource.PllD) return PLLD_HZ;
    return 0;
  }

  private waitNotBusy(): bool {
    const start = micros();
    while (read32(this.ctl) & BUSY) {
      if (micros() - start >= BUSY_TIMEOUT_US) return false;
    }
    return true;
  }

  /** Stop the generator (ENAB cleared, then KILL if it does not stop). False if BUSY stays set. */
  stop(): bool {
    const c = read32(this.ctl);
    write32(this.ctl, PASSWD | (c & SRC_MASK));
    if (this.waitNotBusy()) return true;
    write32(this.ctl, PASSWD | KILL);
    const stopped = this.waitNotBusy();
    write32(this.ctl, PASSWD); // KILL is not one-shot: release it
    return stopped;
  }

  /**
   * Run from `source` divided by `divi` + `divf`/4096 with MASH `mash`
   * (0: integer division only, no jitter). Stops the generator first;
   * false if it would not stop (nothing changed then).
   */
  start(source: ClockSource, divi: u32, divf: u32 = 0, mash: u32 = 0): bool {
    if (!this.stop()) return false;
    write32(this.div, PASSWD | ((divi & 0xfff) << 12) | (divf & 0xfff));
    delayUs(10);
    const ctl = PASSWD | ((mash & 3) << MASH_SHIFT) | (<u32>source & SRC_MASK);
    write32(this.ctl, ctl);
    delayUs(10);
    write32(this.ctl, ctl | ENAB);
    return true;
  }

  /** CTL as it reads now (diagnostics). */
  control(): u32 {
    return read32(this.ctl);
  }
}

/**
 * Clock manager model: the PWM clock generator CM_PWMCTL / CM_PWMDIV
 * (answers firmware/drivers/clock.ts; docs/hardware.md#clock-manager).
 *
 * - A write whose bits 31:24 are not 0x5A is ignored and reported.
 * - BUSY follows ENAB after a short delay (two cycles of the divided clock,
 *   at least 250 ns): the generator starts and stops at a cycle boundary.
 *   KILL stops it at once.
 * - Changing SRC, MASH or DIV while BUSY = 1 is reported (the hardware
 *   glitches or locks up).
 * - The output runs while BUSY = 1 with a real source: 1 = oscillator,
 *   6 = PLLD (PLLD needs DIVI >= 2, docs/hardware.md#clock-manager). With MASH 0
 *   the frequency is source / DIVI.
 * - `stuckBusy` models a hung generator whose BUSY never clears.
 *
 * Only CM_PWMCTL/CM_PWMDIV are modelled; the rest of the window faults.
 */
import { CmCtl, CmDiv, CmField, CmReg, CmSrc } from "../../regs/cm.js";
import { CM_BLOCK } from "../../regs/tables/cm.js";
import { type FieldDesc, fieldValue, register } from "../../regs/tables/describe.js";
import type { Board } from "../boards.js";
import { Device, type DeviceContext, hex32 } from "./device.js";
import { PS_PER_NS, PS_PER_S } from "./time.js";

export const CM_PASSWD: number = CmField.PASSWD;
/** The fields SRC, MASH and DIV may not change while BUSY (regs/cm.ts). */
const CTL_GLITCH = CmCtl.SRC_MASK | (CmCtl.MASH_MASK << CmCtl.MASH_SHIFT);

// The trace's names for the fields, from the block's table (regs/tables/cm.ts).
const CTL_FIELDS = register(CM_BLOCK, "CM_PWMCTL").fields!;
const DIV_FIELDS = register(CM_BLOCK, "CM_PWMDIV").fields!;
const CTL_FLAGS = CTL_FIELDS.filter((f) => f.width === 1).sort((a, b) => a.lsb - b.lsb);
const field = (fields: readonly FieldDesc[], name: string) => fields.find((f) => f.name === name)!;
const MASH = field(CTL_FIELDS, "MASH");
const SRC = field(CTL_FIELDS, "SRC");
const DIVI = field(DIV_FIELDS, "DIVI");
const DIVF = field(DIV_FIELDS, "DIVF");

function passwd(v: number): string {
  const key = v >>> CmField.PASSWD_SHIFT;
  return key === CmField.PASSWD_KEY ? "PASSWD" : `NO-PASSWD(0x${key.toString(16).padStart(2, "0")})`;
}

export function decodeCmCtl(v: number, write: boolean): string {
  const parts = write ? [passwd(v)] : [];
  for (const f of CTL_FLAGS) if (fieldValue(v, f)) parts.push(f.name);
  const mash = fieldValue(v, MASH);
  if (mash) parts.push(`${MASH.name}=${mash}`);
  parts.push(`${SRC.name}=${SRC.values![fieldValue(v, SRC)] ?? "GND"}`);
  return parts.join(" ");
}

export function decodeCmDiv(v: number, write: boolean): string {
  const parts = write ? [passwd(v)] : [];
  parts.push(`${DIVI.name}=${fieldValue(v, DIVI)}`, `${DIVF.name}=${fieldValue(v, DIVF)}`);
  return parts.join(" ");
}

/** What the PWM sees of its clock. */
export interface ClockState {
  running: boolean;
  /** Virtual time the current run started (or will start, after the BUSY delay). */
  since: number;
  /** Virtual time the clock stops (Infinity while running). */
  until: number;
  hz: number;
}

export interface ClockListener {
  /** Called before the clock changes: bring your state up to `now` with the old clock. */
  beforeClockChange(now: number): void;
  /** Called after: reschedule with the new clock. */
  afterClockChange(now: number): void;
}

export class ClockManager extends Device {
  /** Reset value (regs/cm.ts: MASH 1, stopped, as QEMU 7.2 reads it; the value a real Pi has after the GPU firmware is unconfirmed). Bits 23:0, no password. */
  private ctl = this.resetValue("CM_PWMCTL");
  private div = this.resetValue("CM_PWMDIV");
  private busy = false;
  /** Pending BUSY change: at `busyChangeAt`, busy becomes `busyTarget`. */
  private busyChangeAt = Infinity;
  private busyTarget = false;
  stuckBusy = false;
  private listeners: ClockListener[] = [];
  /** Log of every accepted write, for tests: which register, value, BUSY at that moment. */
  readonly writes: { reg: "CTL" | "DIV"; value: number; busy: boolean; timePs: number }[] = [];
  private pwm: ClockState = { running: false, since: 0, until: 0, hz: 0 };

  constructor(
    private readonly board: Board,
    ctx: DeviceContext,
  ) {
    super(CM_BLOCK, ctx, { CM_PWMCTL: decodeCmCtl, CM_PWMDIV: decodeCmDiv });
  }

  listen(l: ClockListener): void {
    this.listeners.push(l);
  }

  /** The PWM clock as seen at the current time. */
  pwmClock(): ClockState {
    this.settle();
    return this.pwm;
  }

  private sourceHz(): number {
    const src = this.ctl & CmCtl.SRC_MASK;
    if (src === CmSrc.OSC) return this.board.oscHz;
    if (src === CmSrc.PLLD) return this.board.plldHz;
    return 0;
  }

  private divisor(): number {
    return (this.div >>> CmDiv.DIVI_SHIFT) & CmDiv.DIVI_MASK;
  }

  private outputHz(): number {
    const divi = this.divisor();
    const src = this.ctl & CmCtl.SRC_MASK;
    if (divi === 0 || (src === CmSrc.PLLD && divi < CmDiv.PLLD_MIN_DIVI)) return 0;
    return this.sourceHz() / divi;
  }

  /** Two cycles of the divided clock, at least 250 ns. */
  private transitionPs(): number {
    const hz = this.outputHz();
    const two = hz > 0 ? (2 * PS_PER_S) / hz : 0;
    return Math.max(Math.ceil(two), 250 * PS_PER_NS);
  }

  /** Apply a pending BUSY transition whose time has come. */
  private settle(): void {
    if (this.busyChangeAt <= this.ctx.clock.now) {
      this.busy = this.busyTarget;
      this.busyChangeAt = Infinity;
    }
  }

  read(offset: number): number {
    this.settle();
    if (offset === CmReg.PWMCTL) return (this.ctl | (this.busy || this.stuckBusy ? CmCtl.BUSY : 0)) >>> 0;
    if (offset === CmReg.PWMDIV) return this.div;
    return this.unmodelled(offset, false);
  }

  write(offset: number, value: number): void {
    if (offset !== CmReg.PWMCTL && offset !== CmReg.PWMDIV) this.unmodelled(offset, true);
    const reg = this.registers.get(offset)!.name;
    if (value >>> CmField.PASSWD_SHIFT !== CmField.PASSWD_KEY) {
      this.violation(`${reg} write ${hex32(value)} without the 0x5A password: ignored`);
      return;
    }
    const now = this.ctx.clock.now;
    this.settle();
    const busy = this.busy || this.stuckBusy;
    this.writes.push({ reg: offset === CmReg.PWMCTL ? "CTL" : "DIV", value, busy, timePs: now });
    for (const l of this.listeners) l.beforeClockChange(now);
    if (offset === CmReg.PWMDIV) {
      if (busy) this.violation(`CM_PWMDIV written (${hex32(value)}) while BUSY=1: the divider glitches`);
      this.div = value & CmField.VALUE_MASK;
    } else {
      const v = value & CmField.VALUE_MASK & ~CmCtl.BUSY; // BUSY is read-only
      const changed = (v ^ this.ctl) & CTL_GLITCH;
      if (busy && changed) this.violation(`CM_PWMCTL SRC/MASH changed (${hex32(value)}) while BUSY=1: the clock glitches`);
      this.ctl = v;
      if (v & CmCtl.KILL) {
        // KILL: stop now.
        this.busy = false;
        this.busyChangeAt = Infinity;
      } else if (v & CmCtl.ENAB) {
        if (!this.busy) {
          this.busyTarget = true;
          this.busyChangeAt = now + this.transitionPs();
        }
      } else if (this.busy) {
        this.busyTarget = false;
        this.busyChangeAt = now + this.transitionPs();
      }
    }
    this.updateState(now);
    for (const l of this.listeners) l.afterClockChange(now);
  }

  private updateState(now: number): void {
    const hz = this.outputHz();
    const enabled = (this.ctl & CmCtl.ENAB) !== 0 && (this.ctl & CmCtl.KILL) === 0;
    if (enabled && hz > 0) {
      const since = this.busy ? (this.pwm.running ? this.pwm.since : now) : this.busyChangeAt;
      this.pwm = { running: true, since, until: Infinity, hz };
    } else if (this.pwm.running) {
      const until = this.busyChangeAt === Infinity || this.ctl & CmCtl.KILL ? now : this.busyChangeAt;
      this.pwm = { running: false, since: this.pwm.since, until, hz: this.pwm.hz };
    }
  }
}

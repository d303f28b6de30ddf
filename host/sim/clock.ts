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
import type { Board } from "../boards.js";
import { Device, type DeviceContext, flagNames, hex32 } from "./device.js";
import { PS_PER_NS, PS_PER_S } from "./time.js";

export const CM_PASSWD = 0x5a000000;
const SRC_NAMES = ["GND", "OSC", "TESTDEBUG0", "TESTDEBUG1", "PLLA", "PLLC", "PLLD", "HDMIAUX"];
const CTL_FLAGS = { 4: "ENAB", 5: "KILL", 6: "GATE", 7: "BUSY", 8: "FLIP" };

function passwd(v: number): string {
  return v >>> 24 === 0x5a ? "PASSWD" : `NO-PASSWD(0x${(v >>> 24).toString(16).padStart(2, "0")})`;
}

export function decodeCmCtl(v: number, write: boolean): string {
  const parts = write ? [passwd(v)] : [];
  parts.push(...flagNames(v, CTL_FLAGS));
  const mash = (v >>> 9) & 3;
  if (mash) parts.push(`MASH=${mash}`);
  parts.push(`SRC=${SRC_NAMES[v & 0xf] ?? "GND"}`);
  return parts.join(" ");
}

export function decodeCmDiv(v: number, write: boolean): string {
  const parts = write ? [passwd(v)] : [];
  parts.push(`DIVI=${(v >>> 12) & 0xfff}`, `DIVF=${v & 0xfff}`);
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
  /** Reset value 0x200 (MASH 1, stopped), as QEMU 7.2 reads it (docs/hardware.md#clock-manager); the value a real Pi has after the GPU firmware is unconfirmed. */
  private ctl = 0x200; // bits 23:0, no password
  private div = 0;
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
    super(
      "CM",
      board.peripheralBase + 0x101000,
      0x2000,
      [
        { offset: 0xa0, name: "CM_PWMCTL", decode: decodeCmCtl },
        { offset: 0xa4, name: "CM_PWMDIV", decode: decodeCmDiv },
      ],
      ctx,
    );
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
    const src = this.ctl & 0xf;
    if (src === 1) return this.board.oscHz;
    if (src === 6) return this.board.plldHz;
    return 0;
  }

  private divisor(): number {
    return (this.div >>> 12) & 0xfff;
  }

  private outputHz(): number {
    const divi = this.divisor();
    const src = this.ctl & 0xf;
    if (divi === 0 || (src === 6 && divi < 2)) return 0;
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
    if (offset === 0xa0) return (this.ctl | (this.busy || this.stuckBusy ? 0x80 : 0)) >>> 0;
    if (offset === 0xa4) return this.div;
    return this.unmodelled(offset, false);
  }

  write(offset: number, value: number): void {
    if (offset !== 0xa0 && offset !== 0xa4) this.unmodelled(offset, true);
    const reg = offset === 0xa0 ? "CM_PWMCTL" : "CM_PWMDIV";
    if (value >>> 24 !== 0x5a) {
      this.violation(`${reg} write ${hex32(value)} without the 0x5A password: ignored`);
      return;
    }
    const now = this.ctx.clock.now;
    this.settle();
    const busy = this.busy || this.stuckBusy;
    this.writes.push({ reg: offset === 0xa0 ? "CTL" : "DIV", value, busy, timePs: now });
    for (const l of this.listeners) l.beforeClockChange(now);
    if (offset === 0xa4) {
      if (busy) this.violation(`CM_PWMDIV written (${hex32(value)}) while BUSY=1: the divider glitches`);
      this.div = value & 0xffffff;
    } else {
      const v = value & 0xffffff & ~0x80; // BUSY is read-only
      const changed = (v ^ this.ctl) & (0xf | (3 << 9));
      if (busy && changed) this.violation(`CM_PWMCTL SRC/MASH changed (${hex32(value)}) while BUSY=1: the clock glitches`);
      this.ctl = v;
      if (v & (1 << 5)) {
        // KILL: stop now.
        this.busy = false;
        this.busyChangeAt = Infinity;
      } else if (v & (1 << 4)) {
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
    const enabled = (this.ctl & (1 << 4)) !== 0 && (this.ctl & (1 << 5)) === 0;
    if (enabled && hz > 0) {
      const since = this.busy ? (this.pwm.running ? this.pwm.since : now) : this.busyChangeAt;
      this.pwm = { running: true, since, until: Infinity, hz };
    } else if (this.pwm.running) {
      const until = this.busyChangeAt === Infinity || (this.ctl & (1 << 5)) ? now : this.busyChangeAt;
      this.pwm = { running: false, since: this.pwm.since, until, hz: this.pwm.hz };
    }
  }
}

/**
 * System timer model (answers firmware/drivers/timer.ts): a free-running
 * 64-bit 1 MHz counter read through CLO/CHI, derived from virtual time.
 * The four compare registers and the match flags in CS are stored (CS is
 * write-1-to-clear) but raise no interrupts: the firmware polls.
 */
import { TimerReg } from "../../regs/timer.js";
import { TIMER_BLOCK, TIMER_CS_W1C } from "../../regs/tables/timer.js";
import { Device, type DeviceContext } from "./device.js";
import { PS_PER_US } from "./time.js";

const dec = (v: number) => String(v >>> 0);

export class SystemTimer extends Device {
  private readonly compare = new Uint32Array(4);
  private cs = this.resetValue("ST_CS");

  constructor(ctx: DeviceContext) {
    super(TIMER_BLOCK, ctx, { ST_CLO: dec, ST_CHI: dec, ST_C0: dec, ST_C1: dec, ST_C2: dec, ST_C3: dec });
  }

  /** Microseconds since reset. */
  micros(): number {
    return Math.floor(this.ctx.clock.now / PS_PER_US);
  }

  read(offset: number): number {
    switch (offset) {
      case TimerReg.CS:
        return this.cs;
      case TimerReg.CLO:
        return this.micros() >>> 0;
      case TimerReg.CHI:
        return Math.floor(this.micros() / 0x100000000) >>> 0;
      case TimerReg.C0:
      case TimerReg.C1:
      case TimerReg.C2:
      case TimerReg.C3:
        return this.compare[(offset - TimerReg.C0) / 4]!;
    }
    return this.unmodelled(offset, false);
  }

  write(offset: number, value: number): void {
    if (this.refusedReadOnly(offset)) return; // CLO, CHI
    switch (offset) {
      case TimerReg.CS:
        this.cs &= ~value & TIMER_CS_W1C;
        return;
      case TimerReg.C0:
      case TimerReg.C1:
      case TimerReg.C2:
      case TimerReg.C3:
        this.compare[(offset - TimerReg.C0) / 4] = value;
        return;
    }
    this.unmodelled(offset, true);
  }
}

/**
 * System timer model (answers firmware/drivers/timer.ts): a free-running
 * 64-bit 1 MHz counter read through CLO/CHI, derived from virtual time.
 * The four compare registers and the match flags in CS are stored (CS is
 * write-1-to-clear) but raise no interrupts: the firmware polls.
 */
import type { Board } from "../boards.js";
import { Device, type DeviceContext } from "./device.js";
import { PS_PER_US } from "./time.js";

export class SystemTimer extends Device {
  private readonly compare = new Uint32Array(4);
  private cs = 0;

  constructor(board: Board, ctx: DeviceContext) {
    const dec = (v: number) => String(v >>> 0);
    super(
      "TIMER",
      board.peripheralBase + 0x3000,
      0x1c,
      [
        { offset: 0x00, name: "ST_CS" },
        { offset: 0x04, name: "ST_CLO", decode: dec },
        { offset: 0x08, name: "ST_CHI", decode: dec },
        { offset: 0x0c, name: "ST_C0", decode: dec },
        { offset: 0x10, name: "ST_C1", decode: dec },
        { offset: 0x14, name: "ST_C2", decode: dec },
        { offset: 0x18, name: "ST_C3", decode: dec },
      ],
      ctx,
    );
  }

  /** Microseconds since reset. */
  micros(): number {
    return Math.floor(this.ctx.clock.now / PS_PER_US);
  }

  read(offset: number): number {
    switch (offset) {
      case 0x00:
        return this.cs;
      case 0x04:
        return this.micros() >>> 0;
      case 0x08:
        return Math.floor(this.micros() / 0x100000000) >>> 0;
      case 0x0c:
      case 0x10:
      case 0x14:
      case 0x18:
        return this.compare[(offset - 0x0c) / 4]!;
    }
    return this.unmodelled(offset, false);
  }

  write(offset: number, value: number): void {
    switch (offset) {
      case 0x00:
        this.cs &= ~value & 0xf;
        return;
      case 0x0c:
      case 0x10:
      case 0x14:
      case 0x18:
        this.compare[(offset - 0x0c) / 4] = value;
        return;
      case 0x04:
      case 0x08:
        this.violation(`write to read-only ST_${offset === 0x04 ? "CLO" : "CHI"} ignored`);
        return;
    }
    this.unmodelled(offset, true);
  }
}

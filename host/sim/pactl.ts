/**
 * PACTL_CS model (BCM2711 only; regs/pactl.ts). Bit 23 routes DMA DREQ 1 to
 * PWM1 (1) or to DSI0 (0). It resets to 0 here, as a Pi 4 has been seen to
 * read after the boot firmware (the datasheet's reset value of 1 is not what
 * a bare-metal kernel finds), so a firmware that forgets to set it gets no
 * DREQ from the PWM and its DMA never moves. The other bits are stored and
 * read back; nothing else is modelled.
 */
import { PactlCs, PactlReg } from "../../regs/pactl.js";
import { PACTL_BLOCK } from "../../regs/tables/pactl.js";
import { Device, type DeviceContext } from "./device.js";

export class Pactl extends Device {
  private cs = this.resetValue("PACTL_CS");

  constructor(ctx: DeviceContext) {
    super(PACTL_BLOCK, ctx, { PACTL_CS: (v) => (v & PactlCs.DREQ1_PWM1 ? "DREQ1=PWM1" : "DREQ1=DSI0") });
  }

  /** DREQ 1 comes from PWM1. */
  get dreq1IsPwm1(): boolean {
    return (this.cs & PactlCs.DREQ1_PWM1) !== 0;
  }

  read(offset: number): number {
    return offset === PactlReg.CS ? this.cs >>> 0 : this.unmodelled(offset, false);
  }

  write(offset: number, value: number): void {
    if (offset !== PactlReg.CS) this.unmodelled(offset, true);
    this.cs = value >>> 0;
  }
}

/**
 * A window that behaves as plain RAM: what QEMU 7.2 raspi3b has where the
 * PWM block should be (docs/hardware.md#qemu-raspi3b: writes read back, CLRF persists,
 * FULL1 never sets, nothing is logged). Used to run the firmware in the
 * simulator exactly as it runs under QEMU, so the two traces can be compared.
 */
import { Device, type DeviceContext } from "./device.js";

export class PlainRam extends Device {
  private readonly words: Uint32Array;

  constructor(like: Device, ctx: DeviceContext) {
    super(`${like.name} (plain RAM, as QEMU)`, like.base, like.size, [...like.registers.values()], ctx);
    this.words = new Uint32Array(like.size / 4);
  }

  read(offset: number): number {
    return this.words[offset >>> 2]!;
  }

  write(offset: number, value: number): void {
    this.words[offset >>> 2] = value;
  }
}

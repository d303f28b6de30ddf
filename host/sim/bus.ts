/**
 * The simulated system bus: maps ARM physical address windows to device
 * models, charges each access to the virtual clock, records the trace.
 *
 * Any access outside every window, unaligned, or to an offset the model
 * does not implement throws a `SimFault` naming the address and the nearest
 * register: the firmware stops there, loudly.
 */
import { Device, SimFault, hex32 } from "./device.js";
import type { SimClock } from "./time.js";
import { Trace } from "./trace.js";

export class Bus {
  private readonly devices: Device[] = [];
  private last: Device | undefined;
  /** Number of MMIO accesses so far. */
  accesses = 0;
  /** Virtual time after which the run is declared stuck. */
  limitPs = Infinity;
  private stallEvery = 0;
  private stallFor = 0;
  private nextStall = Infinity;
  /** Injected CPU stalls so far. */
  stalls = 0;

  constructor(
    readonly clock: SimClock,
    readonly trace: Trace | undefined,
  ) {}

  map(device: Device): void {
    for (const d of this.devices) {
      if (device.base < d.base + d.size && d.base < device.base + device.size) {
        throw new Error(`${device.name} overlaps ${d.name}`);
      }
    }
    this.devices.push(device);
  }

  deviceAt(addr: number): Device | undefined {
    const last = this.last;
    if (last && addr - last.base >= 0 && addr - last.base < last.size) return last;
    for (const d of this.devices) {
      if (addr >= d.base && addr < d.base + d.size) {
        this.last = d;
        return d;
      }
    }
    return undefined;
  }

  /** Name of the register at `addr`, e.g. "PWM_STA", or a hex address when none. */
  registerName(addr: number): string {
    const d = this.deviceAt(addr);
    const r = d?.registers.get(addr - d.base);
    return r ? r.name : hex32(addr);
  }

  private resolve(addr: number, write: boolean): Device {
    const d = this.deviceAt(addr);
    if (d === undefined || (addr & 3) !== 0) {
      let nearest = "";
      let dist = Infinity;
      for (const dev of this.devices) {
        const r = dev.nearestRegister(Math.min(Math.max(addr - dev.base, 0), dev.size - 4));
        const gap = Math.abs(dev.base + r.offset - addr);
        if (gap < dist) {
          dist = gap;
          nearest = `${r.name} at ${hex32(dev.base + r.offset)}`;
        }
      }
      const what = d === undefined ? "no peripheral is mapped there" : "address is not 4-byte aligned";
      throw new SimFault(`${write ? "write to" : "read of"} ${hex32(addr)}: ${what}; nearest register is ${nearest}`, addr);
    }
    return d;
  }

  /**
   * Called when virtual time passes `limitPs`. Returning true (after moving
   * `limitPs` on) lets the run go on: a checkpoint, for progress reports, at
   * no cost on the access path. Unset or false: the run stops as stuck.
   */
  onLimit: ((nowPs: number) => boolean) | undefined;

  private timeLimit(): void {
    if (this.onLimit?.(this.clock.now)) return;
    throw new SimFault(
      `virtual time limit of ${(this.limitPs / 1e12).toFixed(3)} s reached: the firmware is still running (stuck in a loop?)`,
    );
  }

  /**
   * The hot path (called once per MMIO access, millions of times a second):
   * kept monomorphic, no allocation, device lookup through a one-entry cache.
   */
  /**
   * The device that takes most accesses (the PWM while audio streams). Its
   * accesses skip the lookup and call one class's methods from one call
   * site, which the JS engine can inline; everything else goes through the
   * general path. Behaviour is identical either way.
   */
  private hot: Device | undefined;
  private hotBase = 0;
  private hotSize = 0;

  /** Pause the firmware for `forPs` every `everyPs` (the hardware keeps running). */
  setStalls(everyPs: number, forPs: number): void {
    this.stallEvery = everyPs;
    this.stallFor = forPs;
    this.nextPeriodic = everyPs;
    this.nextStall = Math.min(this.nextPeriodic, this.oneShots[0]?.atPs ?? Infinity);
  }

  /** Pause the firmware once for `forPs` at its first access at or after `atPs` (the testing API's timed stalls). */
  addStall(atPs: number, forPs: number): void {
    this.oneShots.push({ atPs, forPs });
    this.oneShots.sort((a, b) => a.atPs - b.atPs);
    this.nextStall = Math.min(this.nextPeriodic, this.oneShots[0]!.atPs);
  }

  private nextPeriodic = Infinity;
  private oneShots: { atPs: number; forPs: number }[] = [];

  private stall(): void {
    const c = this.clock;
    const once = this.oneShots[0];
    if (once !== undefined && once.atPs <= c.now) {
      this.oneShots.shift();
      c.now += once.forPs;
    } else {
      c.now += this.stallFor;
      this.nextPeriodic = (Math.floor(c.now / this.stallEvery) + 1) * this.stallEvery;
    }
    this.stalls++;
    this.nextStall = Math.min(this.nextPeriodic, this.oneShots[0]?.atPs ?? Infinity);
  }

  setHot(device: Device): void {
    this.hot = device;
    this.hotBase = device.base;
    this.hotSize = device.size;
  }

  read = (address: number): number => {
    const addr = address >>> 0;
    this.accesses++;
    const c = this.clock;
    if (c.now >= this.nextStall) this.stall();
    const t = (c.now += c.accessPs);
    if (t > this.limitPs) this.timeLimit();
    const off = addr - this.hotBase;
    let v: number;
    if (off >= 0 && off < this.hotSize && (off & 3) === 0) {
      v = this.hot!.read(off) >>> 0;
    } else {
      const d = this.resolve(addr, false);
      v = d.read(addr - d.base) >>> 0;
    }
    if (this.trace !== undefined) this.trace.record(t, false, addr, v);
    return v;
  };

  write = (address: number, value: number): void => {
    const addr = address >>> 0;
    const val = value >>> 0;
    this.accesses++;
    const c = this.clock;
    if (c.now >= this.nextStall) this.stall();
    const t = (c.now += c.accessPs);
    if (t > this.limitPs) this.timeLimit();
    if (this.trace !== undefined) this.trace.record(t, true, addr, val);
    const off = addr - this.hotBase;
    if (off >= 0 && off < this.hotSize && (off & 3) === 0) {
      this.hot!.write(off, val);
    } else {
      const d = this.resolve(addr, true);
      d.write(addr - d.base, val);
    }
  };
}

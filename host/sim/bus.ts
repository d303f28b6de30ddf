/**
 * The simulated system bus: maps ARM physical address windows to device
 * models, charges each access to the virtual clock, records the trace.
 *
 * The firmware's accesses (`firmwareRead`/`firmwareWrite`, the ABI's
 * mmio_read/mmio_write) first pass the sandbox's allow-list
 * (regs/allow-list.ts), the same list the bare-metal runtime enforces: a
 * refused access does not happen and throws a `SandboxRefusal` (halt 4).
 * `read`/`write` are the unchecked bus, used by the runtime's own services
 * (the DMA service) and by model tests.
 *
 * Any access outside every window, unaligned, or to an offset the model
 * does not implement throws a `SimFault` naming the address and the nearest
 * register: the firmware stops there, loudly.
 *
 * Speed: the firmware calls `read`/`write` once per MMIO access, millions of
 * times a second. The bus picks its untraced or traced pair once; one guard
 * time covers both stall injection and the time limit; accesses to the hot
 * device (the PWM) skip the lookup, and its two busiest registers (STA,
 * FIF1) are recognised by one comparison each. No access allocates.
 */
import { type MmioRule, type SandboxBoard, allowMap, mmioRefusal, mmioRefusalLine } from "../../regs/allow-list.js";
import { Device, SandboxRefusal, SimFault, hex32 } from "./device.js";
import type { SimClock } from "./time.js";
import { Trace } from "./trace.js";

export class Bus {
  private readonly devices: Device[] = [];
  private last: Device | undefined;
  /** Number of MMIO accesses so far. */
  accesses = 0;
  private limit = Infinity;
  private stallEvery = 0;
  private stallFor = 0;
  private nextStall = Infinity;
  /**
   * Below this time an access needs neither a stall nor the time-limit check:
   * min(next stall, limit - 2 accesses), kept up to date by `reguard`. At or
   * past it, `chargeSlow` does both checks exactly.
   */
  private guard = Infinity;
  /** Injected CPU stalls so far. */
  stalls = 0;

  constructor(
    readonly clock: SimClock,
    readonly trace: Trace | undefined,
  ) {
    clock.watchAccessCost(() => this.reguard());
    this.read = trace ? this.readTraced : this.readUntraced;
    this.write = trace ? this.writeTraced : this.writeUntraced;
  }

  /** Put `device` on the bus at its address (`Device.placeAt`, or its own). Windows may not overlap. */
  map(device: Device): void {
    if (Number.isNaN(device.base)) throw new Error(`${device.name} has no address: place it at the board's base + its block's offset first`);
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
      `virtual time limit of ${(this.limit / 1e12).toFixed(3)} s reached: the firmware is still running (stuck in a loop?)`,
    );
  }

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
    this.reguard();
  }

  /** Pause the firmware once for `forPs` at its first access at or after `atPs` (the testing API's timed stalls). */
  addStall(atPs: number, forPs: number): void {
    this.oneShots.push({ atPs, forPs });
    this.oneShots.sort((a, b) => a.atPs - b.atPs);
    this.nextStall = Math.min(this.nextPeriodic, this.oneShots[0]!.atPs);
    this.reguard();
  }

  private nextPeriodic = Infinity;
  private oneShots: { atPs: number; forPs: number }[] = [];

  /** Take every stall due at this access, earliest due first (a one-shot first on a tie). */
  private stall(): void {
    const c = this.clock;
    for (;;) {
      const once = this.oneShots[0];
      const periodicDue = this.nextPeriodic <= c.now;
      if (once !== undefined && once.atPs <= c.now && (!periodicDue || once.atPs <= this.nextPeriodic)) {
        this.oneShots.shift();
        c.now += once.forPs;
      } else if (periodicDue) {
        c.now += this.stallFor;
        this.nextPeriodic = (Math.floor(c.now / this.stallEvery) + 1) * this.stallEvery;
      } else break;
      this.stalls++;
    }
    this.nextStall = Math.min(this.nextPeriodic, this.oneShots[0]?.atPs ?? Infinity);
    this.reguard();
  }

  /** Virtual time after which the run is declared stuck. */
  get limitPs(): number {
    return this.limit;
  }

  set limitPs(ps: number) {
    this.limit = ps;
    this.reguard();
  }

  private reguard(): void {
    this.guard = Math.min(this.nextStall, this.limit - 2 * this.clock.accessPs);
  }

  /**
   * The hot device's busiest read and write registers (the PWM's STA and
   * FIF1: a polling firmware's every access), as the firmware passes their
   * addresses (signed i32). `firmwareRead`/`firmwareWrite` test these first
   * with one comparison each and go straight to the device. NaN (equal to
   * nothing) while tracing, or when the allow-list refuses the register.
   */
  private hotReadAddress = NaN;
  private hotReadOffset = 0;
  private hotWriteAddress = NaN;
  private hotWriteOffset = 0;

  /**
   * Make `device` the hot device (call after `setSandbox`); `readOffset` and
   * `writeOffset`: its registers that take the one-comparison path.
   */
  setHot(device: Device, readOffset?: number, writeOffset?: number): void {
    this.hot = device;
    this.hotBase = device.base | 0;
    this.hotSize = device.size;
    this.hotAccess = new Uint8Array(device.size >>> 2);
    for (let off = 0; off < device.size; off += 4) {
      const rule = this.rules?.get((device.base + off) >>> 0);
      this.hotAccess[off >>> 2] = rule ? (rule.write ? 3 : 1) : 0;
    }
    if (this.trace === undefined && readOffset !== undefined && (this.hotAccess[readOffset >>> 2]! & 1) !== 0) {
      this.hotReadAddress = (device.base + readOffset) | 0;
      this.hotReadOffset = readOffset;
    }
    if (this.trace === undefined && writeOffset !== undefined && (this.hotAccess[writeOffset >>> 2]! & 2) !== 0) {
      this.hotWriteAddress = (device.base + writeOffset) | 0;
      this.hotWriteOffset = writeOffset;
    }
  }

  private sandboxBoard: SandboxBoard | undefined;
  private rules: Map<number, MmioRule> | undefined;
  /** Per word of the hot device: 1 = the firmware may read it, 3 = read and write. */
  private hotAccess = new Uint8Array(0);

  /** Enforce `board`'s allow-list on the firmware's accesses (call before `setHot`). */
  setSandbox(board: SandboxBoard): void {
    this.sandboxBoard = board;
    this.rules = allowMap(board);
  }

  private check(addr: number, write: boolean): void {
    if (!this.rules) return;
    const why = mmioRefusal(this.sandboxBoard!, this.rules, addr, write);
    if (why !== null) throw new SandboxRefusal(mmioRefusalLine(addr, write, why));
  }

  /** mmio_read: the allow-list, then the bus. */
  firmwareRead = (address: number): number => {
    if (address === this.hotReadAddress) {
      this.accesses++;
      const c = this.clock;
      if (c.now >= this.guard) this.chargeSlow();
      else c.now += c.accessPs;
      return this.hot!.read(this.hotReadOffset) >>> 0;
    }
    // The offset in the hot window in 32-bit arithmetic, as readUntraced computes it (hotBase is signed: a Pi 4's 0xFE000000 is negative).
    const off = ((address | 0) - this.hotBase) | 0;
    if (off >= 0 && off < this.hotSize && (off & 3) === 0 && (this.hotAccess[off >>> 2]! & 1) !== 0) {
      if (this.trace !== undefined) return this.read(address >>> 0);
      // readUntraced for the hot device, inlined.
      this.accesses++;
      const c = this.clock;
      if (c.now >= this.guard) this.chargeSlow();
      else c.now += c.accessPs;
      return this.hot!.read(off) >>> 0;
    }
    this.check(address >>> 0, false);
    return this.read(address >>> 0);
  };

  /** mmio_write: the allow-list, then the bus. */
  firmwareWrite = (address: number, value: number): void => {
    if (address === this.hotWriteAddress) {
      this.accesses++;
      const c = this.clock;
      if (c.now >= this.guard) this.chargeSlow();
      else c.now += c.accessPs;
      this.hot!.write(this.hotWriteOffset, value >>> 0);
      return;
    }
    const off = ((address | 0) - this.hotBase) | 0;
    if (off >= 0 && off < this.hotSize && (off & 3) === 0 && (this.hotAccess[off >>> 2]! & 2) !== 0) {
      if (this.trace !== undefined) {
        this.write(address >>> 0, value);
        return;
      }
      // writeUntraced for the hot device, inlined.
      this.accesses++;
      const c = this.clock;
      if (c.now >= this.guard) this.chargeSlow();
      else c.now += c.accessPs;
      this.hot!.write(off, value >>> 0);
      return;
    }
    this.check(address >>> 0, true);
    this.write(address >>> 0, value);
  };

  /** One MMIO read by the firmware: time charged, value returned (and traced when tracing). */
  readonly read: (address: number) => number;
  /** One MMIO write by the firmware. */
  readonly write: (address: number, value: number) => void;

  // The bus picks its pair of access paths once, in the constructor, by
  // whether it records a trace: each is one closure the firmware calls
  // directly, with nothing decided per access that was known at start.

  private readonly readUntraced = (address: number): number => {
    this.charge();
    // Offset in the hot window in 32-bit arithmetic (the address as the
    // firmware passes it, a signed i32): modulo 2^32 it is addr - base.
    const off = ((address | 0) - this.hotBase) | 0;
    if (off >= 0 && off < this.hotSize && (off & 3) === 0) return this.hot!.read(off) >>> 0;
    return this.readDevice(address >>> 0);
  };

  private readonly writeUntraced = (address: number, value: number): void => {
    this.charge();
    const off = ((address | 0) - this.hotBase) | 0;
    if (off >= 0 && off < this.hotSize && (off & 3) === 0) this.hot!.write(off, value >>> 0);
    else this.writeDevice(address >>> 0, value >>> 0);
  };

  private readonly readTraced = (address: number): number => {
    const addr = address >>> 0;
    const t = this.charge();
    const v = this.readDevice(addr);
    this.trace!.record(t, false, addr, v);
    return v;
  };

  private readonly writeTraced = (address: number, value: number): void => {
    const addr = address >>> 0;
    const val = value >>> 0;
    const t = this.charge();
    this.trace!.record(t, true, addr, val); // before the device acts: a refused write is in the trace
    this.writeDevice(addr, val);
  };

  /** Count the access, inject a due stall, charge its time; returns when it completes. */
  private charge(): number {
    this.accesses++;
    const c = this.clock;
    if (c.now >= this.guard) return this.chargeSlow();
    return (c.now += c.accessPs);
  }

  private chargeSlow(): number {
    const c = this.clock;
    if (c.now >= this.nextStall) this.stall();
    const t = (c.now += c.accessPs);
    if (t > this.limit) this.timeLimit();
    return t;
  }

  private readDevice(addr: number): number {
    const off = ((addr | 0) - this.hotBase) | 0;
    if (off >= 0 && off < this.hotSize && (off & 3) === 0) return this.hot!.read(off) >>> 0;
    const d = this.resolve(addr, false);
    return d.read(addr - d.base) >>> 0;
  }

  private writeDevice(addr: number, val: number): void {
    const off = ((addr | 0) - this.hotBase) | 0;
    if (off >= 0 && off < this.hotSize && (off & 3) === 0) {
      this.hot!.write(off, val);
      return;
    }
    const d = this.resolve(addr, true);
    d.write(addr - d.base, val);
  }
}

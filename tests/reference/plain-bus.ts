/**
 * Reference for the bit-exactness test (tests/sim-exact.test.ts): the bus's
 * read/write path as it was before the fast paths (commit 8517e1d,
 * host/sim/bus.ts), kept apart from imports and names: one path for every
 * access, the trace checked on each. host/sim/bus.ts must charge the same
 * time, inject the same stalls and record the same trace.
 */
import { type MmioRule, type SandboxBoard, allowMap, mmioRefusal, mmioRefusalLine } from "../../regs/allow-list.js";
import { Device, SandboxRefusal, SimFault, hex32 } from "../../host/sim/device.js";
import type { SimClock } from "../../host/sim/time.js";
import { Trace } from "../../host/sim/trace.js";

export class PlainBus {
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

  private timeLimit(): never {
    throw new SimFault(
      `virtual time limit of ${(this.limitPs / 1e12).toFixed(3)} s reached: the firmware is still running (stuck in a loop?)`,
    );
  }

  /** Pause the firmware for `forPs` every `everyPs` (the hardware keeps running). */
  setStalls(everyPs: number, forPs: number): void {
    this.stallEvery = everyPs;
    this.stallFor = forPs;
    this.nextStall = everyPs;
  }

  // One-shot stalls (the testing API's timed stalls), kept in the order they were added.
  private readonly oneShots: { atPs: number; forPs: number; taken: boolean }[] = [];

  /** Pause the firmware once for `forPs` at its first access at or after `atPs`. */
  addStall(atPs: number, forPs: number): void {
    this.oneShots.push({ atPs, forPs, taken: false });
  }

  /**
   * Before an access: take every stall that is due, one at a time, the
   * earliest due first (a one-shot before the periodic one on a tie; among
   * one-shots due at the same time, the one added first).
   */
  private takeDueStalls(): void {
    const c = this.clock;
    for (;;) {
      let once: { atPs: number; forPs: number; taken: boolean } | undefined;
      for (const s of this.oneShots) if (!s.taken && s.atPs <= c.now && (once === undefined || s.atPs < once.atPs)) once = s;
      const periodicDue = c.now >= this.nextStall;
      if (once !== undefined && (!periodicDue || once.atPs <= this.nextStall)) {
        once.taken = true;
        c.now += once.forPs;
      } else if (periodicDue) {
        c.now += this.stallFor;
        this.nextStall = (Math.floor(c.now / this.stallEvery) + 1) * this.stallEvery;
      } else return;
      this.stalls++;
    }
  }

  /** The plain bus has no fast path: every access is looked up. */
  setHot(_device: Device): void {}

  // The sandbox's allow-list, checked on every firmware access the plain way
  // (no per-window cache), so the fast bus's cached verdicts are compared too.
  private sandboxBoard: SandboxBoard | undefined;
  private rules: Map<number, MmioRule> | undefined;

  setSandbox(board: SandboxBoard): void {
    this.sandboxBoard = board;
    this.rules = allowMap(board);
  }

  private check(addr: number, write: boolean): void {
    if (!this.rules) return;
    const why = mmioRefusal(this.sandboxBoard!, this.rules, addr, write);
    if (why !== null) throw new SandboxRefusal(mmioRefusalLine(addr, write, why));
  }

  firmwareRead = (address: number): number => {
    this.check(address >>> 0, false);
    return this.read(address);
  };

  firmwareWrite = (address: number, value: number): void => {
    this.check(address >>> 0, true);
    this.write(address, value);
  };

  read = (address: number): number => {
    const addr = address >>> 0;
    this.accesses++;
    const c = this.clock;
    this.takeDueStalls();
    const t = (c.now += c.accessPs);
    if (t > this.limitPs) this.timeLimit();
    const d = this.resolve(addr, false);
    const v = d.read(addr - d.base) >>> 0;
    if (this.trace !== undefined) this.trace.record(t, false, addr, v);
    return v;
  };

  write = (address: number, value: number): void => {
    const addr = address >>> 0;
    const val = value >>> 0;
    this.accesses++;
    const c = this.clock;
    this.takeDueStalls();
    const t = (c.now += c.accessPs);
    if (t > this.limitPs) this.timeLimit();
    if (this.trace !== undefined) this.trace.record(t, true, addr, val);
    const d = this.resolve(addr, true);
    d.write(addr - d.base, val);
  };
}

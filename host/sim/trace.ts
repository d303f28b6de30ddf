/**
 * The access trace: every MMIO access with its time, register name and
 * decoded fields, e.g.
 *
 *   [     12.300 us] CM_PWMCTL <= 0x5A000016  PASSWD ENAB SRC=PLLD
 *   [     40.100 us] PWM_STA => 0x00000002  EMPT1
 *
 * Entries are stored compactly (typed arrays) up to a limit and formatted
 * on demand with the bus's register tables, so the bare-metal runtime can
 * print raw (address, value) pairs and the host formats them the same way.
 */
import type { Device } from "./device.js";
import { hex32 } from "./device.js";

export interface TraceEntry {
  timePs: number;
  write: boolean;
  addr: number;
  value: number;
}

export class Trace {
  private times: Float64Array;
  private addrs: Uint32Array;
  private values: Uint32Array;
  private writes: Uint8Array;
  length = 0;
  /** Accesses not recorded because the limit was reached. */
  dropped = 0;

  constructor(readonly limit = 1_000_000) {
    const n = Math.min(limit, 65536);
    this.times = new Float64Array(n);
    this.addrs = new Uint32Array(n);
    this.values = new Uint32Array(n);
    this.writes = new Uint8Array(n);
  }

  record(timePs: number, write: boolean, addr: number, value: number): void {
    if (this.length >= this.limit) {
      this.dropped++;
      return;
    }
    if (this.length === this.times.length) this.grow();
    const i = this.length++;
    this.times[i] = timePs;
    this.addrs[i] = addr;
    this.values[i] = value;
    this.writes[i] = write ? 1 : 0;
  }

  private grow(): void {
    const n = Math.min(this.times.length * 2, this.limit);
    const t = new Float64Array(n);
    t.set(this.times);
    this.times = t;
    const a = new Uint32Array(n);
    a.set(this.addrs);
    this.addrs = a;
    const v = new Uint32Array(n);
    v.set(this.values);
    this.values = v;
    const w = new Uint8Array(n);
    w.set(this.writes);
    this.writes = w;
  }

  entry(i: number): TraceEntry {
    return { timePs: this.times[i]!, write: this.writes[i] === 1, addr: this.addrs[i]!, value: this.values[i]! };
  }

  *entries(): IterableIterator<TraceEntry> {
    for (let i = 0; i < this.length; i++) yield this.entry(i);
  }
}

export interface RegisterLookup {
  deviceAt(addr: number): Device | undefined;
}

/** `CM_PWMCTL <= 0x5A000016  PASSWD ENAB SRC=PLLD` (no time stamp). */
export function formatAccess(bus: RegisterLookup, write: boolean, addr: number, value: number): string {
  const d = bus.deviceAt(addr);
  const reg = d?.registers.get(addr - d.base);
  const name = reg ? reg.name : hex32(addr);
  const fields = reg?.decode ? reg.decode(value, write) : "";
  return `${name} ${write ? "<=" : "=>"} ${hex32(value)}${fields ? "  " + fields : ""}`;
}

/** One trace line with a microsecond time stamp. */
export function formatEntry(bus: RegisterLookup, e: TraceEntry): string {
  const us = (e.timePs / 1e6).toFixed(3).padStart(12);
  return `[${us} us] ${formatAccess(bus, e.write, e.addr, e.value)}`;
}

/**
 * Readable trace: runs of consecutive reads of one register (busy-waits on
 * a timer or status flag) are folded into their first and last read plus a
 * count line.
 */
export function formatFolded(bus: RegisterLookup, entries: readonly TraceEntry[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < entries.length) {
    const e = entries[i]!;
    let j = i + 1;
    if (!e.write) while (j < entries.length && !entries[j]!.write && entries[j]!.addr === e.addr) j++;
    const run = j - i;
    out.push(formatEntry(bus, e));
    if (run > 3) {
      out.push(`    ... ${run - 2} more reads of the same register ...`);
      out.push(formatEntry(bus, entries[j - 1]!));
    } else {
      for (let k = i + 1; k < j; k++) out.push(formatEntry(bus, entries[k]!));
    }
    i = j;
  }
  return out;
}

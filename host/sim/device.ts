/**
 * What every peripheral model has in common: a window on the bus, a table of
 * registers (name, offset, field decoder for the trace), and a way to fail
 * loudly when the firmware touches something the model does not implement.
 */
import type { SimClock } from "./time.js";

export interface RegisterDef {
  offset: number;
  name: string;
  /** Human-readable fields of a value, for the trace (e.g. "PASSWD ENAB SRC=PLLD"). */
  decode?: (value: number, write: boolean) => string;
}

/** A rule of the hardware that the firmware broke; real silicon would misbehave silently. */
export interface Violation {
  timePs: number;
  device: string;
  message: string;
}

/** The firmware did something the simulator cannot give a meaning to. Ends the run. */
export class SimFault extends Error {
  constructor(
    message: string,
    public readonly address?: number,
  ) {
    super(message);
    this.name = "SimFault";
  }
}

/**
 * The sandbox refused what the firmware asked (an MMIO access outside the
 * allow-list, a range outside linear memory, a DMA request): the firmware
 * stops with halt code 4, and `line` is the report, word for word what the
 * bare-metal runtime prints on the UART.
 */
export class SandboxRefusal extends Error {
  constructor(readonly line: string) {
    super(line);
    this.name = "SandboxRefusal";
  }
}

export function hex32(v: number): string {
  return "0x" + (v >>> 0).toString(16).toUpperCase().padStart(8, "0");
}

/** Names of the bits of `value` that are set, given `names[bit]`. */
export function flagNames(value: number, names: Record<number, string>): string[] {
  const out: string[] = [];
  for (const [bit, name] of Object.entries(names)) {
    if (value & (1 << Number(bit))) out.push(name);
  }
  return out;
}

export interface DeviceContext {
  clock: SimClock;
  violation(device: string, message: string): void;
}

export abstract class Device {
  readonly registers: ReadonlyMap<number, RegisterDef>;

  constructor(
    readonly name: string,
    /** ARM physical address of the window. */
    readonly base: number,
    /** Window size in bytes. */
    readonly size: number,
    registers: RegisterDef[],
    protected readonly ctx: DeviceContext,
  ) {
    this.registers = new Map(registers.map((r) => [r.offset, r]));
  }

  abstract read(offset: number): number;
  abstract write(offset: number, value: number): void;

  protected violation(message: string): void {
    this.ctx.violation(this.name, message);
  }

  /** The register at `offset`, or the closest one by address (for error messages). */
  nearestRegister(offset: number): RegisterDef {
    let best: RegisterDef | undefined;
    for (const r of this.registers.values()) {
      if (!best || Math.abs(r.offset - offset) < Math.abs(best.offset - offset)) best = r;
    }
    if (!best) throw new Error(`${this.name} has no registers`);
    return best;
  }

  /** Throw: the firmware touched an offset this model does not implement. */
  protected unmodelled(offset: number, write: boolean): never {
    const near = this.nearestRegister(offset);
    const addr = this.base + offset;
    throw new SimFault(
      `${write ? "write to" : "read of"} ${hex32(addr)} (${this.name} +0x${offset.toString(16)}): ` +
        `no modelled register there; nearest is ${near.name} at ${hex32(this.base + near.offset)}`,
      addr,
    );
  }
}

/**
 * What every peripheral model has in common: a window on the bus, a table of
 * registers (name, offset, access rule, reset value, field decoder for the
 * trace), and a way to fail loudly when the firmware touches something the
 * model does not implement.
 *
 * A model built from its block's table (regs/tables/, QEMU/Renode style)
 * does not know its address: the machine maps it at the board's base + the
 * block's offset (`placeAt`, host/sim/machine.ts), so one
 * model serves every board and every instance of a block.
 */
import { type BlockDesc, type RegisterDesc, fieldValue, register } from "../../regs/tables/describe.js";
import type { SimClock } from "./time.js";

/** The trace's text for a value of a register (e.g. "PASSWD ENAB SRC=PLLD"). */
export type Decoder = (value: number, write: boolean) => string;

/**
 * The trace's decoder for a register, from its fields in its table
 * (regs/tables/): in table order, a one-bit field by name when set, a wider
 * one as NAME=value (the value's name when the field names its values);
 * `none` when nothing is printed.
 */
export function fieldsDecoder(r: RegisterDesc, none = ""): (value: number) => string {
  const fields = r.fields ?? [];
  return (value: number) => {
    const parts: string[] = [];
    for (const f of fields) {
      const v = fieldValue(value, f);
      if (f.width === 1) {
        if (v) parts.push(f.name);
      } else parts.push(`${f.name}=${f.values?.[v] ?? v}`);
    }
    return parts.join(" ") || none;
  };
}

export interface RegisterDef {
  offset: number;
  name: string;
  /** Human-readable fields of a value, for the trace (e.g. "PASSWD ENAB SRC=PLLD"). */
  decode?: Decoder;
  /** The register's description (regs/tables/), for a model built from its table. */
  desc?: RegisterDesc;
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

/** How a model built from a table (regs/tables/) is made: its block, the trace decoders by register name, and the instance's name when it is not the block's (PWM0, PWM1). */
export type DeviceArgs =
  | [block: BlockDesc, ctx: DeviceContext, decoders?: Readonly<Record<string, Decoder>>, instance?: string]
  /** A model that knows its own address (name, base, size, registers, context): the reference models of tests/reference/, and PlainRam, which takes another model's window. */
  | [name: string, base: number, size: number, registers: RegisterDef[], ctx: DeviceContext];

export abstract class Device {
  readonly name: string;
  /** ARM physical address of the window: set when the machine places the model (`placeAt`). NaN until then. */
  base: number;
  /** Window size in bytes. */
  readonly size: number;
  readonly registers: ReadonlyMap<number, RegisterDef>;
  /** The block's table, for a model built from one. */
  readonly block: BlockDesc | undefined;
  protected readonly ctx: DeviceContext;

  constructor(...args: DeviceArgs) {
    if (typeof args[0] === "string") {
      const [name, base, size, registers, ctx] = args as [string, number, number, RegisterDef[], DeviceContext];
      this.name = name;
      this.base = base;
      this.size = size;
      this.registers = new Map(registers.map((r) => [r.offset, r]));
      this.block = undefined;
      this.ctx = ctx;
    } else {
      const [block, ctx, decoders = {}, instance] = args as [BlockDesc, DeviceContext, Readonly<Record<string, Decoder>>?, string?];
      for (const n of Object.keys(decoders)) register(block, n); // a decoder for a register the table does not have is a bug
      this.name = instance ?? block.name;
      this.base = NaN;
      this.size = block.bytes;
      this.registers = new Map(block.registers.map((r) => [r.offset, { offset: r.offset, name: r.name, decode: decoders[r.name], desc: r }]));
      this.block = block;
      this.ctx = ctx;
    }
  }

  /** Give a model built from its table its address (ARM physical): the machine does, before mapping it. Once. */
  placeAt(base: number): this {
    if (!Number.isNaN(this.base)) throw new Error(`${this.name} is already at ${hex32(this.base)}`);
    this.base = base >>> 0;
    return this;
  }

  /** The reset value of register `name` (from the block's table). */
  protected resetValue(name: string): number {
    if (!this.block) throw new Error(`${this.name} has no register table`);
    return register(this.block, name).reset >>> 0;
  }

  /**
   * A write to a register whose table says it is read-only: ignored, and
   * reported as the hardware would silently drop it. Returns true when it
   * was one (the caller stops there).
   */
  protected refusedReadOnly(offset: number): boolean {
    const r = this.registers.get(offset);
    if (r?.desc?.access !== "ro") return false;
    this.violation(`write to read-only ${r.name} ignored`);
    return true;
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

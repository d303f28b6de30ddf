/**
 * How regs/tables/ describes a block for the host: each register's name,
 * offset, access rule and reset value, and its fields (bit range, value
 * names, access). The numbers themselves come from the `const enum`s of
 * regs/*.ts (which the firmware compiles too); a table only arranges them.
 *
 * The simulator's models take their register tables from here (decoding,
 * reset values, write-1-to-clear, read-only refusals), the sandbox's
 * allow-list (regs/allow-list.ts) names its registers from here, and the
 * trace prints these names. A table has no address: the machine maps each
 * model at its board's base + block offset (host/sim/machine.ts), as QEMU
 * and Renode map their models.
 *
 * Host only (tsc): never imported by the firmware.
 */

/**
 * What an access does:
 *   rw   read and write;
 *   ro   read only (a write is ignored; the simulator reports it);
 *   wo   write only (reads 0);
 *   w1c  write 1 to clear: writing a 1 clears that bit, 0 leaves it.
 */
export type RegisterAccess = "rw" | "ro" | "wo" | "w1c";

export interface FieldDesc {
  name: string;
  /** Lowest bit. */
  lsb: number;
  /** Width in bits. */
  width: number;
  /** Names of the field's values, by value (an enumerated field). */
  values?: readonly string[];
  /** When the field's rule differs from its register's: read-only, write-1-to-clear, or a one-shot command that reads back 0. */
  access?: "ro" | "w1c" | "oneshot";
}

export interface RegisterDesc {
  name: string;
  /** Byte offset inside the block. */
  offset: number;
  access: RegisterAccess;
  /** Value after reset (as far as the model knows it; see the block's file in regs/). */
  reset: number;
  /** What a read returns when it is not the register's value: a write-only register reads this (default 0). */
  readsAs?: number;
  /** A write is ignored unless bits 31:24 hold this key (the clock manager's 0x5A). */
  password?: number;
  fields?: readonly FieldDesc[];
}

export interface BlockDesc {
  /** Block name, e.g. "CM", "UART0". */
  name: string;
  /** Size of the block's window in bytes. */
  bytes: number;
  registers: readonly RegisterDesc[];
}

/** A field's value in `value`. */
export function fieldValue(value: number, f: FieldDesc): number {
  return f.width >= 32 ? value >>> 0 : (value >>> f.lsb) & ((1 << f.width) - 1);
}

/** A field's mask in place. */
export function fieldMask(f: FieldDesc): number {
  return (f.width >= 32 ? 0xffffffff : ((1 << f.width) - 1) << f.lsb) >>> 0;
}

/** The single-bit field `mask` names, as a FieldDesc. */
export function flag(name: string, mask: number, access?: FieldDesc["access"]): FieldDesc {
  const m = mask >>> 0;
  if (m === 0 || (m & (m - 1)) !== 0) throw new Error(`${name}: 0x${m.toString(16)} is not one bit`);
  return { name, lsb: 31 - Math.clz32(m), width: 1, ...(access ? { access } : {}) };
}

/** Register `name` of `block`; throws when the block has none (a table and its user disagree). */
export function register(block: BlockDesc, name: string): RegisterDesc {
  const r = block.registers.find((x) => x.name === name);
  if (!r) throw new Error(`${block.name} has no register ${name}`);
  return r;
}

/** The bits of `r` a write clears (its w1c register or fields). */
export function w1cMask(r: RegisterDesc): number {
  if (r.access === "w1c") return 0xffffffff;
  let m = 0;
  for (const f of r.fields ?? []) if (f.access === "w1c") m |= fieldMask(f);
  return m >>> 0;
}

/** The boards whose blocks differ (the GPIO pulls, the jack's PWM). */
export type BoardId = "pi4" | "pi3";

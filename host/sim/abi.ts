/**
 * The firmware ABI (firmware/abi.ts), implemented by the simulator.
 *
 * Exactly the imports listed in `ABI_IMPORTS`; tests/abi.test.ts checks the
 * list against firmware/abi.ts and against the imports of the built module.
 */
import type { Bus } from "./bus.js";
import { SimFault, hex32 } from "./device.js";
import type { VideoCoreMailbox } from "./mailbox.js";

/** Every import of module `env` the firmware may use, with its wasm signature. */
export const ABI_IMPORTS = {
  mmio_read: "(i32) -> i32",
  mmio_write: "(i32, i32) -> nil",
  bus_address: "(i32, i32) -> i32",
  cache_clean: "(i32, i32) -> nil",
  bundle_size: "() -> i32",
  bundle_read: "(i32, i32, i32) -> i32",
  halt: "(i32) -> nil",
  // mailbox block
  mailbox_call: "(i32, i32) -> i32",
} as const;
export type AbiImport = keyof typeof ABI_IMPORTS;

/** `halt` codes (firmware/abi.ts). */
export const HALT_CODES: Record<number, string> = {
  0: "done",
  1: "bad asset bundle",
  2: "hardware did not respond",
  3: "firmware abort",
  4: "refused MMIO access",
};

/**
 * Where the simulator pretends linear memory sits in ARM physical RAM, so
 * bus addresses look like the Pi's: bus = 0xC0000000 | phys (docs/hardware.md#addresses).
 */
export const SIM_LINEAR_MEMORY_PHYS = 0x0100_0000;

/** Thrown through the wasm stack by `halt`; never escapes `Machine.run`. */
export class HaltSignal {
  constructor(readonly code: number) {}
}

export interface AbiHost {
  bus: Bus;
  bundle: Uint8Array;
  memory(): WebAssembly.Memory;
  /** The VideoCore's property mailbox (mailbox block). */
  mailbox: VideoCoreMailbox;
}

function checkRange(host: AbiHost, what: string, ptr: number, len: number): void {
  const size = host.memory().buffer.byteLength;
  if (ptr + len > size) {
    throw new SimFault(`${what}: range ${hex32(ptr)}+${len} is outside linear memory (${size} bytes)`);
  }
}

export function createImports(host: AbiHost): { env: Record<AbiImport, (...args: number[]) => number | void> } {
  const bus = host.bus;
  const bundle = host.bundle;
  return {
    env: {
      mmio_read: bus.read,
      mmio_write: bus.write,
      bus_address: (ptr: number, len: number) => {
        ptr >>>= 0;
        len >>>= 0;
        checkRange(host, "bus_address", ptr, len);
        return (0xc0000000 | (SIM_LINEAR_MEMORY_PHYS + ptr)) >>> 0;
      },
      cache_clean: (ptr: number, len: number) => {
        checkRange(host, "cache_clean", ptr >>> 0, len >>> 0);
      },
      bundle_size: () => bundle.length,
      bundle_read: (offset: number, dst: number, len: number) => {
        offset >>>= 0;
        dst >>>= 0;
        len >>>= 0;
        checkRange(host, "bundle_read", dst, len);
        if (offset >= bundle.length) return 0;
        const n = Math.min(len, bundle.length - offset);
        new Uint8Array(host.memory().buffer, dst, n).set(bundle.subarray(offset, offset + n));
        return n;
      },
      halt: (code: number) => {
        throw new HaltSignal(code >>> 0);
      },
      // mailbox block: the runtime's checks and answers (host/sim/mailbox.ts).
      mailbox_call: (ptr: number, len: number) => {
        ptr >>>= 0;
        len >>>= 0;
        checkRange(host, "mailbox_call", ptr, len);
        return host.mailbox.call(new Uint8Array(host.memory().buffer), ptr, len);
      },
    },
  };
}

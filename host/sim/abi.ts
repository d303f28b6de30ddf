/**
 * The firmware ABI (firmware/abi.ts), implemented by the simulator.
 *
 * Exactly the imports listed in `ABI_IMPORTS`; tests/abi.test.ts checks the
 * list against firmware/abi.ts and against the imports of the built module.
 * MMIO goes through the sandbox's allow-list (regs/allow-list.ts, enforced by
 * Bus.firmwareRead/firmwareWrite), DMA through the runtime's DMA service
 * (host/sim/dma-service.ts). A refusal stops the firmware with halt code 4
 * and the line the bare-metal runtime would print.
 */
import { Halt } from "../../regs/halt.js";
import { HALT_NAMES } from "../../regs/halt-names.js";
import { LinearMemory } from "../../regs/memory.js";
import type { Bus } from "./bus.js";
import { SandboxRefusal, SimFault, hex32 } from "./device.js";
import { type DmaService, hex8 } from "./dma-service.js";
import type { VideoCoreMailbox } from "./mailbox.js";

/** Every import of module `env` the firmware may use, with its wasm signature. */
export const ABI_IMPORTS = {
  mmio_read: "(i32) -> i32",
  mmio_write: "(i32, i32) -> nil",
  cache_clean: "(i32, i32) -> nil",
  bundle_size: "() -> i32",
  bundle_read: "(i32, i32, i32) -> i32",
  halt: "(i32) -> nil",
  // DMA service
  dma_start: "(i32, i32, i32, i32, i32) -> nil",
  dma_position: "(i32) -> i32",
  dma_stop: "(i32) -> nil",
  // mailbox block
  mailbox_call: "(i32, i32) -> i32",
} as const;
export type AbiImport = keyof typeof ABI_IMPORTS;

/** `halt` codes and their names (regs/halt.ts, regs/halt-names.ts). */
export const HALT_CODES: Readonly<Record<number, string>> = HALT_NAMES;
export const HALT_BAD_MMIO: number = Halt.REFUSED;
export const HALT_WASM_TRAP: number = Halt.WASM_TRAP;

/**
 * Where the simulator places linear memory in ARM physical RAM: a 64 KiB
 * boundary, the rule the runtime's allocator follows too (regs/memory.ts).
 */
export const SIM_LINEAR_MEMORY_PHYS: number = LinearMemory.SIM_PHYS;

/** Thrown through the wasm stack by `halt`; never escapes `Machine.run`. */
export class HaltSignal {
  constructor(readonly code: number) {}
}

export interface AbiHost {
  bus: Bus;
  bundle: Uint8Array;
  dma: DmaService;
  memory(): WebAssembly.Memory;
  /** The VideoCore's property mailbox (mailbox block). */
  mailbox: VideoCoreMailbox;
}

function checkRange(host: AbiHost, what: string, ptr: number, len: number): void {
  const size = host.memory().buffer.byteLength;
  if (ptr + len > size) {
    throw new SandboxRefusal(`F abi: ${what}: range ${hex8(ptr)}+${len} is outside linear memory (${size} bytes)`);
  }
}

export function createImports(host: AbiHost): { env: Record<AbiImport, (...args: number[]) => number | void> } {
  const bus = host.bus;
  const bundle = host.bundle;
  const dma = host.dma;
  return {
    env: {
      mmio_read: bus.firmwareRead,
      mmio_write: bus.firmwareWrite,
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
      dma_start: (channel: number, dest: number, blocks: number, count: number, flags: number) =>
        dma.start(channel >>> 0, dest >>> 0, blocks >>> 0, count >>> 0, flags >>> 0),
      dma_position: (channel: number) => dma.position(channel >>> 0),
      dma_stop: (channel: number) => dma.stop(channel >>> 0),
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

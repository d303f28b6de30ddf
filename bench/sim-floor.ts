/**
 * The floor of the simulator benchmark: the same firmware .wasm, in the same
 * JS engine, with trivial imports and no peripheral models. The hardware is
 * stubbed exactly as bench/native/runner.c stubs it for the native CPU
 * benchmark: the FIFO is never full, the clock never busy, no error flags;
 * the system timer's CLO advances by 1 µs per read; every poll of the DMA
 * channel's CONBLK_AD finds the engine on the other control block. What is
 * left is the firmware's own work plus one JS call per register access:
 * the fastest any simulator on top of this firmware could go.
 */
import type { Board } from "../host/boards.js";
import { SIM_LINEAR_MEMORY_PHYS } from "../host/sim/abi.js";

class Halt {
  constructor(readonly code: number) {}
}

export interface FloorRun {
  haltCode: number;
  /** MMIO calls the firmware made. */
  accesses: number;
}

/** Run the firmware once against the stubbed hardware. */
export function runFloor(board: Board, module: WebAssembly.Module, bundle: Uint8Array): FloorRun {
  const timerClo = board.peripheralBase + 0x3004;
  const timerChi = board.peripheralBase + 0x3008;
  const dmaConblk5 = board.peripheralBase + 0x7000 + 5 * 0x100 + 0x04;
  let clo = 0;
  let cbWritten = 0;
  let cbNext = 0;
  let cbCurrent = 0;
  let accesses = 0;
  let memory: WebAssembly.Memory | undefined;
  const mem32 = (busAddr: number, at: number): number =>
    new DataView(memory!.buffer).getUint32((busAddr & 0x3fffffff) - SIM_LINEAR_MEMORY_PHYS + at, true);
  const env = {
    mmio_read(addr: number): number {
      accesses++;
      addr >>>= 0;
      if (addr === timerClo) return (clo = (clo + 1) >>> 0);
      if (addr === timerChi) return 0;
      if (addr === dmaConblk5) {
        cbCurrent = cbCurrent === cbWritten ? cbNext : cbWritten;
        return cbCurrent;
      }
      return 0;
    },
    mmio_write(addr: number, value: number): void {
      accesses++;
      if (addr >>> 0 === dmaConblk5) {
        cbWritten = cbCurrent = value >>> 0;
        cbNext = mem32(cbWritten, 20); // NEXTCONBK
      }
    },
    bus_address: (ptr: number) => (0xc0000000 | (SIM_LINEAR_MEMORY_PHYS + (ptr >>> 0))) >>> 0,
    cache_clean: () => {},
    bundle_size: () => bundle.length,
    bundle_read(offset: number, dst: number, len: number): number {
      offset >>>= 0;
      if (offset >= bundle.length) return 0;
      const n = Math.min(len >>> 0, bundle.length - offset);
      new Uint8Array(memory!.buffer, dst >>> 0, n).set(bundle.subarray(offset, offset + n));
      return n;
    },
    halt(code: number): void {
      throw new Halt(code >>> 0);
    },
  };
  const instance = new WebAssembly.Instance(module, { env });
  memory = instance.exports.memory as WebAssembly.Memory;
  try {
    (instance.exports.main as () => void)();
  } catch (e) {
    if (e instanceof Halt) return { haltCode: e.code, accesses };
    throw e;
  }
  throw new Error("floor run: the firmware's main() returned without calling halt()");
}

/**
 * The floor of the simulator benchmark: the same firmware .wasm, in the same
 * JS engine, with trivial imports and no peripheral models. The hardware is
 * stubbed exactly as bench/native/runner.c stubs it for the native CPU
 * benchmark: the FIFO is never full, the clock never busy, no error flags;
 * the system timer's CLO advances by 1 µs per read; every `dma_position`
 * finds the engine on the other block; the mailbox answers as the
 * simulator's model does (one call at start-up). What is left is the
 * firmware's own work plus one JS call per register access: the fastest
 * any simulator on top of this firmware could go.
 */
import type { Board } from "../host/boards.js";
import { VideoCoreMailbox } from "../host/sim/mailbox.js";

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
  let clo = 0;
  let dmaBlocks = 0;
  let dmaCurrent = 0;
  let accesses = 0;
  let memory: WebAssembly.Memory | undefined;
  const mailbox = new VideoCoreMailbox(board);
  const env = {
    mmio_read(addr: number): number {
      accesses++;
      addr >>>= 0;
      if (addr === timerClo) return (clo = (clo + 1) >>> 0);
      if (addr === timerChi) return 0;
      return 0;
    },
    mmio_write(): void {
      accesses++;
    },
    // The DMA service (as bench/native/runner.c stubs it): the engine is always on the other block.
    dma_start(_channel: number, _dest: number, _blocks: number, count: number): void {
      dmaBlocks = count >>> 0;
      dmaCurrent = 0;
    },
    dma_position(): number {
      if (dmaBlocks === 0) return 0xffffffff;
      dmaCurrent = (dmaCurrent + 1) % dmaBlocks;
      return dmaCurrent;
    },
    dma_stop(): void {
      dmaBlocks = 0;
    },
    mailbox_call: (ptr: number, len: number): number => mailbox.call(new Uint8Array(memory!.buffer), ptr >>> 0, len >>> 0),
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

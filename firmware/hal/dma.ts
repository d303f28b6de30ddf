/**
 * `DmaChannel`: a DMA channel through the runtime's DMA service
 * (abi.ts dma_start/dma_position/dma_stop), chosen by number the way
 * Circle's CDMAChannel takes one. The firmware never sees a control block
 * or a DMA register: it names buffers in its own memory and a destination
 * FIFO, and the runtime builds, checks and runs the chain (abi.ts says
 * what it refuses). The audio output uses channel 5 (drivers/dma.ts); the
 * service admits 0, 2, 4, 5 and 6.
 *
 * `DmaBlock` is the service's block-list entry, an `@unmanaged` layout of
 * two u32 (offset, length) whose size is checked at compile time.
 */
import { refuse } from "../runtime/abort";
import { cache_clean, DMA_CHANNELS, DMA_FAILED, DMA_IDLE, DMA_MAX_BLOCKS, DMA_RING, dma_position, dma_start, dma_stop } from "../abi";

/** One entry of a block list: a buffer in linear memory. */
@unmanaged
export class DmaBlock {
  /** Linear-memory offset of the buffer (4-byte aligned). */
  offset: u32;
  /** Its length in bytes (a whole number of words, > 0). */
  length: u32;
}
// The runtime reads pairs of u32: a compile error if the layout ever changes.
// @ts-ignore: ERROR is an AssemblyScript builtin
if (offsetof<DmaBlock>() != 8) ERROR("DmaBlock must be exactly 8 bytes: { offset: u32, length: u32 }");

/** A chain of up to DMA_MAX_BLOCKS blocks. */
const list: usize = memory.data(<i32>(DMA_MAX_BLOCKS * 8), 8);

export class DmaChannel {
  /** `channel`: 0, 2, 4, 5 or 6 (the service refuses the others with halt 4). */
  constructor(readonly channel: u32) {
    // Real checks (asserts are compiled out by --noAssert): an F abort line naming the call and the value, and halt 3.
    if (channel >= 32 || ((DMA_CHANNELS >> channel) & 1) == 0) {
      refuse("new DmaChannel", channel);
      throw new Error("DMA channel not admitted by the DMA service (0, 2, 4, 5, 6)");
    }
  }

  /** Block `i` of the list `start` sends (fill 0..count-1 first). */
  block(i: u32): DmaBlock {
    if (i >= DMA_MAX_BLOCKS) {
      refuse("DmaChannel.block", i);
      throw new Error("DMA block index past DMA_MAX_BLOCKS");
    }
    return changetype<DmaBlock>(list + <usize>(i * 8));
  }

  /**
   * Start the chain of `count` blocks (set with `block(i)`) into the FIFO
   * register at ARM physical address `dest`, paced by its DREQ; `ring`:
   * loop until `stop`. The buffers are cleaned from the cache first.
   */
  start(dest: u32, count: u32, ring: bool = false): void {
    if (count == 0 || count > DMA_MAX_BLOCKS) {
      refuse("DmaChannel.start", count);
      throw new Error("DMA chain of 0 or more than DMA_MAX_BLOCKS blocks");
    }
    for (let i: u32 = 0; i < count; i++) {
      const b = this.block(i);
      cache_clean(b.offset, b.length);
    }
    dma_start(this.channel, dest, <u32>list, count, ring ? DMA_RING : 0);
  }

  /** The block the engine is on (0..count-1), or DMA_IDLE / DMA_FAILED. */
  position(): u32 {
    return dma_position(this.channel);
  }

  /** True while the channel runs. */
  running(): bool {
    const p = this.position();
    return p != DMA_IDLE && p != DMA_FAILED;
  }

  /** Abort, reset and disable the channel (fine on an idle one). */
  stop(): void {
    dma_stop(this.channel);
  }
}

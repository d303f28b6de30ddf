/**
 * DMA through the runtime's DMA service (../abi.ts): the firmware names its
 * buffers (offsets and lengths in linear memory) and the destination FIFO;
 * the runtime builds the control blocks in its own memory, checks them and
 * programs the channel. The firmware never touches a DMA register.
 *
 * Each transfer is memory → the PWM's FIF1, 32-bit words, paced by the
 * PWM's DREQ (DMAC.DREQ: the PWM asks while its FIFO holds that many words
 * or fewer). Circle feeds its PWM sound the same way, from a ring of two
 * control blocks.
 */
import { DMA_IDLE, DMA_RING, dma_position, dma_start, dma_stop } from "../abi";
import { PWM_FIF1 } from "./pwm";

/**
 * Channel 5. The VideoCore leaves the ARM the channels of its free mask
 * 0x07F5 (0, 2, 4–10; regs/dma.ts); of those, 0–6 are full channels (7–10
 * are DMA Lite: at most 64 KiB a block, too small for a shaped-mode buffer).
 * Nothing else runs on a bare-metal Pi, so any of 0, 2, 4, 5, 6 would do; 5
 * keeps clear of 0 and 2, which other software on the card's OS hands out
 * first, and is the channel piwave has always used.
 */
export const CHANNEL: u32 = 5;

/** The block list handed to the service: up to 2 pairs { offset, length }. */
const list: usize = memory.data(16, 8);

/** Start a ring of two buffers into the PWM FIFO: a, b, a, b, … until `stop`. */
export function startRing(a: usize, b: usize, bytes: u32): void {
  store<u32>(list, <u32>a, 0);
  store<u32>(list, bytes, 4);
  store<u32>(list, <u32>b, 8);
  store<u32>(list, bytes, 12);
  dma_start(CHANNEL, PWM_FIF1, <u32>list, 2, DMA_RING); // the destination by its ARM physical address
}

/** The buffer (0 or 1) the engine is reading now; `DMA_IDLE` or `DMA_FAILED` when it is not. */
@inline export function position(): u32 {
  return dma_position(CHANNEL);
}

/** True while the channel runs. */
@inline export function running(p: u32): bool {
  return p != DMA_IDLE && p < 2;
}

/** Stop the channel. */
export function stop(): void {
  dma_stop(CHANNEL);
}

/**
 * DMA controller: one channel driven by a ring of control blocks.
 *
 * A control block (CB) is 8 words in RAM, 32-byte aligned, read by the DMA
 * engine through its bus address (RAM bus address = phys | 0xC0000000, the
 * peripheral side 0x7E...; docs/hardware.md#addresses):
 *   TI, SOURCE_AD, DEST_AD, TXFR_LEN, STRIDE, NEXTCONBK, 0, 0
 * For the PWM: TI = PERMAP(PWM DREQ) | DEST_DREQ | SRC_INC | WAIT_RESP |
 * NO_WIDE_BURSTS; DEST_AD = the PWM's FIF1 as a bus address. The engine
 * moves a word whenever the PWM raises DREQ (FIFO level at or below
 * DMAC.DREQ), walks to NEXTCONBK when a CB is done, and stops at 0.
 * Circle uses the same 2-CB ring (docs/hardware.md#dma).
 */
import { DMA_BASE, PERIPHERAL_BASE, PERIPHERAL_BUS_BASE, PWM_BASE, PWM_DREQ } from "../board";
import { read32, write32 } from "./mmio";

/** Channel 5: a full DMA channel; bare metal, nothing else uses it. */
export const CHANNEL: u32 = 5;
const CH: u32 = DMA_BASE + CHANNEL * 0x100;
export const DMA_CS: u32 = CH + 0x00;
export const DMA_CONBLK_AD: u32 = CH + 0x04;
export const DMA_DEBUG: u32 = CH + 0x20;
export const DMA_ENABLE: u32 = DMA_BASE + 0xff0;

export const CS_ACTIVE: u32 = 1 << 0;
export const CS_END: u32 = 1 << 1;
export const CS_INT: u32 = 1 << 2;
export const CS_ERROR: u32 = 1 << 8;
export const CS_WAIT_FOR_OUTSTANDING_WRITES: u32 = 1 << 28;
export const CS_ABORT: u32 = 1 << 30;
export const CS_RESET: u32 = 1 << 31;

export const TI_WAIT_RESP: u32 = 1 << 3;
export const TI_DEST_DREQ: u32 = 1 << 6;
export const TI_SRC_INC: u32 = 1 << 8;
export const TI_NO_WIDE_BURSTS: u32 = 1 << 26;

/** Control block size and alignment. */
export const CB_BYTES: u32 = 32;

/** PWM FIF1 as the DMA engine addresses it. */
export const PWM_FIF1_BUS: u32 = PERIPHERAL_BUS_BASE + (PWM_BASE - PERIPHERAL_BASE) + 0x18;

/** The TI word for "memory → PWM FIFO, paced by the PWM's DREQ". */
export const TI_TO_PWM: u32 = (PWM_DREQ << 16) | TI_DEST_DREQ | TI_SRC_INC | TI_WAIT_RESP | TI_NO_WIDE_BURSTS;

/** Write a control block at linear-memory `cb`. All addresses are bus addresses. */
export function writeCb(cb: usize, ti: u32, src: u32, dst: u32, len: u32, next: u32): void {
  store<u32>(cb, ti, 0);
  store<u32>(cb, src, 4);
  store<u32>(cb, dst, 8);
  store<u32>(cb, len, 12);
  store<u32>(cb, 0, 16);
  store<u32>(cb, next, 20);
  store<u32>(cb, 0, 24);
  store<u32>(cb, 0, 28);
}

/** Reset the channel, enable it, and start it on the CB at bus address `cbBus`. */
export function start(cbBus: u32): void {
  write32(DMA_CS, CS_RESET);
  write32(DMA_ENABLE, read32(DMA_ENABLE) | (<u32>1 << CHANNEL));
  write32(DMA_CONBLK_AD, cbBus);
  // Priority 8, panic priority 8, wait for outstanding writes, go.
  write32(DMA_CS, CS_WAIT_FOR_OUTSTANDING_WRITES | (8 << 20) | (8 << 16) | CS_ACTIVE);
}

/** The CB the channel is working on (bus address; 0 when it has finished the chain). */
@inline export function currentCb(): u32 {
  return read32(DMA_CONBLK_AD);
}

@inline export function status(): u32 {
  return read32(DMA_CS);
}

/** Stop the channel. */
export function stop(): void {
  write32(DMA_CS, CS_ABORT);
  write32(DMA_CS, CS_RESET);
  write32(DMA_ENABLE, read32(DMA_ENABLE) & ~(<u32>1 << CHANNEL));
}

/**
 * DMA controller registers and the control-block layout.
 *
 * Each channel's registers sit at Block.DMA + channel * CHANNEL_STRIDE. A
 * channel runs a chain of control blocks (CBs): 8 words in RAM, 32-byte
 * aligned in bus address space, which the engine loads into TI..NEXTCONBK;
 * RAM as the engine sees it is `phys | 0xC0000000`, and only the first
 * 1 GiB is reachable. Sources: BCM2835 ARM peripherals ch. 4.2.1 (CB layout,
 * "must start at a 256 bit aligned address"); Linux drivers/dma/bcm2835-dma.c
 * (BCM2835_DMA_* bits, the same alignment comment); Linux bcm2711.dtsi
 * `dma-ranges = <0xc0000000 0x0 0x00000000 0x40000000>`.
 *
 * In piwave only the runtime (boot/abi.c, host/sim/abi.ts) writes these
 * registers: the firmware asks for transfers through the ABI's DMA service
 * (firmware/abi.ts), and the DMA window is not in its allow-list.
 */

/** Register offsets inside a channel, and the controller-wide registers. */
export const enum DmaReg {
  CS = 0x00,
  CONBLK_AD = 0x04,
  TI = 0x08,
  SOURCE_AD = 0x0c,
  DEST_AD = 0x10,
  TXFR_LEN = 0x14,
  STRIDE = 0x18,
  NEXTCONBK = 0x1c,
  DEBUG = 0x20,
  /** Distance between two channels' register sets. */
  CHANNEL_STRIDE = 0x100,
  /** Controller-wide: one interrupt bit per channel. */
  INT_STATUS = 0xfe0,
  /** Controller-wide: one enable bit per channel (0–14). */
  ENABLE = 0xff0,
  /** Size of the controller's register window: channels 0–14 and the controller-wide registers. */
  BLOCK_BYTES = 0x1000,
}

/** ENABLE: one bit per channel 0–14; all set at reset (as the model has it). */
export const enum DmaEnable {
  MASK = 0x7fff,
  RESET = 0x7fff,
}

/** CS fields. END and INT are write-1-to-clear; RESET and ABORT are one-shots that read back 0. */
export const enum DmaCs {
  ACTIVE = 1 << 0,
  END = 1 << 1,
  INT = 1 << 2,
  DREQ = 1 << 3,
  PAUSED = 1 << 4,
  ERROR = 1 << 8,
  PRIORITY_SHIFT = 16,
  PANIC_PRIORITY_SHIFT = 20,
  WAIT_FOR_OUTSTANDING_WRITES = 1 << 28,
  DISDEBUG = 1 << 29,
  ABORT = 1 << 30,
  RESET = 1 << 31,
}

/** TI fields (also word 0 of a control block). */
export const enum DmaTi {
  INTEN = 1 << 0,
  TDMODE = 1 << 1,
  WAIT_RESP = 1 << 3,
  DEST_INC = 1 << 4,
  DEST_WIDTH = 1 << 5,
  DEST_DREQ = 1 << 6,
  DEST_IGNORE = 1 << 7,
  SRC_INC = 1 << 8,
  SRC_WIDTH = 1 << 9,
  SRC_DREQ = 1 << 10,
  SRC_IGNORE = 1 << 11,
  PERMAP_SHIFT = 16,
  NO_WIDE_BURSTS = 1 << 26,
}

/** DEBUG error flags, write-1-to-clear (Linux BCM2835_DMA_DEBUG_*). */
export const enum DmaDebug {
  READ_LAST_NOT_SET_ERROR = 1 << 0,
  FIFO_ERROR = 1 << 1,
  READ_ERROR = 1 << 2,
  ERRORS = 0x7,
}

/** Control-block layout: byte offsets of its words, its size and alignment. */
export const enum DmaCb {
  TI = 0,
  SOURCE_AD = 4,
  DEST_AD = 8,
  TXFR_LEN = 12,
  STRIDE = 16,
  NEXTCONBK = 20,
  BYTES = 32,
  /** In bus address space (= physical address, the 0xC0000000 alias keeps the low bits). */
  ALIGN = 32,
}

/** RAM as the legacy DMA engines see it (bus = phys | RAM_ALIAS, phys below REACH). */
export const enum DmaBus {
  RAM_ALIAS = 0xc0000000,
  REACH = 0x40000000,
}

/**
 * Which channels the ARM may use. The VideoCore firmware hands the ARM the
 * channels of its `brcm,dma-channel-mask`, 0x07F5 on current boards
 * (channels 0, 2, 4–10; 1 and 3 are the VideoCore's, 11–14 are DMA4 and not
 * in the mask; Linux bcm2711.dtsi / bcm283x.dtsi). Of those, 0–6 are full
 * channels; 7–10 are DMA Lite (TXFR_LEN at most 65535 bytes, no 2D mode;
 * BCM2835 ARM peripherals 4.5). The DMA service admits the full channels in
 * the mask: 0, 2, 4, 5, 6.
 */
export const enum DmaChannels {
  FREE_MASK = 0x07f5,
  FULL_MASK = 0x007f,
  /** FREE_MASK & FULL_MASK: what the DMA service (firmware/abi.ts) accepts. */
  SERVICE_MASK = 0x0075,
  COUNT = 15,
}

/** The runtime's DMA service (firmware/abi.ts dma_start/dma_position/dma_stop). */
export const enum DmaService {
  /** Most blocks one dma_start may chain. */
  MAX_BLOCKS = 8,
  /** dma_start flag: after the last block the engine goes back to the first, until dma_stop. */
  RING = 1,
  /** dma_position: the channel is not running. */
  IDLE = 0xffffffff,
  /** dma_position: the engine stopped with an error (CS.ERROR). */
  FAILED = 0xfffffffe,
}

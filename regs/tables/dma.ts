/**
 * The DMA controller as a register table (regs/dma.ts has the rules and
 * sources): channels 0–14, each the same nine registers DMA<c>_CS …
 * DMA<c>_DEBUG at c × CHANNEL_STRIDE, then the controller-wide
 * DMA_INT_STATUS and DMA_ENABLE.
 *
 * Access as the simulator's model has it: TI … NEXTCONBK are loaded from
 * the control block (a write is ignored and reported); CS.END/INT and the
 * DEBUG error flags are write-1-to-clear; CS.RESET/ABORT are one-shots;
 * DMA_INT_STATUS is derived from each channel's CS.INT (cleared there).
 * Reset values are the model's (all channels idle; every channel enabled).
 */
import { DmaChannels, DmaCs, DmaDebug, DmaEnable, DmaReg, DmaTi } from "../dma.js";
import { type BlockDesc, type FieldDesc, type RegisterDesc, flag } from "./describe.js";

/** CS fields: the flags by bit, then the priorities (the trace prints them in this order). */
const CS_FIELDS: readonly FieldDesc[] = [
  flag("ACTIVE", DmaCs.ACTIVE),
  flag("END", DmaCs.END, "w1c"),
  flag("INT", DmaCs.INT, "w1c"),
  flag("DREQ", DmaCs.DREQ, "ro"),
  flag("PAUSED", DmaCs.PAUSED, "ro"),
  flag("ERROR", DmaCs.ERROR, "ro"),
  flag("WAIT_FOR_OUTSTANDING_WRITES", DmaCs.WAIT_FOR_OUTSTANDING_WRITES),
  flag("DISDEBUG", DmaCs.DISDEBUG),
  flag("ABORT", DmaCs.ABORT, "oneshot"),
  flag("RESET", DmaCs.RESET, "oneshot"),
  { name: "PRIORITY", lsb: DmaCs.PRIORITY_SHIFT, width: 4 },
  { name: "PANIC_PRIORITY", lsb: DmaCs.PANIC_PRIORITY_SHIFT, width: 4 },
];

/** TI fields (also a control block's word 0): the flags by bit, then PERMAP. */
const TI_FIELDS: readonly FieldDesc[] = [
  flag("INTEN", DmaTi.INTEN),
  flag("TDMODE", DmaTi.TDMODE),
  flag("WAIT_RESP", DmaTi.WAIT_RESP),
  flag("DEST_INC", DmaTi.DEST_INC),
  flag("DEST_WIDTH", DmaTi.DEST_WIDTH),
  flag("DEST_DREQ", DmaTi.DEST_DREQ),
  flag("DEST_IGNORE", DmaTi.DEST_IGNORE),
  flag("SRC_INC", DmaTi.SRC_INC),
  flag("SRC_WIDTH", DmaTi.SRC_WIDTH),
  flag("SRC_DREQ", DmaTi.SRC_DREQ),
  flag("SRC_IGNORE", DmaTi.SRC_IGNORE),
  flag("NO_WIDE_BURSTS", DmaTi.NO_WIDE_BURSTS),
  { name: "PERMAP", lsb: DmaTi.PERMAP_SHIFT, width: 5 },
];

const DEBUG_FIELDS: readonly FieldDesc[] = [
  flag("READ_LAST_NOT_SET_ERROR", DmaDebug.READ_LAST_NOT_SET_ERROR, "w1c"),
  flag("FIFO_ERROR", DmaDebug.FIFO_ERROR, "w1c"),
  flag("READ_ERROR", DmaDebug.READ_ERROR, "w1c"),
];

/** Channel `c`'s nine registers. */
function channel(c: number): RegisterDesc[] {
  const at = c * DmaReg.CHANNEL_STRIDE;
  const n = `DMA${c}_`;
  const fromCb = (name: string, offset: number): RegisterDesc => ({ name: n + name, offset: at + offset, access: "ro", reset: 0 });
  return [
    { name: n + "CS", offset: at + DmaReg.CS, access: "rw", reset: 0, fields: CS_FIELDS },
    { name: n + "CONBLK_AD", offset: at + DmaReg.CONBLK_AD, access: "rw", reset: 0 },
    { ...fromCb("TI", DmaReg.TI), fields: TI_FIELDS },
    fromCb("SOURCE_AD", DmaReg.SOURCE_AD),
    fromCb("DEST_AD", DmaReg.DEST_AD),
    fromCb("TXFR_LEN", DmaReg.TXFR_LEN),
    fromCb("STRIDE", DmaReg.STRIDE),
    fromCb("NEXTCONBK", DmaReg.NEXTCONBK),
    { name: n + "DEBUG", offset: at + DmaReg.DEBUG, access: "rw", reset: 0, fields: DEBUG_FIELDS },
  ];
}

export const DMA_BLOCK: BlockDesc = {
  name: "DMA",
  bytes: DmaReg.BLOCK_BYTES,
  registers: [
    ...Array.from({ length: DmaChannels.COUNT }, (_, c) => channel(c)).flat(),
    { name: "DMA_INT_STATUS", offset: DmaReg.INT_STATUS, access: "ro", reset: 0 },
    { name: "DMA_ENABLE", offset: DmaReg.ENABLE, access: "rw", reset: DmaEnable.RESET },
  ],
};

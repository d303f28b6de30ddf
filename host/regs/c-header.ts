/**
 * Generates boot/sandbox.h, the runtime's copy of the sandbox rules, from
 * the one description in regs/ (allow-list.ts, dma.ts, memory.ts): the MMIO
 * windows with a read and a write mask per board, the read-only registers'
 * names, the DMA destinations and channels, the DMA register and
 * control-block layout the runtime programs, and linear memory's alignment
 * and maximum. tests/sandbox-header.test.ts regenerates it and compares;
 * `npx tsx scripts/gen-sandbox-header.ts` rewrites it.
 */
import { ALLOW_LIST, DMA_DESTINATIONS, DMA_MAX_BLOCKS, DMA_SERVICE_CHANNELS, SANDBOX_BOARD_NAME, SANDBOX_PERIPHERAL_BASE, type SandboxBoard } from "../../regs/allow-list.js";
import { Block, PeripheralBase } from "../../regs/blocks.js";
import { DmaBus, DmaCb, DmaChannels, DmaCs, DmaDebug, DmaReg, DmaService, DmaTi } from "../../regs/dma.js";
import { LinearMemory } from "../../regs/memory.js";

const hex = (v: number) => "0x" + (v >>> 0).toString(16).toUpperCase().padStart(8, "0") + "u";
const hex64 = (v: bigint) => "0x" + v.toString(16).toUpperCase().padStart(16, "0") + "ull";

interface Window {
  block: string;
  base: number;
  size: number;
  read: bigint;
  write: bigint;
}

/** One window per block, from its first to its last allowed register; bit n of a mask = the word at base + 4n. */
export function windows(board: SandboxBoard): Window[] {
  const byBlock = new Map<number, { block: string; offsets: { offset: number; write: boolean }[] }>();
  for (const r of ALLOW_LIST[board]) {
    const e = byBlock.get(r.blockOffset) ?? { block: r.block, offsets: [] };
    e.offsets.push({ offset: r.offset, write: r.access === "rw" });
    byBlock.set(r.blockOffset, e);
  }
  const out: Window[] = [];
  for (const [blockOffset, e] of byBlock) {
    const first = Math.min(...e.offsets.map((o) => o.offset));
    const last = Math.max(...e.offsets.map((o) => o.offset));
    if ((last - first) / 4 >= 64) throw new Error(`allow-list window of ${e.block} spans more than 64 words`);
    let read = 0n;
    let write = 0n;
    for (const o of e.offsets) {
      const bit = 1n << BigInt((o.offset - first) / 4);
      read |= bit;
      if (o.write) write |= bit;
    }
    out.push({ block: e.block, base: (SANDBOX_PERIPHERAL_BASE[board] + blockOffset + first) >>> 0, size: last + 4 - first, read, write });
  }
  return out.sort((a, b) => a.base - b.base);
}

function boardPart(board: SandboxBoard): string[] {
  const base = SANDBOX_PERIPHERAL_BASE[board];
  const lines = [`#if PIWAVE_BOARD == ${board === "pi4" ? 4 : 3}`, `#define SANDBOX_BOARD_NAME "${SANDBOX_BOARD_NAME[board]}"`, "static const struct sandbox_window SANDBOX_WINDOWS[] = {"];
  for (const w of windows(board)) lines.push(`    {${hex(w.base)}, 0x${w.size.toString(16).toUpperCase()}u, ${hex64(w.read)}, ${hex64(w.write)}}, /* ${w.block} */`);
  lines.push("};", "static const struct sandbox_register SANDBOX_READ_ONLY[] = {");
  for (const r of ALLOW_LIST[board]) if (r.access === "r") lines.push(`    {${hex(base + r.blockOffset + r.offset)}, "${r.name}"},`);
  lines.push("};", "static const struct sandbox_dma_destination SANDBOX_DMA_DESTINATIONS[] = {");
  for (const d of DMA_DESTINATIONS[board]) lines.push(`    {${hex(base + d.offset)}, ${hex(PeripheralBase.BUS + d.offset)}, ${d.dreq}u, "${d.name}"},`);
  lines.push("};");
  return lines;
}

export function sandboxHeader(): string {
  const defs: [string, number][] = [
    ["SANDBOX_DMA_CHANNELS", DMA_SERVICE_CHANNELS],
    ["SANDBOX_DMA_FREE_MASK", DmaChannels.FREE_MASK],
    ["SANDBOX_DMA_MAX_BLOCKS", DMA_MAX_BLOCKS],
    ["DMA_SERVICE_RING", DmaService.RING],
    ["DMA_SERVICE_IDLE", DmaService.IDLE],
    ["DMA_SERVICE_FAILED", DmaService.FAILED],
    ["DMA_OFFSET", Block.DMA],
    ["DMA_CHANNEL_COUNT", DmaChannels.COUNT],
    ["DMA_CHANNEL_STRIDE", DmaReg.CHANNEL_STRIDE],
    ["DMA_CS", DmaReg.CS],
    ["DMA_CONBLK_AD", DmaReg.CONBLK_AD],
    ["DMA_DEBUG", DmaReg.DEBUG],
    ["DMA_ENABLE", DmaReg.ENABLE],
    ["DMA_CS_ACTIVE", DmaCs.ACTIVE],
    ["DMA_CS_ERROR", DmaCs.ERROR],
    ["DMA_CS_PRIORITY_SHIFT", DmaCs.PRIORITY_SHIFT],
    ["DMA_CS_PANIC_PRIORITY_SHIFT", DmaCs.PANIC_PRIORITY_SHIFT],
    ["DMA_CS_WAIT_FOR_OUTSTANDING_WRITES", DmaCs.WAIT_FOR_OUTSTANDING_WRITES],
    ["DMA_CS_ABORT", DmaCs.ABORT],
    ["DMA_CS_RESET", DmaCs.RESET],
    ["DMA_TI_WAIT_RESP", DmaTi.WAIT_RESP],
    ["DMA_TI_DEST_DREQ", DmaTi.DEST_DREQ],
    ["DMA_TI_SRC_INC", DmaTi.SRC_INC],
    ["DMA_TI_PERMAP_SHIFT", DmaTi.PERMAP_SHIFT],
    ["DMA_TI_NO_WIDE_BURSTS", DmaTi.NO_WIDE_BURSTS],
    ["DMA_DEBUG_ERRORS", DmaDebug.ERRORS],
    ["DMA_CB_TI", DmaCb.TI],
    ["DMA_CB_SOURCE_AD", DmaCb.SOURCE_AD],
    ["DMA_CB_DEST_AD", DmaCb.DEST_AD],
    ["DMA_CB_TXFR_LEN", DmaCb.TXFR_LEN],
    ["DMA_CB_STRIDE", DmaCb.STRIDE],
    ["DMA_CB_NEXTCONBK", DmaCb.NEXTCONBK],
    ["DMA_CB_BYTES", DmaCb.BYTES],
    ["DMA_CB_ALIGN", DmaCb.ALIGN],
    ["DMA_BUS_RAM_ALIAS", DmaBus.RAM_ALIAS],
    ["DMA_BUS_REACH", DmaBus.REACH],
    ["LINEAR_MEMORY_ALIGN", LinearMemory.ALIGN],
    ["LINEAR_MEMORY_MAX_PAGES", LinearMemory.MAX_PAGES],
  ];
  const lines = [
    "/*",
    " * sandbox.h — GENERATED from regs/ by host/regs/c-header.ts. Do not edit:",
    " * change regs/ and run `npx tsx scripts/gen-sandbox-header.ts`",
    " * (tests/sandbox-header.test.ts fails while this file is stale).",
    " *",
    " * The firmware's MMIO allow-list per board (a window per block; bit n of a",
    " * mask is the word at base + 4n), the read-only registers, where DMA may",
    " * write, the DMA layout the runtime's DMA service programs, and linear",
    " * memory's alignment and maximum. The simulator reads the same regs/ files.",
    " */",
    "#ifndef PIWAVE_SANDBOX_H",
    "#define PIWAVE_SANDBOX_H",
    "#include <stdint.h>",
    "",
    "struct sandbox_window {",
    "  uint32_t base;",
    "  uint32_t size;",
    "  uint64_t read_mask;",
    "  uint64_t write_mask;",
    "};",
    "struct sandbox_register {",
    "  uint32_t addr;",
    "  const char* name;",
    "};",
    "struct sandbox_dma_destination {",
    "  uint32_t addr; /* ARM physical, as the firmware names it */",
    "  uint32_t bus;  /* as the DMA engine writes it */",
    "  uint32_t dreq; /* TI.PERMAP */",
    "  const char* name;",
    "};",
    "",
    ...defs.map(([n, v]) => `#define ${n} ${/_SHIFT$|MAX_|_BYTES$|_ALIGN$/.test(n) && n !== "LINEAR_MEMORY_ALIGN" ? v + "u" : hex(v)}`),
    "",
    ...boardPart("pi4"),
    "#elif PIWAVE_BOARD == 3",
    ...boardPart("pi3").slice(1),
    "#else",
    '#error "PIWAVE_BOARD must be 3 or 4"',
    "#endif",
    "",
    "#endif",
    "",
  ];
  return lines.join("\n");
}

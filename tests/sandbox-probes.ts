/**
 * The sandbox probes (tests/firmware/probes/*.ts) and the verdict each must
 * get, word for word, from the simulator (tests/sandbox.test.ts) and from
 * the bare-metal runtime under QEMU (tests/sandbox-qemu.test.ts).
 */
import { join } from "node:path";
import type { BoardName } from "../host/boards.js";
import { ROOT, buildWasm } from "../host/firmware.js";

export interface Probe {
  name: string;
  /** Extra asc flags (e.g. a larger declared memory). */
  flags?: string[];
  /** Expected halt code on `board`. */
  halt: (board: BoardName) => number;
  /** The runtime's report line (F …, or the probe's own I line), exactly. */
  line: (board: BoardName) => string;
  /**
   * kernel8.img's line where its words differ from the simulator's (a wasm
   * trap's name: wasm2c's where the simulator has V8's); else `line`.
   */
  kernelLine?: (board: BoardName) => string;
}

const base = (b: BoardName) => (b === "pi4" ? 0xfe000000 : 0x3f000000);
const pwm = (b: BoardName) => base(b) + (b === "pi4" ? 0x20c800 : 0x20c000);
const hex8 = (v: number) => "0x" + (v >>> 0).toString(16).padStart(8, "0");
const soc = (b: BoardName) => (b === "pi4" ? "pi4 (BCM2711)" : "pi3 (BCM2837)");
const notAllowed = (b: BoardName, rw: "read of" | "write to", addr: number) => `F mmio: refused ${rw} ${hex8(addr)}: not in the sandbox's allow-list for ${soc(b)}`;
/** The probes' linear memory at start: 3 pages (asc's static data and stack; the grow probe reports it). */
const MEMORY_BYTES = 3 * 65536;

export const PROBES: Probe[] = [
  { name: "cm-other-clock", halt: () => 4, line: (b) => notAllowed(b, "read of", base(b) + 0x101070) },
  { name: "a2w-pll", halt: () => 4, line: (b) => notAllowed(b, "write to", base(b) + 0x102140) },
  { name: "pwm-hole", halt: () => 4, line: (b) => notAllowed(b, "read of", pwm(b) + 0x0c) },
  { name: "gpio-unused", halt: () => 4, line: (b) => notAllowed(b, "write to", base(b) + 0x200040) },
  { name: "irq", halt: () => 4, line: (b) => notAllowed(b, "read of", base(b) + 0xb200) },
  { name: "timer-write", halt: () => 4, line: (b) => `F mmio: refused write to ${hex8(base(b) + 0x3004)}: ST_CLO is read-only for the firmware` },
  { name: "unaligned", halt: () => 4, line: (b) => `F mmio: refused read of ${hex8(pwm(b) + 6)}: not 4-byte aligned` },
  { name: "dma-register", halt: () => 4, line: (b) => notAllowed(b, "write to", base(b) + 0x7504) },
  { name: "dma-source-outside", halt: () => 4, line: () => `F dma: refused dma_start on channel 5: block 0 (${hex8(MEMORY_BYTES - 64)}+128) is outside linear memory (${MEMORY_BYTES} bytes)` },
  { name: "dma-dest-ram", halt: () => 4, line: (b) => `F dma: refused dma_start on channel 5: destination 0x00080000 is not a DMA destination of ${soc(b)}` },
  { name: "dma-dest-irq", halt: () => 4, line: (b) => `F dma: refused dma_start on channel 5: destination ${hex8(base(b) + 0xb210)} is not a DMA destination of ${soc(b)}` },
  { name: "dma-channel", halt: () => 4, line: () => "F dma: refused dma_start on channel 1: not a channel the runtime lends (0, 2, 4, 5, 6: full channels in the VideoCore's free mask 0x07f5)" },
  { name: "dma-accepted", halt: () => 0, line: () => "" },
  { name: "cache-clean-outside", halt: () => 4, line: () => `F abi: cache_clean: range ${hex8(MEMORY_BYTES - 16)}+4096 is outside linear memory (${MEMORY_BYTES} bytes)` },
  {
    name: "grow",
    halt: () => 0,
    line: () => "I probe: size=3 to_max=3 plus_1=-1 plus_65536=-1 plus_4g_minus_1=-1 wrap_to_0=-1 size_after=256 last_word_ok=1",
  },
  {
    name: "grow-4gib",
    flags: ["--maximumMemory", "65536"],
    halt: () => 4,
    line: () => "F runtime: the firmware declares no maximum memory; the sandbox allows at most 256 (build with --maximumMemory 256 or less)",
  },
  { name: "recursion", halt: () => 5, line: () => "F trap: wasm trap: call stack exhausted" },
  // Out-of-bounds loads and stores: kernel8.img checks them with the MMU, not with compares (boot/mmu.c).
  ...["oob-load-end", "oob-load-straddle", "oob-store-far", "oob-store-2gib", "oob-grown", "oob-fill"].map(
    (name): Probe => ({
      name,
      halt: () => 5,
      line: () => "F trap: wasm trap: memory access out of bounds",
      kernelLine: () => "F trap: wasm trap: out-of-bounds access in linear memory or a table",
    }),
  ),
  { name: "pactl", halt: (b) => (b === "pi4" ? 0 : 4), line: (b) => (b === "pi4" ? "" : notAllowed(b, "read of", base(b) + 0x204e00)) },
];

/** Build probe `p` for `board` into `dir`; returns the .wasm path. */
export async function buildProbe(p: Probe, board: BoardName, dir: string): Promise<string> {
  return (await buildWasm(join(ROOT, "tests", "firmware", "probes", `${p.name}.ts`), board, join(dir, `${p.name}-${board}.wasm`), { extraFlags: p.flags })).path;
}

/**
 * The report line among `lines`: the first `F` line, else the probe's own
 * `I probe:` line, else "". The runtime's trap line ends with the heap it
 * used, which the simulator cannot know: that suffix is left out.
 */
export function reportLine(lines: string[]): string {
  const line = lines.find((l) => l.startsWith("F ")) ?? lines.find((l) => l.startsWith("I probe:")) ?? "";
  return line.replace(/^(F trap: .*) \(heap used \d+ bytes\)$/, "$1");
}

/**
 * Where everything lives in the Pi's RAM while piwave plays: the one
 * definition of the memory map. The kernel build passes these addresses to
 * clang (-D) and ld.lld (--defsym), config.txt tells the GPU firmware where
 * to load the music and any device tree, the QEMU runner loads the music at
 * the same address, and `piwave build` checks the music against the
 * board's budget from here. docs/memory-map.md explains each region and
 * where its numbers come from.
 *
 * The map is sized for the smallest board of each family with the default
 * GPU memory split (config.txt `gpu_mem`: 76 MiB on boards with 1 GiB or
 * more, 64 MiB below that — Raspberry Pi documentation, config.txt "Memory
 * options"): the GPU takes the top of the first GiB, the ARM gets the rest.
 *   - Pi 4 (BCM2711), smallest 1 GiB: ARM RAM 0 .. 1024 − 76 MiB = 0x3B400000.
 *   - Pi 3 family (BCM2837), smallest the 3 A+ with 512 MB: ARM RAM 0 ..
 *     512 − 64 MiB = 0x1C000000 (a 1 GiB Pi 3 B has more; the map does not
 *     rely on it).
 * Everything the runtime uses stays below 1 GiB (the DMA engines' reach,
 * bus alias 0xC0000000) and is identity-mapped by boot/mmu.c.
 */
import type { BoardName } from "./boards.js";

/** The music's file name on the boot partition: an 8.3 name, which every FAT reader handles. */
export const MUSIC_FILE = "music.pwb";

export interface Region {
  name: string;
  start: number;
  /** First byte after the region. */
  end: number;
  what: string;
}

export interface MemoryMap {
  board: BoardName;
  /** Where the GPU firmware loads kernel8.img (config.txt kernel_address) and jumps to. */
  kernelBase: number;
  /** kernel8.img with its .bss, stack and page tables must end below this (boot/link.ld asserts it). */
  kernelLimit: number;
  /** The runtime's heap (wasm linear memory, tables): boot/libc.c allocates in [heapStart, heapEnd). */
  heapStart: number;
  heapEnd: number;
  /** The window any device tree goes into (config.txt device_tree_address / device_tree_end). */
  deviceTreeStart: number;
  deviceTreeEnd: number;
  /** The music file (config.txt `initramfs music.pwb <musicBase>`); it may fill [musicBase, musicEnd). */
  musicBase: number;
  musicEnd: number;
  /** Top of the ARM's RAM on the smallest board of the family with the default GPU split. */
  armRamTop: number;
  regions: Region[];
}

const MIB = 1024 * 1024;

/** ARM RAM top on the smallest board of each family, default gpu_mem (see the module doc). */
const ARM_RAM_TOP: Record<BoardName, number> = {
  pi4: (1024 - 76) * MIB, // 0x3B400000
  pi3: (512 - 64) * MIB, // 0x1C000000
};

/** Room left unused between the music and the GPU's memory. */
const TOP_GUARD: Record<BoardName, number> = {
  pi4: 20 * MIB,
  pi3: 16 * MIB,
};

export function memoryMap(board: BoardName): MemoryMap {
  const kernelBase = 0x0008_0000;
  const kernelLimit = 0x0100_0000;
  const heapStart = kernelLimit;
  const heapEnd = 0x0500_0000;
  const deviceTreeStart = heapEnd;
  const deviceTreeEnd = deviceTreeStart + MIB;
  const musicBase = 0x0600_0000;
  const armRamTop = ARM_RAM_TOP[board];
  const musicEnd = armRamTop - TOP_GUARD[board];
  const regions: Region[] = [
    { name: "Pi firmware stub", start: 0, end: kernelBase, what: "the GPU firmware's ARM stub: spin tables of cores 1-3 at 0xd8-0xf0, device tree pointer at 0xf8 (never written by piwave)" },
    { name: "kernel", start: kernelBase, end: kernelLimit, what: "kernel8.img (code, data), .bss, the 1 MiB stack, page tables" },
    { name: "heap", start: heapStart, end: heapEnd, what: "the runtime's heap: the firmware's wasm linear memory and tables" },
    { name: "device tree", start: deviceTreeStart, end: deviceTreeEnd, what: "any device tree the GPU firmware finds on the card (piwave ships none)" },
    { name: "unused", start: deviceTreeEnd, end: musicBase, what: "guard" },
    { name: "music", start: musicBase, end: musicEnd, what: `${MUSIC_FILE}, loaded by the GPU firmware (config.txt initramfs)` },
    { name: "unused", start: musicEnd, end: armRamTop, what: "guard below the GPU's memory" },
  ];
  return { board, kernelBase, kernelLimit, heapStart, heapEnd, deviceTreeStart, deviceTreeEnd, musicBase, musicEnd, armRamTop, regions };
}

/** Most bytes of music a card for `board` can carry. */
export function musicBudgetBytes(board: BoardName): number {
  const m = memoryMap(board);
  return m.musicEnd - m.musicBase;
}

export function hex(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(8, "0")}`;
}

/** The map as C preprocessor definitions for the runtime (boot/board.h documents each). */
export function clangDefines(m: MemoryMap): string[] {
  return [
    `-DPIWAVE_KERNEL_LIMIT=${hex(m.kernelLimit)}u`,
    `-DPIWAVE_HEAP_START=${hex(m.heapStart)}u`,
    `-DPIWAVE_HEAP_END=${hex(m.heapEnd)}u`,
    `-DPIWAVE_MUSIC_BASE=${hex(m.musicBase)}u`,
    `-DPIWAVE_MUSIC_END=${hex(m.musicEnd)}u`,
  ];
}

/** The map as ld.lld symbol definitions (boot/link.ld uses and checks them). */
export function linkerDefines(m: MemoryMap): string[] {
  return [`--defsym=PIWAVE_KERNEL_BASE=${hex(m.kernelBase)}`, `--defsym=PIWAVE_KERNEL_LIMIT=${hex(m.kernelLimit)}`, `--defsym=PIWAVE_HEAP_START=${hex(m.heapStart)}`];
}

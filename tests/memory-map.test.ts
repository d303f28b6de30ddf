// The memory map and config.txt: what the GPU firmware is told, and whether the regions can hold.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BOARD_NAMES } from "../host/boards.js";
import { configTxt } from "../host/config-txt.js";
import { loadFirmware } from "../host/firmware.js";
import { MUSIC_FILE, clangDefines, linkerDefines, memoryMap, musicBudgetBytes } from "../host/memory-map.js";

const GIB = 1024 * 1024 * 1024;

/** `key=value` lines of a config.txt, comments and blanks dropped. */
function settings(text: string): string[] {
  return text.split("\n").filter((l) => l && !l.startsWith("#"));
}

describe("config.txt (issue 11.5)", () => {
  it("a Pi 4 card: 64-bit, kernel_address=0x80000 explicitly, the music and device tree at the map's addresses, low peripherals", () => {
    const m = memoryMap("pi4");
    const text = configTxt("pi4");
    expect(text.split("\n")[0]).toBe("# piwave: Raspberry Pi 4 (BCM2711) boot configuration for the bare-metal player.");
    expect(settings(text)).toEqual([
      "arm_64bit=1",
      "kernel=kernel8.img",
      "kernel_address=0x80000",
      `initramfs ${MUSIC_FILE} 0x06000000`,
      "device_tree_address=0x05000000",
      "device_tree_end=0x05100000",
      "arm_peri_high=0",
      "init_uart_clock=48000000",
      "enable_uart=1",
    ]);
    expect(m.musicBase).toBe(0x0600_0000);
    // The reason is written next to the line.
    expect(text).toMatch(/documentation gives 0x200000 as\n# the 64-bit default/);
  });

  it("a Pi 3 card gets a Pi 3 config.txt (no Pi 4 header, no arm_peri_high)", () => {
    const text = configTxt("pi3");
    expect(text).toMatch(/^# piwave: Raspberry Pi 3 \(BCM2837\) boot configuration/);
    expect(text).not.toMatch(/Raspberry Pi 4|BCM2711/);
    expect(settings(text)).not.toContain("arm_peri_high=0");
    expect(settings(text)).toContain("kernel_address=0x80000");
    expect(settings(text)).toContain(`initramfs ${MUSIC_FILE} 0x06000000`);
  });

  it("says which core starts the kernel: core 0 only (the others wait in the firmware's stub), not every core", () => {
    for (const b of BOARD_NAMES) {
      const text = configTxt(b);
      expect(text).not.toMatch(/every core/);
      expect(text).toMatch(/starts core 0 at the image's first byte/);
      expect(text).not.toMatch(/reference \u00a7|\.\.\/share[d]/);
    }
  });

  it("the initramfs line has the firmware's syntax: no '=', file then address", () => {
    for (const b of BOARD_NAMES) expect(configTxt(b)).toMatch(/^initramfs music\.pwb 0x[0-9A-F]{8}$/m);
  });
});

describe("the memory map", () => {
  for (const b of BOARD_NAMES) {
    it(`${b}: regions in order, touching, none overlapping, all below the GPU's memory on the smallest board and below 1 GiB (DMA reach)`, () => {
      const m = memoryMap(b);
      expect(m.regions[0]!.start).toBe(0);
      for (let i = 1; i < m.regions.length; i++) expect(m.regions[i]!.start, m.regions[i]!.name).toBe(m.regions[i - 1]!.end);
      for (const r of m.regions) expect(r.end, r.name).toBeGreaterThan(r.start);
      expect(m.regions.at(-1)!.end).toBe(m.armRamTop);
      expect(m.armRamTop).toBeLessThanOrEqual(GIB);
      // The smallest board of each family with the default GPU split (76 MiB on 1 GiB, 64 MiB on 512 MB).
      expect(m.armRamTop).toBe(b === "pi4" ? 0x3b40_0000 : 0x1c00_0000);
      const music = m.regions.find((r) => r.name === "music")!;
      const dtb = m.regions.find((r) => r.name === "device tree")!;
      const heap = m.regions.find((r) => r.name === "heap")!;
      expect([music.start, music.end]).toEqual([m.musicBase, m.musicEnd]);
      expect(dtb.end).toBeLessThanOrEqual(music.start);
      expect(heap.end).toBeLessThanOrEqual(dtb.start);
      expect(m.kernelBase).toBe(0x80000);
      expect(musicBudgetBytes(b)).toBe(m.musicEnd - m.musicBase);
    });

    it(`${b}: the heap holds the firmware's linear memory with room to spare`, () => {
      const m = memoryMap(b);
      const mod = new WebAssembly.Module(loadFirmware(b));
      const mem = WebAssembly.Module.exports(mod).find((e) => e.kind === "memory");
      expect(mem).toBeDefined();
      const inst = new WebAssembly.Instance(mod, {
        env: new Proxy({}, { get: () => () => 0 }),
      } as WebAssembly.Imports);
      const bytes = (inst.exports.memory as WebAssembly.Memory).buffer.byteLength;
      expect(bytes * 8).toBeLessThan(m.heapEnd - m.heapStart);
    });
  }

  it("the runtime gets the same numbers (clang and lld definitions), never its own copy", () => {
    const m = memoryMap("pi4");
    expect(clangDefines(m)).toContain("-DPIWAVE_MUSIC_BASE=0x06000000u");
    expect(clangDefines(m)).toContain(`-DPIWAVE_MUSIC_END=0x${m.musicEnd.toString(16).toUpperCase()}u`);
    expect(linkerDefines(m)).toContain("--defsym=PIWAVE_HEAP_START=0x01000000");
    const boardH = readFileSync(new URL("../boot/board.h", import.meta.url), "utf8");
    expect(boardH).not.toMatch(/#define\s+(HEAP_END|MUSIC_BASE|MUSIC_END)\s+0x/);
    expect(readFileSync(new URL("../boot/link.ld", import.meta.url), "utf8")).toMatch(/ASSERT\(__kernel_end <= PIWAVE_KERNEL_LIMIT/);
  });
});

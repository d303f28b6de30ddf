// The sandbox probes booted for real: the bare-metal runtime under QEMU raspi3b gives each the
// same verdict, line for line, and the same halt code as the simulator (tests/sandbox.test.ts).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../host/firmware.js";
import { buildKernel } from "../host/kernel.js";
import { runQemu } from "../host/qemu.js";
import { simulate } from "../host/sim/machine.js";
import { PROBES, buildProbe, reportLine } from "./sandbox-probes.js";
import { tempDir } from "./temp.js";

const board = "pi3" as const;
const dir = tempDir("piwave-probes-qemu-");
// The probes play no music: the runtime checks the music file only when a firmware asks for it.
const KCACHE = join(ROOT, "build", "test-kernel-cache");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sandbox probes under QEMU raspi3b (the bare-metal runtime)", () => {
  for (const p of PROBES) {
    const line = (p.kernelLine ?? p.line)(board);
    it(`${p.name}: halt ${p.halt(board)}${line ? `, "${line}"` : ""}`, async () => {
      const wasmPath = await buildProbe(p, board, dir);
      const k = await buildKernel({ board, qemuExit: true, wasmPath, cacheDir: KCACHE });
      const r = await runQemu({ image: k.image, timeoutSec: 60, untilDone: true });
      expect(r.timedOut).toBe(false);
      expect({ halt: r.haltCode, exit: r.exitCode, line: reportLine(r.lines) }).toEqual({ halt: p.halt(board), exit: p.halt(board), line });
      // The runtime kept its own memory rule: linear memory on a 64 KiB boundary.
      const at = r.lines.find((l) => l.startsWith("I runtime: linear memory at "));
      expect(at).toMatch(/^I runtime: linear memory at 0x[0-9a-f]{4}0000, 3 pages, at most (256|65536)$/);
      // ... and mapped once more where the MMU checks its bounds (boot/mmu.c): the firmware's loads and stores have no compares.
      if (p.halt(board) !== 4 || !p.line(board).startsWith("F runtime: the firmware declares")) {
        expect(r.lines).toContain("I runtime: linear memory mapped at 0x400000000, bounds checked by the MMU (unmapped guard range after it)");
      }
    }, 120_000);
  }
});

describe("the runtime's DMA service under QEMU", () => {
  it("programs the channel itself (its accesses are in the MMIO trace) with a 32-byte-aligned control block outside linear memory", async () => {
    const p = PROBES.find((x) => x.name === "dma-accepted")!;
    const wasmPath = await buildProbe(p, board, dir);
    const k = await buildKernel({ board, qemuExit: true, mmioTrace: true, wasmPath, cacheDir: KCACHE });
    const r = await runQemu({ image: k.image, timeoutSec: 60, untilDone: true });
    expect(r.haltCode).toBe(0);
    const ch5 = 0x3f007500;
    const w = (addr: number) => r.trace.filter((e) => e.write && e.addr === addr).map((e) => e.value);
    expect(w(ch5)).toEqual([0x80000000, 0x10880001, 0x40000000, 0x80000000]); // reset, go; abort, reset
    expect(w(ch5 + 0x20)).toEqual([0x7]);
    const [cb] = w(ch5 + 0x04);
    expect(cb! % 32).toBe(0);
    expect(cb! >>> 30).toBe(3); // a RAM bus address
    const linear = Number.parseInt(r.lines.find((l) => l.startsWith("I runtime: linear memory at "))!.match(/at 0x([0-9a-f]+)/)![1]!, 16);
    const phys = cb! & 0x3fffffff;
    expect(phys >= linear && phys < linear + 256 * 65536).toBe(false);
    // The simulator's service writes the same DMA registers with the same values, in the same order
    // (the control block's address aside: each keeps it in its own runtime memory; of DMA_ENABLE,
    // channel 5's bit: QEMU resets the register to 0xFFFF, the model to channels 0-14).
    const dmaWrites = (t: { write: boolean; addr: number; value: number }[]) =>
      t
        .filter((e) => e.write && e.addr >= 0x3f007000 && e.addr < 0x3f008000)
        .map((e) => [e.addr, e.addr === ch5 + 0x04 ? "CB" : e.addr === 0x3f007ff0 ? e.value & (1 << 5) : e.value]);
    const sim = simulate({ board, wasm: new Uint8Array(readFileSync(wasmPath)), bundle: new Uint8Array(16), trace: 100_000 });
    expect(sim.haltCode).toBe(0);
    expect(dmaWrites([...sim.machine.trace!.entries()])).toEqual(dmaWrites(r.trace));
  }, 120_000);
});

// The sandbox probes booted for real: the bare-metal runtime under QEMU raspi3b gives each the
// same verdict, line for line, and the same halt code as the simulator (tests/sandbox.test.ts).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildKernel } from "../host/kernel.js";
import { runQemu } from "../host/qemu.js";
import { PROBES, buildProbe, reportLine } from "./sandbox-probes.js";

const board = "pi3" as const;
const dir = mkdtempSync(join(tmpdir(), "piwave-probes-qemu-"));
const bundlePath = join(dir, "empty.pwb");
writeFileSync(bundlePath, new Uint8Array(16));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sandbox probes under QEMU raspi3b (the bare-metal runtime)", () => {
  for (const p of PROBES) {
    it(`${p.name}: halt ${p.halt(board)}${p.line(board) ? `, "${p.line(board)}"` : ""}`, async () => {
      const wasmPath = await buildProbe(p, board, dir);
      const k = await buildKernel({ board, bundlePath, qemuExit: true, wasmPath, workDir: join(dir, p.name) });
      const r = await runQemu({ image: k.image, timeoutSec: 60, untilDone: true });
      expect(r.timedOut).toBe(false);
      expect({ halt: r.haltCode, exit: r.exitCode, line: reportLine(r.lines) }).toEqual({ halt: p.halt(board), exit: p.halt(board), line: p.line(board) });
      // The runtime kept its own memory rule: linear memory on a 64 KiB boundary.
      const at = r.lines.find((l) => l.startsWith("I runtime: linear memory at "));
      expect(at).toMatch(/^I runtime: linear memory at 0x[0-9a-f]{4}0000, 3 pages, at most (256|65536)$/);
    }, 120_000);
  }
});

// The sandbox probes on the simulator: each gets exactly the verdict and halt code the runtime gives
// (tests/sandbox-qemu.test.ts checks the same table under QEMU).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BOARD_NAMES } from "../host/boards.js";
import { simulate } from "../host/sim/machine.js";
import { PROBES, buildProbe, reportLine } from "./sandbox-probes.js";
import { tempDir } from "./temp.js";

const dir = tempDir("piwave-probes-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sandbox probes on the simulator", () => {
  for (const board of BOARD_NAMES) {
    for (const p of PROBES) {
      it(`${board} ${p.name}: halt ${p.halt(board)}${p.line(board) ? `, "${p.line(board)}"` : ""}`, async () => {
        const wasm = new Uint8Array(readFileSync(await buildProbe(p, board, dir)));
        const r = simulate({ board, wasm, bundle: new Uint8Array(16), maxSeconds: 5 });
        expect({ halt: r.haltCode, line: r.error ?? reportLine(r.lines) }).toEqual({ halt: p.halt(board), line: p.line(board) });
        expect(r.violations).toEqual([]);
      });
    }
  }
});

describe("a firmware that stops for good with a DMA ring running", () => {
  for (const board of BOARD_NAMES) {
    it(`${board}: the ring is aborted, reset and disabled when it traps (as runtime_halt does), so no old sound loops`, async () => {
      const probe = { name: "dma-ring-trap", halt: () => 5, line: () => "F trap: wasm trap: unreachable" };
      const wasm = new Uint8Array(readFileSync(await buildProbe(probe, board, dir)));
      const r = simulate({ board, wasm, bundle: new Uint8Array(16), trace: 10_000 });
      expect(r.haltCode).toBe(5);
      expect(r.error).toMatch(/^F trap: wasm trap: unreachable/);
      const m = r.machine;
      const ch5 = m.board.peripheralBase + 0x7500;
      expect(m.bus.read(ch5) & 1).toBe(0); // not active
      expect(m.bus.read(m.board.peripheralBase + 0x7ff0) & (1 << 5)).toBe(0); // disabled
      const writes = [...m.trace!.entries()].filter((e) => e.write && e.addr === ch5).map((e) => e.value >>> 0);
      expect(writes.slice(-2)).toEqual([0x40000000, 0x80000000]); // ABORT, RESET
    });
  }
});

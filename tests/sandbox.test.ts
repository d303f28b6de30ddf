// The sandbox probes on the simulator: each gets exactly the verdict and halt code the runtime gives
// (tests/sandbox-qemu.test.ts checks the same table under QEMU).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BOARD_NAMES } from "../host/boards.js";
import { simulate } from "../host/sim/machine.js";
import { PROBES, buildProbe, reportLine } from "./sandbox-probes.js";

const dir = mkdtempSync(join(tmpdir(), "piwave-probes-"));
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

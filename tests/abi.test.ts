// The ABI is one list: firmware/abi.ts declares it, host/sim/abi.ts implements it,
// and the built module imports nothing else (no env.abort/seed/trace shims).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BOARD_NAMES } from "../host/boards.js";
import { loadFirmware } from "../host/firmware.js";
import { ABI_IMPORTS } from "../host/sim/abi.js";
import { memoryLimits } from "../host/sim/memory-limits.js";

const abiSource = readFileSync(new URL("../firmware/abi.ts", import.meta.url), "utf8");
const declared = [...abiSource.matchAll(/@external\("env", "(\w+)"\)\s*export declare function (\w+)\(([^)]*)\): (\w+)/g)];

describe("firmware ABI", () => {
  it("firmware/abi.ts and the simulator implement the same list", () => {
    expect(declared.length).toBeGreaterThan(0);
    expect(declared.map((m) => m[1]).sort()).toEqual(Object.keys(ABI_IMPORTS).sort());
    for (const m of declared) expect(m[1]).toBe(m[2]); // import name = function name
  });

  it("every import is documented in the table at the top of firmware/abi.ts", () => {
    for (const name of Object.keys(ABI_IMPORTS)) expect(abiSource).toMatch(new RegExp(`\\| ${name}\\s+\\|`));
  });

  it("signatures agree between firmware/abi.ts and the simulator", () => {
    for (const m of declared) {
      const params = m[3]!.trim() === "" ? [] : m[3]!.split(",");
      const ret = m[4] === "void" ? "nil" : "i32";
      expect(ABI_IMPORTS[m[1] as keyof typeof ABI_IMPORTS]).toBe(`(${params.map(() => "i32").join(", ")}) -> ${ret}`);
    }
  });

  for (const board of BOARD_NAMES) {
    it(`${board} build imports only ABI functions from env and exports main + memory`, () => {
      const mod = new WebAssembly.Module(loadFirmware(board));
      const imports = WebAssembly.Module.imports(mod);
      expect(imports.length).toBeGreaterThan(0);
      for (const imp of imports) {
        expect(imp.module).toBe("env");
        expect(imp.kind).toBe("function");
        expect(Object.keys(ABI_IMPORTS)).toContain(imp.name);
      }
      const names = imports.map((i) => i.name);
      for (const shim of ["abort", "seed", "trace"]) expect(names).not.toContain(shim);
      const exports = WebAssembly.Module.exports(mod).map((e) => e.name);
      expect(exports).toContain("main");
      expect(exports).toContain("memory");
    });

    it(`${board} build declares the sandbox's memory maximum (256 pages, regs/memory.ts)`, () => {
      expect(memoryLimits(loadFirmware(board))).toEqual({ initial: expect.any(Number), maximum: 256 });
    });
  }
});

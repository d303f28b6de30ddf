// Compiled firmware is kept by its sources' key (host/firmware.ts): sources
// that come back after another build took the output's place (two branches'
// checkouts sharing the cache, the benchmark's variants) are copied back, not
// compiled again; the copies per name are bounded.
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildWasm } from "../host/firmware.js";
import { tempDir } from "./temp.js";

const saved = process.env.PIWAVE_CACHE_DIR;
afterEach(() => {
  if (saved === undefined) delete process.env.PIWAVE_CACHE_DIR;
  else process.env.PIWAVE_CACHE_DIR = saved;
});

describe("kept firmware builds", () => {
  it("sources that come back are restored from the kept copy; the output and its hash then match that build", async () => {
    const dir = tempDir("piwave-kept-");
    process.env.PIWAVE_CACHE_DIR = join(dir, "cache");
    const entry = join(dir, "tiny.ts");
    const out = join(dir, "cache", "build", "firmware", "tiny-pi4.wasm");
    const source = (n: number) => `export function answer(): i32 { return ${n}; }\n`;

    writeFileSync(entry, source(1));
    const first = await buildWasm(entry, "pi4", out);
    expect(first.rebuilt).toBe(true);
    const one = readFileSync(out);
    const hashOne = readFileSync(out + ".hash", "utf8");

    writeFileSync(entry, source(2));
    expect((await buildWasm(entry, "pi4", out)).rebuilt).toBe(true);
    expect(readFileSync(out).equals(one)).toBe(false);
    expect(existsSync(out.replace(/\.wasm$/, ".wat"))).toBe(true);

    writeFileSync(entry, source(1));
    const back = await buildWasm(entry, "pi4", out);
    expect(back.rebuilt).toBe(false);
    expect(readFileSync(out).equals(one)).toBe(true);
    expect(readFileSync(out + ".hash", "utf8")).toBe(hashOne);
    // The text listing was the other build's: gone rather than wrong.
    expect(existsSync(out.replace(/\.wasm$/, ".wat"))).toBe(false);
    const kept = readdirSync(join(dirname(out), "by-content"));
    expect(kept.filter((f) => f.startsWith("tiny-pi4-"))).toHaveLength(2);
  }, 120_000);
});


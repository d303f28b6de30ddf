// The register description is written once, in regs/ (and the headers generated from it): no block's address,
// no peripheral address and no halt-code table may reappear in the firmware, the host, the runtime or the
// tests. Comments and strings may mention addresses (documentation, expected log text); code may not.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../host/firmware.js";
import { Block } from "../regs/blocks.js";
import { HALT_NAMES } from "../regs/halt-names.js";

const SCANNED = ["firmware", "host", "boot", "tests"];
const EXTENSIONS = /\.(ts|mts|mjs|c|h|S)$/;
/** Generated from regs/ (their own tests compare them with the generators' output). */
const GENERATED = new Set(["boot/regs.h", "boot/sandbox.h"]);
/** Literals that mean something else in one file, with why. */
const ELSEWHERE: Record<string, { literal: string; why: string }[]> = {
  "tests/memory-map.test.ts": [{ literal: "0x200000", why: "config.txt's text about the kernel's default load address, not the GPIO block" }],
};

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (EXTENSIONS.test(name)) out.push(p);
  }
  return out;
}

/** `text` without comments and without the contents of string, template and regex literals (expected log text). */
export function codeOnly(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/(^|[^:\\])\/\/.*$/gm, "$1")
    .replace(/"(?:[^"\\\n]|\\.)*"/g, '""')
    .replace(/'(?:[^'\\\n]|\\.)*'/g, "''")
    .replace(/`(?:[^`\\]|\\.)*`/g, "``")
    .replace(/([(,=:[!&|?{};]\s*)\/(?![*/])(?:[^/\\\n[]|\\.|\[(?:[^\]\\\n]|\\.)*\])+\/[dgimsuy]*/g, "$1/r/");
}

/** Every block offset of regs/blocks.ts (read from its source: a const enum has no object for tsc), as a hex literal may spell it. */
function blockPatterns(): { name: string; re: RegExp }[] {
  const src = readFileSync(join(ROOT, "regs", "blocks.ts"), "utf8");
  const body = src.slice(src.indexOf("export const enum Block {"), src.indexOf("}", src.indexOf("export const enum Block {")));
  const values = [...codeOnly(body).matchAll(/^\s*([A-Z0-9_]+) = (0x[0-9a-f]+),/gim)].map((m) => [m[1]!, Number(m[2])] as const);
  expect(values.map(([n]) => n)).toContain("UART0");
  expect(values.find(([n]) => n === "PWM1")?.[1]).toBe(Block.PWM1); // the source read is the enum tsc compiles
  return values.map(([name, v]) => ({ name: `Block.${name}`, re: new RegExp(`\\b0x0*${v.toString(16)}\\b`, "gi") }));
}
/** An absolute peripheral address (the ARM view on either board, or the bus view). */
const ABSOLUTE = /\b0x(fe|3f|7e)(?!ffffff)[0-9a-f]{6}\b/gi;

export interface Finding {
  file: string;
  line: number;
  what: string;
}

/** A halt-code table (three or more of the codes' names as strings) or a halt code defined by number. */
function haltFindings(text: string): { line: number; what: string }[] {
  const out: { line: number; what: string }[] = [];
  const names = Object.values(HALT_NAMES).filter((n) => n.length > 4 && text.includes(`"${n}"`));
  if (names.length >= 3) out.push({ line: 0, what: `a halt-code table (${names.join(", ")}): use regs/halt.ts and regs/halt-names.ts` });
  for (const m of text.matchAll(/(?:#define\s+HALT_[A-Z_]+\s+\d|\bHALT_[A-Z_]+\s*(?::\s*u32\s*)?=\s*\d)/g))
    out.push({ line: text.slice(0, m.index).split("\n").length, what: `${m[0]}: halt codes come from regs/halt.ts` });
  return out;
}

export function scan(): Finding[] {
  const out: Finding[] = [];
  const patterns = blockPatterns();
  for (const dir of SCANNED) {
    for (const path of files(join(ROOT, dir))) {
      const file = relative(ROOT, path);
      if (GENERATED.has(file) || file === "tests/regs-single-source.test.ts") continue;
      const lines = codeOnly(readFileSync(path, "utf8")).split("\n");
      lines.forEach((l, i) => {
        const hits: string[] = [];
        for (const p of patterns) for (const m of l.matchAll(p.re)) hits.push(`${m[0]} (${p.name})`);
        for (const m of l.matchAll(ABSOLUTE)) hits.push(`${m[0]} (a peripheral address)`);
        for (const h of hits) {
          if (ELSEWHERE[file]?.some((e) => h.toLowerCase().startsWith(e.literal))) continue;
          out.push({ file, line: i + 1, what: h });
        }
      });
      for (const f of haltFindings(readFileSync(path, "utf8"))) out.push({ file, ...f });
    }
  }
  return out;
}

describe("one register description", () => {
  it("no block offset, peripheral address or halt-code table outside regs/ and the headers generated from it", () => {
    const found = scan().map((f) => `${f.file}:${f.line}: ${f.what}`);
    expect(found, "name the register from regs/ (e.g. PERIPHERAL_BASE + Block.UART0 + Pl011Reg.FR)").toEqual([]);
  });

  it("the scanner finds what it is there to find (a copy of a block offset, an address, a halt table)", () => {
    const code = codeOnly(['const UART = base + 0x201000; // 0x20C800 in a comment is fine', 'log("at 0xFE201000")', "const fif = 0x7E20C018;"].join("\n"));
    const hits = blockPatterns().flatMap((p) => [...code.matchAll(p.re)].map((m) => m[0]));
    expect(hits).toEqual(["0x201000"]);
    expect([...code.matchAll(ABSOLUTE)].map((m) => m[0])).toEqual(["0x7E20C018"]);
    // The tables this replaced: boot/main.c's names, boot/runtime.h's and firmware/abi.ts's numbers.
    expect(haltFindings('static const char* const HALT_NAMES[] = {"done", "bad asset bundle", "hardware did not respond", "firmware abort"};')).toHaveLength(1);
    expect(haltFindings("#define HALT_WASM_TRAP 5      /* the firmware trapped */")).toHaveLength(1);
    expect(haltFindings("export const HALT_DONE: u32 = 0;")).toHaveLength(1);
    expect(haltFindings("export const HALT_DONE: u32 = Halt.DONE;")).toEqual([]);
  });

  it("README's halt-code table is regs/halt-names.ts", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const table = readme.slice(readme.indexOf("\nHalt codes "), readme.indexOf("## Tests", readme.indexOf("\nHalt codes ")));
    const rows = [...table.matchAll(/^\| (\d+) \| ([^|]+) \|$/gm)].map((m) => [Number(m[1]), m[2]!.trim()]);
    expect(rows).toEqual(Object.entries(HALT_NAMES).map(([k, v]) => [Number(k), v]));
  });
});

// docs/firmware-library.md describes the whole public library: every name firmware/index.ts exports
// (what users import from "piwave/firmware"), and every function, constant and variable of the
// namespaces it exports that a firmware uses (log, uart, timer, board, cpu, mmio), appears in it.
// A name added to the library without a line in the reference fails here.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "../host/firmware.js";

const INDEX = join(ROOT, "firmware", "index.ts");
const doc = readFileSync(join(ROOT, "docs", "firmware-library.md"), "utf8");

/** Names a module exports (functions, classes, enums, constants, variables, re-exports). */
function exportedNames(file: string): string[] {
  const src = readFileSync(file, "utf8");
  const names = new Set<string>();
  for (const m of src.matchAll(/^(?:@\w+\s+)?export\s+(?:declare\s+)?(?:abstract\s+)?(?:function|class|enum|const|let|var)\s+(\w+)/gm)) names.add(m[1]!);
  for (const m of src.matchAll(/^export\s*\{([^}]*)\}/gm)) for (const n of m[1]!.split(",")) if (n.trim()) names.add(n.trim().split(/\s+as\s+/).pop()!);
  return [...names];
}

/** `import * as NAME from "./path"` in index.ts: namespace → file. */
function namespaces(): Map<string, string> {
  const src = readFileSync(INDEX, "utf8");
  const out = new Map<string, string>();
  for (const m of src.matchAll(/^import \* as (\w+) from "([^"]+)";/gm)) {
    const base = join(dirname(INDEX), m[2]!);
    out.set(m[1]!, existsSync(base + ".ts") ? base + ".ts" : join(base, "index.ts")); // asc's resolution: file.ts, else file/index.ts
  }
  return out;
}

/** The names in backticks in the reference, split at dots and calls (`log.begin(level, topic)` → log, begin). */
const prose = doc.replace(/^```[\s\S]*?^```$/gm, "");
const documented = new Set([...prose.matchAll(/`([^`\n]+)`/g)].flatMap((m) => m[1]!.split(/[^A-Za-z0-9_]+/)).filter(Boolean));
const inCode = (ns: string, name: string) => doc.includes(`${ns}.${name}`) || (ns === "board" && documented.has(name));

it("every name piwave/firmware exports is in docs/firmware-library.md", () => {
  const top = exportedNames(INDEX);
  expect(top).toEqual(expect.arrayContaining(["AudioOutput", "FrameSource", "log", "uart", "timer", "board", "halt"]));
  expect(top.filter((n) => !documented.has(n))).toEqual([]);
});

it("every function, constant and variable of the log, uart, timer, board, cpu and mmio namespaces is in it", () => {
  const missing: string[] = [];
  for (const [ns, file] of namespaces()) {
    if (ns === "bundle") continue; // the bundle format's internals: documented by what BundleSource and bundle.open() do
    const names = exportedNames(file);
    expect(names.length, file).toBeGreaterThan(0);
    for (const n of names) if (!inCode(ns, n)) missing.push(`${ns}.${n}`);
  }
  expect(missing).toEqual([]);
});

// The hardware facts live in the repository (issue 11 items 8, 10): no citation of ../shared, and every cited section exists.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../host/firmware.js";

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (["node_modules", "build", "dist", ".git"].includes(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|mts|mjs|c|h|S|ld|txt|md|json)$/.test(name)) out.push(p);
  }
  return out;
}

const anchor = (heading: string) => heading.toLowerCase().replace(/[^a-z0-9 -]/g, "").trim().replace(/ /g, "-");

describe("hardware facts in the repository", () => {
  const sources = files(ROOT).filter((f) => !relative(ROOT, f).startsWith("docs/") && !f.endsWith("docs.test.ts"));

  it("no file cites ../shared or its § sections", () => {
    const offenders = sources.filter((f) => /§|shared\/reference/.test(readFileSync(f, "utf8"))).map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });

  it("every docs/*.md#section cited in code exists", () => {
    const anchors = new Map<string, Set<string>>();
    for (const doc of ["hardware.md", "toolchain.md"]) {
      const text = readFileSync(join(ROOT, "docs", doc), "utf8");
      anchors.set(doc, new Set([...text.matchAll(/^#{2,3} (.+)$/gm)].map((m) => anchor(m[1]!))));
    }
    let cited = 0;
    for (const f of sources) {
      for (const m of readFileSync(f, "utf8").matchAll(/docs\/(hardware|toolchain)\.md#([a-z0-9-]+)/g)) {
        cited++;
        expect(anchors.get(`${m[1]}.md`)!.has(m[2]!), `${relative(ROOT, f)} cites docs/${m[1]}.md#${m[2]}`).toBe(true);
      }
    }
    expect(cited).toBeGreaterThan(40);
  });
});

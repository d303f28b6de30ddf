/**
 * The long run of the asset-bundle fuzzer (tests/fuzz/bundles.ts explains
 * what is mutated and what is asserted): `npm run fuzz`, or
 *   npx tsx scripts/fuzz-bundles.ts [--seed N] [--count N] [--board pi4|pi3] [--out DIR]
 * Defaults: a seed from the clock (printed, so a run can be repeated),
 * 100,000 mutations, pi4. Each failing mutation is written to DIR (default
 * build/fuzz) as <seed>-<index>.pwb with what went wrong; exit 1 if any.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type BoardName, getBoard } from "../host/boards.js";
import { buildCacheDir } from "../host/paths.js";
import { baseBundle, checkMutation, fuzzFirmware, mutations, refusalShape } from "../tests/fuzz/bundles.js";

const { values } = parseArgs({
  options: { seed: { type: "string" }, count: { type: "string" }, board: { type: "string" }, out: { type: "string" } },
});
const seed = values.seed !== undefined ? Number(values.seed) >>> 0 : Date.now() >>> 0;
const count = values.count !== undefined ? Number(values.count) : 100_000;
if (!Number.isInteger(count) || count < 1) throw new Error(`--count takes a positive whole number, not ${values.count}`);
const board = getBoard(values.board ?? "pi4").name as BoardName;
const out = values.out ?? join(buildCacheDir(), "fuzz");

const wasm = await fuzzFirmware(board);
console.log(`bundle fuzzer: board ${board}, seed ${seed}, ${count} random mutations plus every truncation`);
const t0 = performance.now();
const shapes = new Map<string, number>();
let n = 0;
let failed = 0;
for (const m of mutations(baseBundle(board), seed, count)) {
  n++;
  const f = checkMutation(board, wasm, m.bytes, (v) => shapes.set(refusalShape(v), (shapes.get(refusalShape(v)) ?? 0) + 1));
  if (f) {
    failed++;
    mkdirSync(out, { recursive: true });
    const file = join(out, `${seed}-${n}.pwb`);
    writeFileSync(file, m.bytes);
    console.log(`FAIL #${n} (${m.kind}): ${f}\n  bundle written to ${file}`);
  }
  if (n % 10_000 === 0) console.log(`  ${n} mutations, ${failed} failures, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
console.log(`\n${n} mutations in ${((performance.now() - t0) / 1000).toFixed(1)} s; verdicts:`);
for (const [shape, k] of [...shapes].sort((a, b) => b[1] - a[1])) console.log(`  ${String(k).padStart(7)}  ${shape}`);
console.log(`${n - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;

// docs/testing.md cannot rot: its example (the firmware, the vitest test and the plain script:
// every code block marked `file=NAME`) is written into a fresh project that has piwave as a
// dependency and run with vitest and with node, as a reader would run it.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { ROOT } from "../host/firmware.js";
import { tempDir } from "./temp.js";

const exec = promisify(execFile);
const dir = tempDir("piwave-docs-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The code blocks of a markdown file whose info string names a file: ```ts file=src/main.ts */
function exampleFiles(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of markdown.matchAll(/^```\w* file=(\S+)\n([\s\S]*?)^```$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

it("the example in docs/testing.md runs and passes", async () => {
  const files = exampleFiles(readFileSync(join(ROOT, "docs", "testing.md"), "utf8"));
  expect([...files.keys()]).toEqual(["src/main.ts", "test/doorbell.test.ts", "test.mjs"]);
  for (const [name, text] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "doorbell", private: true, type: "module" }));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(ROOT, join(dir, "node_modules", "piwave"), "dir"); // the package as compiled to lib/ by the tests' setup
  symlinkSync(join(ROOT, "node_modules", "vitest"), join(dir, "node_modules", "vitest"), "dir");
  const r = await exec(process.execPath, ["test.mjs"], { cwd: dir, timeout: 240_000 });
  expect(r.stdout).toMatch(/^ok: 2 rings; \d+ frames at 44107\.\d Hz$/m);
  const v = await exec(process.execPath, [join(ROOT, "node_modules", "vitest", "vitest.mjs"), "run", "--root", dir], { cwd: dir, timeout: 240_000, env: { ...process.env, NO_COLOR: "1" } });
  expect(v.stdout).toMatch(/Tests\s+1 passed \(1\)/);
});

it("every option of runFirmware and every fault is in docs/testing.md's tables", () => {
  const doc = readFileSync(join(ROOT, "docs", "testing.md"), "utf8");
  const run = readFileSync(join(ROOT, "host", "testing", "run.ts"), "utf8");
  const members = (iface: string) => {
    const body = run.slice(run.indexOf(`export interface ${iface} {`), run.indexOf("\n}\n", run.indexOf(`export interface ${iface} {`)));
    return [...body.matchAll(/^  (\w+)\??:/gm)].map((m) => m[1]!);
  };
  const options = members("FirmwareRunOptions");
  const faults = members("Faults");
  expect(options).toEqual(expect.arrayContaining(["entry", "wasm", "ms", "uart", "faults"]));
  expect(faults).toEqual(expect.arrayContaining(["mailbox", "clockStuckBusy", "pwmIsRam"]));
  const rows = new Set([...doc.matchAll(/^\| `(\w+)/gm)].map((m) => m[1]!));
  expect([...options, ...faults].filter((n) => !rows.has(n))).toEqual([]);
});

// docs/firmware-tutorial.md cannot rot: its steps are taken in order in a project `piwave init`
// made, as a reader takes them — every code block marked `file=NAME` is written over the project's
// file, and after each step's test the project's own `vitest run` must pass (against this
// checkout: node_modules/piwave is a link to it).
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { ROOT } from "../host/firmware.js";
import { initProject } from "../host/init/scaffold.js";
import { tempDir } from "./temp.js";

const exec = promisify(execFile);

/** The code blocks whose info string names a file (```ts file=src/main.ts), in order. */
function fileBlocks(markdown: string): { file: string; text: string }[] {
  return [...markdown.matchAll(/^```\w* file=(\S+)\n([\s\S]*?)^```$/gm)].map((m) => ({ file: m[1]!, text: m[2]! }));
}

it("the tutorial's steps, taken in order in a new project, each pass their test", async () => {
  const md = readFileSync(join(ROOT, "docs", "firmware-tutorial.md"), "utf8");
  const blocks = fileBlocks(md);
  expect(blocks.map((b) => b.file)).toEqual(["src/main.ts", "test/main.test.ts", "src/main.ts", "test/main.test.ts"]);

  const dir = join(tempDir("piwave-tutorial-"), "my-synth");
  const made = initProject({ dir });
  // The table of step 1 names files the scaffold really has.
  for (const m of md.matchAll(/^\| `([^`]+)` \| /gm)) expect(made.written, m[1]).toContain(m[1]);
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(ROOT, join(dir, "node_modules", "piwave"), "dir");
  symlinkSync(join(ROOT, "node_modules", "vitest"), join(dir, "node_modules", "vitest"), "dir");

  let step = 0;
  for (const b of blocks) {
    const p = join(dir, b.file);
    expect(existsSync(p), `${b.file} is a file the reader replaces`).toBe(true);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, b.text);
    if (!b.file.startsWith("test/")) continue;
    step++;
    const v = await exec(process.execPath, [join(ROOT, "node_modules", "vitest", "vitest.mjs"), "run", "--root", dir], { cwd: dir, timeout: 240_000, env: { ...process.env, NO_COLOR: "1" } }).catch(
      (e: { stdout: string; stderr: string }) => ({ stdout: e.stdout, stderr: e.stderr }),
    );
    expect(v.stdout + v.stderr, `step ${step} of the tutorial`).toMatch(/Tests\s+1 passed \(1\)/);
  }
}, 600_000);

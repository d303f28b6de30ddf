// piwave's own asconfig.json builds the player by hand (`npx asc --config asconfig.json --target pi4`
// in a checkout), the same module piwave's build makes. It cannot extend asconfig.base.json as users'
// projects do: the base names the abort handler as users' programs see it (~lib/piwave/firmware/…,
// from node_modules/piwave), which a checkout of piwave itself does not have, and asc lets the base's
// `use` win over the extending file's. So it repeats the base with the handler named as the package
// names its own file; this test keeps the two equal.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { BOARD_NAMES } from "../host/boards.js";
import { PACKAGE_LIB_PREFIX, ROOT, buildFirmware } from "../host/firmware.js";
import { resolvePackageDir } from "../host/paths.js";
import { tempDir } from "./temp.js";

interface Target {
  optimizeLevel?: number;
  shrinkLevel?: number;
  use?: string[];
  outFile?: string;
}
interface Config {
  extends?: string;
  entries?: string[];
  options?: Record<string, unknown>;
  targets?: Record<string, Target>;
}
const read = (f: string) => JSON.parse(readFileSync(join(ROOT, f), "utf8")) as Config;

it("asconfig.json is asconfig.base.json with the abort handler named as piwave's own file, plus the entry and outputs", () => {
  const own = read("asconfig.json");
  const base = read("asconfig.base.json");
  expect(own.extends).toBeUndefined();
  expect(own.entries).toEqual(["firmware/main.ts"]);
  expect(own.options).toEqual(base.options);
  expect(Object.keys(own.targets ?? {}).sort()).toEqual([...BOARD_NAMES].sort());
  for (const board of BOARD_NAMES) {
    const b = base.targets![board]!;
    const o = own.targets![board]!;
    expect(b.use?.some((u) => u.includes(`=${PACKAGE_LIB_PREFIX}`)), board).toBe(true);
    expect({ ...o, outFile: undefined }).toEqual({ ...b, use: b.use!.map((u) => u.replace(`=${PACKAGE_LIB_PREFIX}`, "=")), outFile: undefined });
    expect(o.outFile).toBe(`build/firmware/${board}.wasm`);
  }
});

it("npx asc --config asconfig.json --target pi4 in the checkout builds the player, byte for byte what piwave builds", async () => {
  const out = join(tempDir("piwave-asc-"), "pi4.wasm");
  const asc = join(resolvePackageDir("assemblyscript"), "bin", "asc.js");
  await promisify(execFile)(process.execPath, [asc, "--config", "asconfig.json", "--target", "pi4", "--outFile", out], { cwd: ROOT, timeout: 240_000 });
  const built = await buildFirmware("pi4");
  expect(Buffer.compare(readFileSync(out), readFileSync(built.path))).toBe(0);
}, 300_000);

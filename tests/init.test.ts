// `piwave init [DIR]`: the real command makes a project; it refuses a folder that is not empty
// without --force and never replaces a user's file; and the project it makes compiles, passes its
// own vitest test, plays on the simulator and builds kernel8.img against this checkout (the fast
// path: node_modules/piwave is a link to it; .ci/scaffold does the same from the packed tarball).
import { execFile } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT } from "../host/firmware.js";
import { InitError, initProject, packageNameFor, piwaveSpec, projectFiles } from "../host/init/scaffold.js";
import { packageVersion } from "../host/paths.js";
import { tempDir } from "./temp.js";

const exec = promisify(execFile);
const bin = join(ROOT, "bin", "piwave.mjs");

async function piwave(args: string[], cwd: string, timeout = 120_000) {
  try {
    const r = await exec(process.execPath, [bin, ...args], { cwd, timeout, env: { ...process.env, NO_COLOR: "1" } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Every file under `dir`, relative, sorted (node_modules left out). */
function tree(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    if (n === "node_modules") continue;
    const p = join(dir, n);
    if (lstatSync(p).isDirectory()) out.push(...tree(p, prefix + n + "/"));
    else out.push(prefix + n);
  }
  return out;
}

const EXPECTED = [
  ".gitignore",
  "README.md",
  "asconfig.json",
  "package.json",
  "piwave.config.json",
  "src/main.ts",
  "src/tsconfig.json",
  "test/main.test.ts",
  "tsconfig.json",
];

describe("piwave init", () => {
  it("makes a project in a new folder: the files, package.json depending on this piwave, the next steps", async () => {
    const parent = tempDir("piwave-init-");
    const r = await piwave(["init", "My Synth"], parent);
    expect(r.code, r.stderr).toBe(0);
    const dir = join(parent, "My Synth");
    expect(tree(dir)).toEqual(EXPECTED);
    expect(readdirSync(parent)).toEqual(["My Synth"]); // no temporary left beside it
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string; devDependencies: Record<string, string>; scripts: Record<string, string> };
    expect(pkg.name).toBe("my-synth");
    expect(pkg.devDependencies.piwave).toBe(`^${packageVersion()}`);
    const own = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(pkg.devDependencies.assemblyscript).toBe(own.dependencies.assemblyscript); // one compiler in the project
    expect(pkg.devDependencies.vitest).toBe(own.devDependencies.vitest);
    expect(pkg.scripts.test).toBe("vitest run");
    expect(JSON.parse(readFileSync(join(dir, "asconfig.json"), "utf8"))).toMatchObject({ extends: "piwave/asconfig.base.json" });
    expect(JSON.parse(readFileSync(join(dir, "piwave.config.json"), "utf8"))).toEqual({ board: "pi4", entry: "src/main.ts" });
    expect(JSON.parse(readFileSync(join(dir, "src", "tsconfig.json"), "utf8"))).toMatchObject({ extends: "assemblyscript/std/assembly.json" });
    expect(readFileSync(join(dir, "README.md"), "utf8")).toMatch(/^# my-synth$/m);
    expect(readFileSync(join(dir, "src", "main.ts"), "utf8")).toMatch(/from "piwave\/firmware"/);
    expect(r.stdout).toMatch(/^created My Synth\/: package\.json, /m);
    expect(r.stdout).toMatch(/cd "My Synth"\n {2}npm install\n {2}npm test/);
  });

  it("--piwave names a packed tarball as file:<absolute path>, or passes a range through; --json reports the files", async () => {
    const parent = tempDir("piwave-init-");
    writeFileSync(join(parent, "piwave-9.9.9.tgz"), "not really a tarball");
    const r = await piwave(["init", "p", "--piwave", "./piwave-9.9.9.tgz", "--json"], parent);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { created: boolean; written: string[]; kept: string[]; name: string };
    expect(j).toMatchObject({ created: true, kept: [], name: "p" });
    expect([...j.written].sort()).toEqual(EXPECTED);
    const pkg = JSON.parse(readFileSync(join(parent, "p", "package.json"), "utf8")) as { devDependencies: Record<string, string> };
    expect(pkg.devDependencies.piwave).toBe(`file:${join(parent, "piwave-9.9.9.tgz")}`);
    expect(piwaveSpec("^1.2.0")).toBe("^1.2.0");
    expect(() => piwaveSpec("./missing.tgz", parent)).toThrow(/no such file or folder/);
  });

  it("refuses a folder that is not empty without --force, writing nothing (exit 2, says what to do)", async () => {
    const dir = tempDir("piwave-init-");
    writeFileSync(join(dir, "notes.txt"), "mine");
    const r = await piwave(["init"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^piwave init: \. is not empty \(notes\.txt\): give a new or empty folder, or --force .*no existing file is replaced/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(readdirSync(dir)).toEqual(["notes.txt"]);
  });

  it("--force adds the project beside the user's files and keeps every one of them as it was", async () => {
    const dir = tempDir("piwave-init-");
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "src", "main.ts"), "// my own firmware\n");
    writeFileSync(join(dir, "README.md"), "# mine\n");
    symlinkSync(join(dir, "nowhere"), join(dir, "tsconfig.json")); // a dangling link is the user's too
    const r = await piwave(["init", "--force"], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "src", "main.ts"), "utf8")).toBe("// my own firmware\n");
    expect(readFileSync(join(dir, "README.md"), "utf8")).toBe("# mine\n");
    expect(existsSync(join(dir, "nowhere"))).toBe(false);
    expect(r.stdout).toMatch(/^kept your own README\.md, src\/main\.ts, tsconfig\.json /m);
    expect(tree(dir)).toEqual(EXPECTED);
    expect(lstatSync(join(dir, "tsconfig.json")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, "asconfig.json"), "utf8")).toMatch(/piwave\/asconfig\.base\.json/);
  });

  it("a folder with only .git counts as empty; a file given as DIR and two folders are refused", async () => {
    const dir = tempDir("piwave-init-");
    mkdirSync(join(dir, ".git"));
    expect(initProject({ dir }).written).toHaveLength(EXPECTED.length);
    writeFileSync(join(dir, "file"), "x");
    expect(() => initProject({ dir: join(dir, "file") })).toThrow(InitError);
    expect(() => initProject({ dir: join(dir, "file") })).toThrow(/exists and is not a folder/);
    expect((await piwave(["init", "a", "b"], dir)).code).toBe(2);
  });

  it("a write that fails half-way leaves nothing of the project behind, and names the file", () => {
    const dir = tempDir("piwave-init-");
    writeFileSync(join(dir, "keep.txt"), "mine");
    writeFileSync(join(dir, "test"), "a file where the project wants its test folder");
    expect(() => initProject({ dir, force: true })).toThrow(/cannot write .*test\/main\.test\.ts: part of the path .* is a file/);
    expect(tree(dir)).toEqual(["keep.txt", "test"]); // package.json, README.md… were written before it: removed again
    expect(readFileSync(join(dir, "test"), "utf8")).toMatch(/^a file where/);
  });

  it("package names come from the folder; a bad --name is refused with the rule", () => {
    expect(packageNameFor("My Synth")).toBe("my-synth");
    expect(packageNameFor("_x.Y")).toBe("x.y");
    expect(packageNameFor("日本")).toBe("my-firmware");
    expect(() => projectFiles({ name: "Bad Name", piwave: "^1" })).toThrow(/not an npm package name/);
  });
});

describe("the project piwave init makes, against this checkout", () => {
  it("compiles, passes its own vitest test, plays on the simulator and builds kernel8.img", async () => {
    const parent = tempDir("piwave-scaffold-");
    const made = await piwave(["init", "tone"], parent);
    expect(made.code, made.stderr).toBe(0);
    const dir = join(parent, "tone");
    // npm install's result, for this checkout: the package and the tools it depends on.
    mkdirSync(join(dir, "node_modules"));
    for (const [name, target] of [
      ["piwave", ROOT],
      ["vitest", join(ROOT, "node_modules", "vitest")],
      ["assemblyscript", join(ROOT, "node_modules", "assemblyscript")],
    ] as const) {
      symlinkSync(target, join(dir, "node_modules", name), "dir");
    }
    const v = await exec(process.execPath, [join(ROOT, "node_modules", "vitest", "vitest.mjs"), "run", "--root", dir], { cwd: dir, timeout: 240_000, env: { ...process.env, NO_COLOR: "1" } }).catch(
      (e: { stdout: string; stderr: string }) => ({ stdout: e.stdout, stderr: e.stderr }),
    );
    expect(v.stdout + v.stderr).toMatch(/Tests\s+2 passed \(2\)/);

    const sim = await piwave(["sim", "--json"], dir);
    expect(sim.code, sim.stderr).toBe(0);
    const j = JSON.parse(sim.stdout) as { ok: boolean; haltCode: number; jack: { seconds: number } };
    expect(j).toMatchObject({ ok: true, haltCode: 0 });
    expect(j.jack.seconds).toBeGreaterThan(2); // the tone, between the ramps
    expect(sim.stderr).toMatch(/tone: 440 Hz on both channels/);

    const build = await piwave(["build", "--kernel-only", "--json", "--quiet"], dir, 240_000);
    expect(build.code, build.stderr).toBe(0);
    expect(statSync(join(dir, "dist", "boot", "kernel8.img")).size).toBeGreaterThan(10_000);
  }, 480_000);
});

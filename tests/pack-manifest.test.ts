// scripts/pack-manifest.mjs, run as npm runs it (prepack's last step, postpack's first) on a copy of
// piwave's package.json: the packed package.json has no install-time script (npm 11.16+ lists a
// `prepare` of a tarball dependency among the install scripts to review on every install), and the
// checkout gets its own package.json back byte for byte, also after a pack that died half-way.
// .ci/installed-package checks the real `npm pack` + `npm install` of the tarball.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./temp.js";

const root = new URL("..", import.meta.url).pathname;
const script = join(root, "scripts", "pack-manifest.mjs");
const run = (cwd: string, verb: string) => execFileSync(process.execPath, [script, verb], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

describe("the packed package.json", () => {
  it("package.json wires strip at the end of prepack and restore at the start of postpack", () => {
    const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.prepare).toBeDefined(); // the checkout builds lib/ after npm install
    expect(scripts.prepack).toMatch(/&& node scripts\/pack-manifest\.mjs strip$/);
    expect(scripts.postpack).toMatch(/^node scripts\/pack-manifest\.mjs restore && /);
  });

  it("strip drops prepare (and any install script), keeping everything else; restore gives back the same bytes", () => {
    const dir = tempDir("piwave-pack-");
    copyFileSync(join(root, "package.json"), join(dir, "package.json"));
    const original = readFileSync(join(dir, "package.json"));
    run(dir, "strip");
    const packed = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { scripts: Record<string, string>; name: string; files: string[] };
    expect(packed.scripts.prepare).toBeUndefined();
    for (const s of ["preinstall", "install", "postinstall"]) expect(packed.scripts[s]).toBeUndefined();
    expect(packed.scripts.build).toBe("tsc -p tsconfig.build.json");
    expect(packed.name).toBe("piwave");
    expect(packed.files).toEqual((JSON.parse(original.toString()) as { files: string[] }).files);
    run(dir, "restore");
    expect(readFileSync(join(dir, "package.json")).equals(original)).toBe(true);
    expect(existsSync(join(dir, "build", "pack", "package.json"))).toBe(false);
  });

  it("a pack that died after strip (postpack never ran) is undone by the next strip or restore", () => {
    const dir = tempDir("piwave-pack-");
    copyFileSync(join(root, "package.json"), join(dir, "package.json"));
    const original = readFileSync(join(dir, "package.json"));
    run(dir, "strip");
    run(dir, "strip"); // the next pack: the kept package.json comes back first, then is stripped again
    expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).scripts.prepare).toBeUndefined();
    run(dir, "restore");
    expect(readFileSync(join(dir, "package.json")).equals(original)).toBe(true);
  });

  it("a package.json without install scripts is left alone", () => {
    const dir = tempDir("piwave-pack-");
    const text = JSON.stringify({ name: "x", scripts: { build: "tsc" } }, null, 2) + "\n";
    writeFileSync(join(dir, "package.json"), text);
    run(dir, "strip");
    expect(readFileSync(join(dir, "package.json"), "utf8")).toBe(text);
    expect(existsSync(join(dir, "build"))).toBe(false);
  });
});

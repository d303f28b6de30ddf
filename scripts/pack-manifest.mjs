#!/usr/bin/env node
// The package.json inside the tarball carries no `prepare` script.
//
// In a checkout, `prepare` compiles lib/ after `npm install` (and lets npm
// build piwave when it is installed from git). The packed package ships lib/
// compiled, so the script has nothing to do there, and npm (11.16 and later)
// lists a `prepare` of a file or tarball dependency among the "install scripts
// not yet covered by allowScripts" every time the tarball is installed — a
// warning about piwave that users could do nothing about.
//
//   strip    (the end of prepack)  keeps package.json in build/pack/ and writes
//            it without scripts.prepare, so that is what npm packs;
//   restore  (postpack)            puts the kept package.json back, byte for byte.
//
// A pack that failed after `strip` (postpack then never runs) is undone by the
// next `strip` or `restore`. Both write through a temporary file and rename.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = process.cwd();
const manifest = join(root, "package.json");
const kept = join(root, "build", "pack", "package.json");
/** Lifecycle scripts npm counts as install scripts of a dependency: none of them belongs in the tarball. */
const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall", "preprepare", "prepare", "postprepare"];

function writeAtomic(path, text) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function restore() {
  if (!existsSync(kept)) return false;
  writeAtomic(manifest, readFileSync(kept, "utf8"));
  rmSync(kept);
  return true;
}

const verb = process.argv[2];
if (verb === "strip") {
  if (restore()) process.stderr.write("pack-manifest: restored package.json from an earlier pack that did not finish\n");
  const text = readFileSync(manifest, "utf8");
  const pkg = JSON.parse(text);
  const dropped = INSTALL_SCRIPTS.filter((s) => pkg.scripts?.[s] !== undefined);
  if (!dropped.length) process.exit(0);
  mkdirSync(join(root, "build", "pack"), { recursive: true });
  writeAtomic(kept, text);
  for (const s of dropped) delete pkg.scripts[s];
  writeAtomic(manifest, JSON.stringify(pkg, null, 2) + "\n");
  process.stderr.write(`pack-manifest: the packed package.json leaves out ${dropped.join(", ")} (restored by postpack)\n`);
} else if (verb === "restore") {
  restore();
} else {
  process.stderr.write("usage: node scripts/pack-manifest.mjs strip|restore\n");
  process.exit(2);
}

/**
 * `piwave init [DIR]`: a new firmware project from the template in
 * templates/project/ (shipped in the package): a package.json that depends
 * on piwave, an asconfig.json that extends piwave's compiler settings
 * (asconfig.base.json), a tsconfig for the firmware folder (AssemblyScript's
 * types, so editors check it), piwave.config.json naming the entry, the
 * firmware src/main.ts (a tone through the audio output), a vitest test
 * using piwave/testing, a README and a .gitignore.
 *
 * Rules, for a careless user and for a crash half-way:
 * - A folder that is not empty (other than a `.git`) is refused unless
 *   `force`; even then no file that exists is replaced: those are reported
 *   as kept and the project's own copy is not written.
 * - A folder that does not exist is made whole in a temporary sibling and
 *   renamed into place: it appears complete or not at all.
 * - Into an existing folder, each file is written to a temporary sibling and
 *   hard-linked to its name, which fails if the name appeared meanwhile (no
 *   check-then-write race can replace a user's file); if a file cannot be
 *   written, the ones already written are removed again.
 */
import { randomBytes } from "node:crypto";
import { existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { type OutputError, explainWriteError as explainOutput, temporaryPathFor, writeFileAtomicSync } from "../fs-atomic.js";
import { packagePath, packageVersion } from "../paths.js";

/** The template's folder in the package. */
export const TEMPLATE_DIR = packagePath("templates", "project");

/** Template files whose name in the package differs from the one in the project (npm pack drops files named .gitignore). */
const RENAMED: Record<string, string> = { gitignore: ".gitignore" };

export class InitError extends Error {
  override readonly name = "InitError";
}

export interface InitOptions {
  /** The project folder (made if missing). */
  dir: string;
  /** Write into a folder that is not empty; existing files are kept. */
  force?: boolean;
  /** The package name in package.json (default: from the folder's name). */
  name?: string;
  /**
   * How package.json names piwave: a version range (default `^<this
   * piwave's version>`), any npm spec, or a path to a packed tarball or a
   * folder (written as `file:<absolute path>`).
   */
  piwave?: string;
}

export interface InitResult {
  /** Absolute path of the project. */
  dir: string;
  /** The package name written. */
  name: string;
  /** The folder was made by this call. */
  created: boolean;
  /** Files written, relative to `dir`, in a stable order. */
  written: string[];
  /** Files that were already there and were left as they are. */
  kept: string[];
}

/** A write error said for this command (the generic hint names --out-dir, which init does not have). */
function explainWriteError(e: unknown, path: string): OutputError {
  const err = explainOutput(e, path);
  err.message = err.message.replace(" (for example with --out-dir)", ": give another DIR");
  return err;
}

/** An npm package name made from a folder name: lower case, [a-z0-9-._~], not starting with . or _. */
export function packageNameFor(folder: string): string {
  const n = folder
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, "-")
    .replace(/^[._-]+/, "")
    .replace(/-+$/, "")
    .slice(0, 214);
  return n || "my-firmware";
}

function checkName(name: string): void {
  if (!/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(name) || name.length > 214) {
    throw new InitError(`"${name}" is not an npm package name: lower-case letters, digits, - . _ ~, not starting with . or _ (give --name NAME)`);
  }
}

/** The dependency spec package.json gets for `piwave` (see {@link InitOptions.piwave}). */
export function piwaveSpec(given: string | undefined, cwd = process.cwd()): string {
  if (given === undefined) return `^${packageVersion()}`;
  if (given.trim() === "") throw new InitError("--piwave needs a version range, an npm spec or the path of a piwave tarball");
  const looksLikePath = /^(\.{1,2}[\\/]|[\\/]|~[\\/])/.test(given) || /\.(tgz|tar\.gz)$/.test(given);
  if (!looksLikePath) return given;
  const abs = resolve(cwd, given);
  if (!existsSync(abs)) throw new InitError(`--piwave ${given}: no such file or folder (give a packed piwave tarball, a folder or a version range)`);
  return `file:${abs}`;
}

function range(dep: string): string {
  const pkg = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const r = pkg.dependencies?.[dep] ?? pkg.devDependencies?.[dep];
  if (!r) throw new Error(`piwave's package.json names no version of ${dep}`);
  return r;
}

function listTemplate(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTemplate(p, prefix + name + "/"));
    else out.push(prefix + name);
  }
  return out;
}

/** The project's files: path relative to the project (with `/`) → contents. */
export function projectFiles(o: { name: string; piwave: string }): Map<string, string> {
  checkName(o.name);
  const files = new Map<string, string>();
  const pkg = {
    name: o.name,
    version: "0.1.0",
    private: true,
    description: "Bare-metal audio firmware for the Raspberry Pi, written in AssemblyScript with piwave",
    type: "module",
    scripts: {
      test: "vitest run",
      build: "piwave build",
      sim: "piwave sim",
      qemu: "piwave qemu",
    },
    devDependencies: {
      // The same compiler as piwave's, so npm installs one copy and editors see the types piwave builds with.
      assemblyscript: range("assemblyscript"),
      piwave: o.piwave,
      vitest: range("vitest"),
    },
  };
  files.set("package.json", JSON.stringify(pkg, null, 2) + "\n");
  for (const rel of listTemplate(TEMPLATE_DIR)) {
    const base = rel.split("/").pop()!;
    const target = rel.slice(0, rel.length - base.length) + (RENAMED[base] ?? base);
    files.set(target, readFileSync(join(TEMPLATE_DIR, rel), "utf8").replaceAll("{{name}}", o.name));
  }
  return files;
}

/** What is in `dir` that makes it "not empty" (a lone .git is fine: a fresh clone). */
function occupants(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n !== ".git")
    .sort();
}

function writeNewFolder(dir: string, files: Map<string, string>): void {
  const parent = dirname(dir);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (e) {
    throw explainWriteError(e, parent);
  }
  const tmp = join(parent, `.${basename(dir)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    mkdirSync(tmp);
    for (const [rel, text] of files) {
      const p = join(tmp, ...rel.split("/"));
      mkdirSync(dirname(p), { recursive: true });
      writeFileAtomicSync(p, text);
    }
    // rename(2) replaces only a missing name or an empty folder: a folder someone filled meanwhile stays, and this fails.
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOTEMPTY" || code === "EEXIST") throw new InitError(`${dir} appeared while the project was being written, and is not empty: nothing was written into it`);
    throw e instanceof InitError ? e : explainWriteError(e, dir);
  }
}

function writeIntoFolder(dir: string, files: Map<string, string>): { written: string[]; kept: string[] } {
  const written: string[] = [];
  const kept: string[] = [];
  const madeDirs: string[] = [];
  let current = dir;
  try {
    for (const [rel, text] of files) {
      const p = join(dir, ...rel.split("/"));
      current = p;
      for (let d = dirname(p), chain: string[] = []; ; d = dirname(d)) {
        if (existsSync(d)) {
          for (const m of chain.reverse()) {
            mkdirSync(m);
            madeDirs.push(m);
          }
          break;
        }
        chain.push(d);
      }
      if (existsSync(p) || isDanglingLink(p)) {
        kept.push(rel);
        continue;
      }
      const tmp = temporaryPathFor(p);
      try {
        writeFileAtomicSync(tmp, text);
        linkSync(tmp, p); // fails with EEXIST if the name exists by now: never replaces a file
        written.push(rel);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") kept.push(rel);
        else throw e;
      } finally {
        rmSync(tmp, { force: true });
      }
    }
  } catch (e) {
    for (const rel of written) rmSync(join(dir, ...rel.split("/")), { force: true });
    for (const d of madeDirs.reverse()) {
      try {
        rmdirSync(d);
      } catch {
        // not empty: something else was put there; leave it
      }
    }
    throw explainWriteError(e, current);
  }
  return { written, kept };
}

function isDanglingLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Write a new project into `o.dir` (see the module comment for the rules). */
export function initProject(o: InitOptions): InitResult {
  const dir = resolve(o.dir);
  const name = o.name ?? packageNameFor(basename(dir));
  const files = projectFiles({ name, piwave: piwaveSpec(o.piwave) });
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw explainWriteError(e, dir);
  }
  if (!st) {
    writeNewFolder(dir, files);
    return { dir, name, created: true, written: [...files.keys()], kept: [] };
  }
  if (!st.isDirectory()) throw new InitError(`${dir} exists and is not a folder: give the folder the project should go into`);
  const there = occupants(dir);
  if (there.length && !o.force) {
    const shown = there.slice(0, 4).join(", ") + (there.length > 4 ? `, … (${there.length} entries)` : "");
    throw new InitError(
      `${relative(process.cwd(), dir) || "."} is not empty (${shown}): give a new or empty folder, ` +
        `or --force to add the project's files beside these (no existing file is replaced)`,
    );
  }
  const { written, kept } = writeIntoFolder(dir, files);
  return { dir, name, created: false, written, kept };
}

/**
 * Where piwave's files are: one place for every path the tools read or write.
 *
 * - **The package** (`packageRoot`, `packagePath`): piwave's own files — the
 *   firmware sources (firmware/), the runtime sources (boot/), asconfig.json,
 *   the Pi firmware pins. Only ever read: an installed package may be
 *   root-owned or on a read-only file system. The root is the nearest folder
 *   above this module with piwave's package.json, so the same code works from
 *   the TypeScript sources (host/) and from the compiled JavaScript (lib/host/).
 * - **The cache** (`cacheDir`, `buildCacheDir`): things piwave can make again —
 *   converted songs, the downloaded Pi firmware files, compiled firmware and
 *   kernel objects. `$PIWAVE_CACHE_DIR`, else `$XDG_CACHE_HOME/piwave`, else the
 *   platform's user cache folder (`~/.cache/piwave` on Linux,
 *   `~/Library/Caches/piwave` on macOS, `%LOCALAPPDATA%\piwave\Cache` on Windows).
 * - **The outputs** (`outputPaths`): what the user asked for — the boot files,
 *   the SD image, the demo — under `dist/` of the current directory, or of the
 *   project (piwave.config.json's `outDir`), or `--out-dir`.
 * - Other npm packages (assemblyscript, …) are found the way Node finds them
 *   (`resolvePackageDir`), never by a path inside piwave's own node_modules:
 *   npm hoists dependencies wherever it likes.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "piwave") return dir;
      } catch {
        // not ours: keep looking
      }
    }
    if (dirname(dir) === dir) throw new Error(`piwave's package.json not found above ${start}: the installation is incomplete`);
  }
}

/** The folder of the piwave package (holds package.json, firmware/, boot/). Read-only. */
export const packageRoot: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** A file or folder inside the piwave package, e.g. `packagePath("boot", "config.txt")`. */
export function packagePath(...parts: string[]): string {
  return join(packageRoot, ...parts);
}

let version: string | undefined;
/** piwave's version, from its package.json. */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { version: string }).version;
  return version;
}

/**
 * The folder of an installed npm package (`resolvePackageDir("assemblyscript")`),
 * found the way Node's `import` finds it from piwave's own modules.
 */
export function resolvePackageDir(name: string): string {
  return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
}

/** The environment, platform and home directory the cache location depends on (tests pass their own). */
export interface CacheEnv {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
}

/**
 * piwave's cache directory: `override` (--cache-dir), `$PIWAVE_CACHE_DIR`,
 * `$XDG_CACHE_HOME/piwave` (an absolute path, as the XDG spec requires), or
 * the platform's user cache folder. Not created here.
 */
export function cacheDir(override?: string, e: CacheEnv = {}): string {
  if (override) return resolve(override);
  const env = e.env ?? process.env;
  if (env.PIWAVE_CACHE_DIR) return resolve(env.PIWAVE_CACHE_DIR);
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, "piwave");
  const home = e.home ?? homedir();
  switch (e.platform ?? process.platform) {
    case "darwin":
      return join(home, "Library", "Caches", "piwave");
    case "win32":
      return join(env.LOCALAPPDATA || join(home, "AppData", "Local"), "piwave", "Cache");
    default:
      return join(home, ".cache", "piwave");
  }
}

/** Where compiled firmware (.wasm) and kernel objects are kept: `<cache>/build`. */
export function buildCacheDir(override?: string): string {
  return join(cacheDir(override), "build");
}

/** The files a build leaves for the user. */
export interface OutputPaths {
  /** The base folder (default `./dist`). */
  root: string;
  /** The SD card's boot files: kernel8.img, music.pwb, config.txt, the Pi firmware. */
  boot: string;
  /** The SD card image. */
  image: string;
  /** `piwave demo`'s files (its own boot files in `demo/boot`). */
  demo: string;
}

/** The output locations under `base` (default `dist` in the current directory). */
export function outputPaths(base?: string): OutputPaths {
  const root = resolve(base ?? "dist");
  return {
    root,
    boot: join(root, "boot"),
    image: join(root, "piwave.img"),
    demo: join(root, "demo"),
  };
}

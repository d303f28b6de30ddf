// Compile host/ to lib/ (tsconfig.build.json) once before the tests: the tests
// that run `piwave` as a process run bin/piwave.mjs, which runs the compiled
// JavaScript the package ships, never the TypeScript sources.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const root = fileURLToPath(new URL("../..", import.meta.url));
  // The tests' builds and conversions go to a cache of their own (inherited by
  // every test and every piwave process they start), not the user's.
  process.env.PIWAVE_CACHE_DIR ??= join(root, "build", "test-cache");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
}

/**
 * Temporary directories for tests. Each one is removed after its test file
 * has run — also when a test failed or timed out — by the clean-up that
 * tests/setup/temp-cleanup.ts registers for every file. CI runs the suite with
 * TMPDIR pointing at a fresh directory and fails if anything is left there.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made = new Set<string>();

/** A new empty directory under the system's temporary directory, removed after this test file. */
export function tempDir(prefix = "piwave-test-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.add(d);
  return d;
}

/** Remove every directory {@link tempDir} made so far (run by the per-file clean-up). */
export function removeTempDirs(): void {
  for (const d of made) {
    rmSync(d, { recursive: true, force: true, maxRetries: 3 });
    made.delete(d);
  }
}

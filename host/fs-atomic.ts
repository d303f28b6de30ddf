/**
 * Atomic file output: every file piwave writes appears whole or not at all.
 *
 * The data goes to a temporary file in the destination's own directory (so the
 * final rename never crosses a filesystem), is flushed to the disk with fsync,
 * and is then renamed over the destination. Until the rename, a reader sees the
 * previous file intact; if anything fails (full disk, permissions, a signal),
 * the temporary file is removed and the previous file stays as it was.
 *
 * Temporary names are `.<name>.<pid>.<random>.tmp`: hidden, unique per process
 * and per call, so two piwave processes writing into one directory never share
 * one, and a leftover is recognisable (and ignored by every reader).
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statfsSync, writeSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { formatSize } from "./size.js";

/** The temporary sibling of `path` that an atomic write goes through. */
export function temporaryPathFor(path: string): string {
  const abs = resolve(path);
  return join(dirname(abs), `.${basename(abs)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/** Whether a file name is one of this module's temporaries (readers skip them). */
export function isTemporaryName(name: string): boolean {
  return /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/.test(name);
}

/** The process that made temporary file `name` (its pid), or undefined when it is not one of this module's temporaries. */
export function temporaryOwner(name: string): number | undefined {
  if (!isTemporaryName(name)) return undefined;
  return Number(name.match(/\.(\d+)\.[0-9a-f]{8}\.tmp$/)?.[1]) || undefined;
}

/** Does process `pid` still run? (EPERM: it does, as another user.) */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Remove from `dir` what piwave processes that no longer run left behind
 * (killed outright, a power cut): every entry for which `ownerOf` names a pid
 * that is gone — by default this module's temporary files — files or whole
 * directories. An unreadable or missing `dir` is left alone.
 */
export function removeAbandoned(dir: string, ownerOf: (name: string) => number | undefined = temporaryOwner): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = ownerOf(name);
    if (pid && pid !== process.pid && !processRuns(pid)) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** A write that failed, with a message that says which directory and what to do. */
export class OutputError extends Error {
  override readonly name = "OutputError";
  constructor(
    message: string,
    readonly path: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** Free bytes for an unprivileged writer in `dir`, or undefined when it cannot be asked. */
export function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}

/**
 * Turn a filesystem error met while writing `path` into an {@link OutputError}
 * naming the full directory, what went wrong and what to do. `bytesNeeded` is
 * the size of what was being written, reported for a full disk.
 */
export function explainWriteError(err: unknown, path: string, bytesNeeded?: number): OutputError {
  if (err instanceof OutputError) return err;
  const abs = resolve(path);
  const dir = dirname(abs);
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  let msg: string;
  switch (code) {
    case "ENOSPC":
    case "EDQUOT": {
      const free = freeBytes(dir);
      const need = bytesNeeded === undefined ? "" : ` ${basename(abs)} needs ${formatSize(bytesNeeded)}`;
      const have = free === undefined ? "" : `${need ? "," : ""} ${formatSize(free)} free`;
      msg = `no space left in ${dir}:${need}${have}. Free some space there or choose another directory; nothing was changed.`;
      break;
    }
    case "EACCES":
    case "EPERM":
      msg = `cannot write ${abs}: permission denied. Choose a directory you can write to (for example with --out-dir).`;
      break;
    case "EROFS":
      msg = `cannot write ${abs}: ${dir} is on a read-only filesystem. Choose another directory.`;
      break;
    case "ENOENT":
      msg = `cannot write ${abs}: the directory ${dir} does not exist.`;
      break;
    case "ENOTDIR":
      msg = `cannot write ${abs}: part of the path ${dir} is a file, not a directory.`;
      break;
    case "EISDIR":
      msg = `cannot write ${abs}: it is a directory.`;
      break;
    default:
      msg = `cannot write ${abs}: ${detail}`;
  }
  return new OutputError(msg, abs, code);
}

/**
 * Write `data` to `path` atomically (temporary sibling, fsync, rename). On
 * failure the previous file is untouched, the temporary file is removed and an
 * {@link OutputError} says what happened.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, opts: { mode?: number } = {}): Promise<void> {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  await withAtomicFile(
    path,
    async (tmp) => {
      const fh = await open(tmp, "wx", opts.mode ?? 0o644);
      try {
        let off = 0;
        while (off < bytes.length) {
          const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
          off += bytesWritten;
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
    },
    bytes.length,
  );
}

/** {@link writeFileAtomic} for synchronous callers. */
export function writeFileAtomicSync(path: string, data: Uint8Array | string, opts: { mode?: number } = {}): void {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  const tmp = temporaryPathFor(path);
  try {
    const fd = openSync(tmp, "wx", opts.mode ?? 0o644);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw explainWriteError(e, path, bytes.length);
  }
}

/**
 * Produce `path` through a temporary sibling that `write` fills (by any means:
 * a stream, a child process writing to that path). When `write` resolves, the
 * temporary file is renamed over `path`; when it throws, the temporary file is
 * removed and the error is rethrown (filesystem errors explained). `write` is
 * responsible for flushing what it wrote (fsync) when that matters.
 */
export async function withAtomicFile<T>(path: string, write: (tmpPath: string) => Promise<T>, bytesNeeded?: number): Promise<T> {
  const tmp = temporaryPathFor(path);
  try {
    const result = await write(tmp);
    await rename(tmp, path);
    return result;
  } catch (e) {
    await rm(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code) && code !== "ABORT_ERR") throw explainWriteError(e, path, bytesNeeded);
    throw e;
  }
}

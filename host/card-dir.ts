/**
 * `flash --to DIR`: putting the boot files on a card's mounted boot
 * partition, without destroying anything piwave did not write.
 *
 *  - The target must be the root of a mounted FAT file system (the Pi boots
 *    only from FAT), not this computer's own boot partition, not read-only.
 *  - The card keeps a manifest (`piwave-files.json`) of what piwave wrote,
 *    by SHA-256. A file on the card that is neither identical to the new one
 *    nor listed there with its current hash belongs to someone else (another
 *    OS's kernel8.img or config.txt): it is replaced only with consent, and
 *    moved to `piwave-backup/<time>/` on the card first.
 *  - Unchanged files are not copied again; piwave's own files that the new
 *    set no longer has (the previous board's firmware) are removed.
 *  - New files go to temporary siblings first, each fsynced; only when all of
 *    them are on the card are they renamed into place and the manifest
 *    written last. A full card or an interrupt before that leaves the
 *    previous boot files as they were. Each file is read back and compared.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, statfsSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname, join } from "node:path";
import { writeFileAtomicSync } from "./fs-atomic.js";
import { formatSize } from "./size.js";
import { isFat, listMounts, type Mount, mountOf } from "./mounts.js";

/** The manifest piwave keeps on the card. */
export const MANIFEST = "piwave-files.json";
/** Where replaced files that piwave did not write are kept, on the card. */
export const BACKUP_DIR = "piwave-backup";

export class CardRefusedError extends Error {}

const WRITE_PIECE = 4 * 1024 * 1024;

interface Manifest {
  piwave: 1;
  /** Path on the card → SHA-256 of what piwave wrote there. */
  files: Record<string, string>;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function manifestData(entries: readonly { name: string; sha256: string }[]): Uint8Array {
  const m: Manifest = { piwave: 1, files: Object.fromEntries(entries.map((f) => [f.name, f.sha256])) };
  return new TextEncoder().encode(JSON.stringify(m, null, 1) + "\n");
}

/** The manifest file for a card holding exactly `files` (the SD image carries one too). */
export function manifestFor(files: readonly { name: string; data: Uint8Array }[]): { name: string; data: Uint8Array } {
  return { name: MANIFEST, data: manifestData(files.map((f) => ({ name: f.name, sha256: sha256(f.data) }))) };
}

/** The manifest's bytes for files whose SHA-256 (hex) is known; its size depends only on the names. */
export function manifestFromDigests(files: readonly { name: string; sha256: string }[]): Uint8Array {
  return manifestData(files);
}

function readManifest(target: string): Map<string, string> {
  try {
    const m = JSON.parse(readFileSync(join(target, MANIFEST), "utf8")) as Manifest;
    if (m.piwave !== 1 || typeof m.files !== "object") return new Map();
    return new Map(Object.entries(m.files).map(([k, v]) => [k.toLowerCase(), String(v)]));
  } catch {
    return new Map();
  }
}

const SYSTEM_BOOT_MOUNTS = new Set(["/boot", "/boot/efi", "/boot/firmware", "/efi"]);

/**
 * Why `target` is not a card's boot partition, as a CardRefusedError; or a
 * note when the mount table cannot be read on this platform.
 */
export function checkCardDir(target: string, mounts: readonly Mount[] | undefined = listMounts()): { mount?: Mount; note?: string } {
  const st = statSync(target, { throwIfNoEntry: false });
  if (!st?.isDirectory()) throw new CardRefusedError(`${target} is not a directory; give the mount point of the card's boot (FAT) partition, e.g. /media/$USER/bootfs`);
  if (!mounts) return { note: `cannot read the mount table on ${process.platform}: make sure ${target} is the card's boot partition` };
  const where = mountOf(mounts, target);
  if (!where) throw new CardRefusedError(`${target} is on no mounted file system piwave can see`);
  const { mount, isRoot } = where;
  if (!isRoot) {
    throw new CardRefusedError(
      `${target} is a folder inside ${mount.mountPoint} (${mount.fsType}), not the root of a mounted card partition; give the card's boot partition's mount point (\`lsblk -o NAME,FSTYPE,MOUNTPOINTS\` shows them)`,
    );
  }
  if (SYSTEM_BOOT_MOUNTS.has(mount.mountPoint)) throw new CardRefusedError(`${target} is this computer's own boot partition; piwave never writes to it`);
  if (!isFat(mount.fsType)) {
    throw new CardRefusedError(
      `${target} is a ${mount.fsType} file system, but a Pi boots only from FAT: give the card's boot partition (FAT32, usually labelled bootfs or PIWAVE), not its root file system`,
    );
  }
  if (mount.readOnly) throw new CardRefusedError(`${target} (${mount.source}) is mounted read-only (is the card's lock switch on?)`);
  return { mount };
}

export type Action = "same" | "new" | "update" | "replace";

export interface PlannedFile {
  name: string;
  bytes: number;
  sha256: string;
  /** same: identical already; new: absent; update: piwave's own older file; replace: a file piwave did not write. */
  action: Action;
  /** Size of the file on the card that will be replaced. */
  existingBytes?: number;
}

export interface CopyPlan {
  bootDir: string;
  target: string;
  files: PlannedFile[];
  /** Files that piwave did not write and that would be replaced (need consent). */
  foreign: PlannedFile[];
  /** Files piwave wrote earlier, unchanged since, that the new set does not have. */
  stale: string[];
  bytesToWrite: number;
  /** Where replaced foreign files go, relative to the card's root. */
  backupDir: string;
}

/** Compare the boot files with what is on the card. Reads, never writes. */
export function planCopy(bootDir: string, names: readonly string[], target: string, now = new Date()): CopyPlan {
  const manifest = readManifest(target);
  const files: PlannedFile[] = [];
  for (const name of names) {
    const data = readFileSync(join(bootDir, name));
    const want = sha256(data);
    const dst = join(target, name);
    const st = statSync(dst, { throwIfNoEntry: false });
    let action: Action = "new";
    let existingBytes: number | undefined;
    if (st?.isDirectory()) throw new CardRefusedError(`${dst} is a directory on the card, where piwave would write the file ${name}; move it away first`);
    if (st) {
      existingBytes = st.size;
      const have = sha256(readFileSync(dst));
      action = have === want ? "same" : manifest.get(name.toLowerCase()) === have ? "update" : "replace";
    }
    files.push({ name, bytes: data.length, sha256: want, action, existingBytes });
  }
  const keep = new Set(names.map((n) => n.toLowerCase()));
  const stale: string[] = [];
  for (const [name, hash] of manifest) {
    if (keep.has(name) || name.includes("..")) continue;
    const p = join(target, name);
    if (statSync(p, { throwIfNoEntry: false })?.isFile() && sha256(readFileSync(p)) === hash) stale.push(name);
  }
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return {
    bootDir,
    target,
    files,
    foreign: files.filter((f) => f.action === "replace"),
    stale,
    bytesToWrite: files.filter((f) => f.action !== "same").reduce((n, f) => n + f.bytes, 0),
    backupDir: `${BACKUP_DIR}/${stamp}`,
  };
}

/** Free bytes on the card, or undefined when its file system does not say (FUSE FAT reports 0 blocks). */
function cardFree(target: string): number | undefined {
  try {
    const s = statfsSync(target);
    return Number(s.blocks) > 0 ? Number(s.bavail) * Number(s.bsize) : undefined;
  } catch {
    return undefined;
  }
}

export interface CopyReport {
  name: string;
  bytes: number;
  sha256: string;
  action: Action;
  /** Where the replaced file went, relative to the card's root. */
  backup?: string;
}


/** Refuse a plan the card has no room for (where its file system reports its free space). */
export function checkRoom(plan: CopyPlan): void {
  const free = cardFree(plan.target);
  if (free !== undefined && free < plan.bytesToWrite) {
    throw new CardRefusedError(
      `the card's boot partition ${plan.target} has ${formatSize(free)} free; the new files need ${formatSize(plan.bytesToWrite)} (until they replace the old ones). ` +
        "Make room on it, or write a fresh image with `piwave image` and `piwave flash --device`. Nothing on the card was changed",
    );
  }
}

/**
 * Carry out a plan (after consent for `plan.foreign`). Throws when the
 * signal aborts before the files are renamed into place; the card is then
 * unchanged (temporaries removed).
 */
export async function applyCopy(plan: CopyPlan, opts: { signal?: AbortSignal; onFile?: (f: PlannedFile) => void } = {}): Promise<CopyReport[]> {
  const { target } = plan;
  checkRoom(plan);
  const toWrite = plan.files.filter((f) => f.action !== "same");
  const temps = new Map<string, string>();
  try {
    for (const f of toWrite) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      const dst = join(target, f.name);
      mkdirSync(dirname(dst), { recursive: true });
      const tmp = join(dirname(dst), `.piwave-${randomBytes(4).toString("hex")}.tmp`);
      temps.set(f.name, tmp);
      const src = join(plan.bootDir, f.name);
      let data: Buffer;
      try {
        data = readFileSync(src);
      } catch (e) {
        throw new Error(`cannot read ${src}: ${(e as Error).message}`);
      }
      // Asynchronous, in 4 MiB pieces: an interrupt is seen between them.
      const fh = await open(tmp, "wx");
      try {
        for (let off = 0; off < data.length; ) {
          if (opts.signal?.aborted) throw opts.signal.reason;
          off += (await fh.write(data, off, Math.min(WRITE_PIECE, data.length - off))).bytesWritten;
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      opts.onFile?.(f);
    }
  } catch (e) {
    for (const t of temps.values()) rmSync(t, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOSPC") {
      throw new CardRefusedError(`the card's boot partition ${target} is full: the new files need ${formatSize(plan.bytesToWrite)}. Nothing on the card was changed`);
    }
    if (typeof code === "string" && code.startsWith("E") && code !== "ABORT_ERR") {
      // Some FAT drivers (FUSE's fusefat) report a full card as EPERM or EIO rather than ENOSPC.
      throw new CardRefusedError(
        `could not write to the card's boot partition ${target} (${code}: ${(e as Error).message}); is it full? The new files need ${formatSize(plan.bytesToWrite)}. Nothing on the card was changed`,
      );
    }
    throw e;
  }
  // Everything is on the card: move it into place (quick renames, no more data written).
  const out: CopyReport[] = [];
  for (const f of plan.files) {
    const dst = join(target, f.name);
    let backup: string | undefined;
    if (f.action === "replace") {
      backup = `${plan.backupDir}/${f.name}`;
      for (let n = 1; statSync(join(target, backup), { throwIfNoEntry: false }); n++) backup = `${plan.backupDir}/${f.name}.${n}`;
      mkdirSync(dirname(join(target, backup)), { recursive: true });
      renameSync(dst, join(target, backup));
    }
    const tmp = temps.get(f.name);
    if (tmp) renameSync(tmp, dst);
    const got = sha256(readFileSync(dst));
    if (got !== f.sha256) throw new Error(`verification failed for ${dst}: sha256 ${got}, expected ${f.sha256}; the card may be faulty`);
    out.push({ name: f.name, bytes: f.bytes, sha256: f.sha256, action: f.action, backup });
  }
  for (const s of plan.stale) rmSync(join(target, s), { force: true });
  writeFileAtomicSync(join(target, MANIFEST), manifestData(plan.files));
  return out;
}

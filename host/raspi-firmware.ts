/**
 * The Raspberry Pi GPU firmware files the boot loader needs next to
 * kernel8.img (start4.elf + fixup4.dat on a Pi 4; bootcode.bin + start.elf
 * + fixup.dat on a Pi 3). They are not in npm or Debian main. piwave takes
 * them, in this order, from:
 *   1. --firmware-dir DIR (for offline use, or any firmware you trust);
 *   2. Debian's raspi-firmware package (non-free-firmware), /usr/lib/raspi-firmware;
 *   3. a download from the official raspberrypi/firmware repository at the
 *      commit pinned in raspi-firmware.lock.json, each file checked against
 *      its pinned SHA-256, then cached. A mismatch is an error and nothing
 *      is written. `--offline` keeps to the cache; PIWAVE_FIRMWARE_URL names
 *      a mirror (the same checksums apply).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { BoardName } from "./boards.js";
import { writeFileAtomicSync } from "./fs-atomic.js";

export const FIRMWARE_FILES: Record<BoardName, readonly string[]> = {
  pi4: ["start4.elf", "fixup4.dat"],
  pi3: ["bootcode.bin", "start.elf", "fixup.dat"],
};

export const DEBIAN_FIRMWARE_DIR = "/usr/lib/raspi-firmware";

export interface FirmwarePin {
  sha256: string | null;
  /** Size in bytes, where a second source confirms it (shown on a mismatch). */
  bytes?: number;
}

export interface FirmwareLock {
  repository: string;
  commit: string;
  /** URL of a file: {commit} and {file} are replaced. */
  url: string;
  /** Where the pinned values come from. */
  provenance?: string;
  files: Record<string, FirmwarePin>;
}

export function loadLock(): FirmwareLock {
  return JSON.parse(readFileSync(new URL("./raspi-firmware.lock.json", import.meta.url), "utf8")) as FirmwareLock;
}

export interface FirmwareSource {
  /** File name → bytes. */
  files: Map<string, Uint8Array>;
  from: string;
}

export class FirmwareError extends Error {}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function fromDir(dir: string, names: readonly string[]): Map<string, Uint8Array> | string[] {
  const missing = names.filter((n) => !existsSync(join(dir, n)));
  if (missing.length) return missing;
  return new Map(names.map((n) => [n, new Uint8Array(readFileSync(join(dir, n)))]));
}

export interface ResolveOptions {
  board: BoardName;
  firmwareDir?: string;
  cacheDir: string;
  /** Where Debian's package puts the files (tests point it elsewhere). */
  debianDir?: string;
  lock?: FirmwareLock;
  /** A mirror's URL template ({commit} and {file} replaced) instead of the lock's. */
  url?: string;
  /** Allow the download step (default true); the cache is still used without it. */
  download?: boolean;
  log?: (msg: string) => void;
  /** Aborting stops a download at once (nothing is cached). */
  signal?: AbortSignal;
}

async function download(url: string, signal?: AbortSignal): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { signal: signal ? AbortSignal.any([AbortSignal.timeout(120_000), signal]) : AbortSignal.timeout(120_000) });
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    // fetch() says only "fetch failed"; the reason (DNS, refused, timeout) is its cause.
    const cause = (e as Error).cause instanceof Error ? `: ${((e as Error).cause as Error).message}` : "";
    throw new FirmwareError(`download of ${url} failed (${(e as Error).message}${cause}); use --firmware-dir DIR for offline builds`);
  }
  if (!res.ok) throw new FirmwareError(`download of ${url} failed: HTTP ${res.status}; use --firmware-dir DIR for offline builds`);
  return new Uint8Array(await res.arrayBuffer());
}

export async function resolveFirmware(o: ResolveOptions): Promise<FirmwareSource> {
  const names = FIRMWARE_FILES[o.board];
  if (o.firmwareDir) {
    const r = fromDir(o.firmwareDir, names);
    if (Array.isArray(r)) throw new FirmwareError(`--firmware-dir ${o.firmwareDir} lacks ${r.join(", ")} (a ${o.board} needs ${names.join(", ")})`);
    return { files: r, from: o.firmwareDir };
  }
  const debian = o.debianDir ?? DEBIAN_FIRMWARE_DIR;
  const d = fromDir(debian, names);
  if (!Array.isArray(d)) return { files: d, from: `${debian} (Debian raspi-firmware)` };

  const lock = o.lock ?? loadLock();
  const unpinned = names.filter((n) => !lock.files[n]?.sha256);
  if (unpinned.length) {
    throw new FirmwareError(
      `no pinned SHA-256 for ${unpinned.join(", ")} in raspi-firmware.lock.json, so piwave will not download them. ` +
        `Give the files with --firmware-dir DIR (from the boot/ folder of ${lock.repository} or a Raspberry Pi OS boot partition), ` +
        `or install Debian's raspi-firmware package`,
    );
  }
  const template = o.url ?? lock.url;
  if (!template.includes("{file}")) throw new FirmwareError(`the firmware URL template ${template} has no {file} in it`);
  const dir = join(o.cacheDir, "raspi-firmware", lock.commit);
  const files = new Map<string, Uint8Array>(); // verified cache entries
  const fetched = new Map<string, Uint8Array>();
  const uncached: string[] = [];
  for (const n of names) {
    const cached = join(dir, n);
    if (existsSync(cached)) {
      const b = new Uint8Array(readFileSync(cached));
      if (sha256(b) === lock.files[n]!.sha256) files.set(n, b);
      else rmSync(cached); // damaged cache entry: fetch again
    }
    if (!files.has(n)) uncached.push(n);
  }
  if (uncached.length && o.download === false) {
    throw new FirmwareError(
      `${uncached.join(", ")} not found in Debian's raspi-firmware or the cache, and downloads are off (--offline); use --firmware-dir DIR`,
    );
  }
  for (const n of uncached) {
    const pin = lock.files[n]!;
    const url = template.replace("{commit}", lock.commit).replace("{file}", n);
    o.log?.(`downloading ${n} from ${url}`);
    const b = await download(url, o.signal);
    const got = sha256(b);
    if (got !== pin.sha256) {
      const size = pin.bytes === undefined ? `${b.length} bytes` : `${b.length} bytes, pinned ${pin.bytes}`;
      throw new FirmwareError(`checksum mismatch for ${n} from ${url}: expected sha256 ${pin.sha256}, got ${got} (${size}); nothing was written`);
    }
    fetched.set(n, b);
  }
  // Every file verified: only now write them to the cache.
  mkdirSync(dir, { recursive: true });
  // Each through its own temporary name: concurrent builds may fill the cache at the same time.
  for (const [n, b] of fetched) writeFileAtomicSync(join(dir, n), b);
  return {
    files: new Map(names.map((n) => [n, files.get(n) ?? fetched.get(n)!])),
    from: fetched.size ? `downloaded (${lock.repository}@${lock.commit.slice(0, 12)}, SHA-256 verified)` : `cache (${lock.repository}@${lock.commit.slice(0, 12)})`,
  };
}

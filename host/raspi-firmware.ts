/**
 * The Raspberry Pi GPU firmware files the boot loader needs next to
 * kernel8.img (start4.elf + fixup4.dat on a Pi 4; bootcode.bin + start.elf
 * + fixup.dat on a Pi 3). They are not in npm or Debian main. piwave takes
 * them, in this order, from:
 *   1. --firmware-dir DIR (for offline use, or any firmware you trust),
 *      checked for names, plausible sizes and form; whether the files are the
 *      pinned release is reported;
 *   2. Debian's raspi-firmware package (non-free-firmware), /usr/lib/raspi-firmware;
 *   3. a download from the official raspberrypi/firmware repository at the
 *      commit pinned in raspi-firmware.lock.json, each file checked against
 *      its pinned SHA-256, then cached. A mismatch is an error and nothing
 *      is written. `--offline` keeps to the cache; PIWAVE_FIRMWARE_URL names
 *      a mirror (the same checksums apply). The download honours
 *      HTTPS_PROXY/HTTP_PROXY and NO_PROXY (through undici, whose fetch is
 *      Node's own, because Node's built-in fetch ignores them).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { BoardName } from "./boards.js";
import { packagePath } from "./paths.js";
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
  return JSON.parse(readFileSync(packagePath("host", "raspi-firmware.lock.json"), "utf8")) as FirmwareLock;
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

/** The proxy a request to `url` goes through (HTTPS_PROXY/HTTP_PROXY, either case), unless NO_PROXY exempts the host. */
export function proxyFor(url: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const u = new URL(url);
  const proxy = u.protocol === "https:" ? env.HTTPS_PROXY || env.https_proxy : env.HTTP_PROXY || env.http_proxy;
  if (!proxy) return undefined;
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? "").split(/[\s,]+/).filter(Boolean);
  const host = u.hostname.toLowerCase();
  for (const entry of noProxy) {
    if (entry === "*") return undefined;
    const [name, port] = entry.toLowerCase().split(":") as [string, string | undefined];
    if (port && port !== (u.port || (u.protocol === "https:" ? "443" : "80"))) continue;
    const bare = name.replace(/^\*?\./, "");
    if (host === bare || host.endsWith(`.${bare}`)) return undefined;
  }
  return proxy;
}

/** A URL for messages: without a user name or password. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.href;
  } catch {
    return "(an invalid proxy URL)";
  }
}

async function download(url: string, signal?: AbortSignal): Promise<Uint8Array> {
  // Node's own fetch ignores HTTPS_PROXY/NO_PROXY; undici (the same fetch) honours them through EnvHttpProxyAgent.
  const proxy = proxyFor(url);
  const via = proxy ? ` through the proxy ${shown(proxy)}` : "";
  let res: Response;
  try {
    if (proxy) {
      const undici = await import("undici");
      res = (await undici.fetch(url, { signal: signal ? AbortSignal.any([AbortSignal.timeout(120_000), signal]) : AbortSignal.timeout(120_000), dispatcher: new undici.EnvHttpProxyAgent() })) as unknown as Response;
    } else {
      res = await fetch(url, { signal: signal ? AbortSignal.any([AbortSignal.timeout(120_000), signal]) : AbortSignal.timeout(120_000) });
    }
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    // fetch() says only "fetch failed"; the reason (DNS, refused, timeout) is its cause.
    const cause = (e as Error).cause instanceof Error ? `: ${((e as Error).cause as Error).message}` : "";
    throw new FirmwareError(`download of ${url}${via} failed (${(e as Error).message}${cause}); use --firmware-dir DIR for offline builds`);
  }
  if (!res.ok) throw new FirmwareError(`download of ${url}${via} failed: HTTP ${res.status}; use --firmware-dir DIR for offline builds`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * What a real Raspberry Pi firmware file looks like, to catch a wrong file
 * given with --firmware-dir before it makes a card that does not boot. The
 * sizes of the files at the pinned commit (bootcode.bin 52,624 bytes,
 * start.elf 3,022,336, fixup.dat 7,381; start4.elf is about 2.2 MB and
 * fixup4.dat about 5.4 KB) sit well inside these ranges, which allow for
 * other releases. The start*.elf files are ELF images for the VideoCore GPU.
 */
const PLAUSIBLE: Record<string, { min: number; max: number; elf?: boolean; typical: string }> = {
  "start4.elf": { min: 1_000_000, max: 8_000_000, elf: true, typical: "about 2.2 MB" },
  "start.elf": { min: 1_000_000, max: 8_000_000, elf: true, typical: "about 3 MB" },
  "fixup4.dat": { min: 2_000, max: 32_000, typical: "about 5 KB" },
  "fixup.dat": { min: 2_000, max: 32_000, typical: "about 7 KB" },
  "bootcode.bin": { min: 20_000, max: 200_000, typical: "about 52 KB" },
};

/** Why `data` cannot be the Raspberry Pi firmware file `name`, or undefined when it plausibly is. */
export function implausible(name: string, data: Uint8Array): string | undefined {
  const p = PLAUSIBLE[name];
  if (!p) return undefined;
  if (data.length < p.min || data.length > p.max) return `${name} is ${data.length.toLocaleString("en")} bytes; the real file is ${p.typical}`;
  if (p.elf && !(data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46)) return `${name} is not an ELF file (the real one starts with \\x7fELF)`;
  return undefined;
}

/**
 * The files of --firmware-dir, checked: every name the board needs (a name
 * differing only in case, or the other board's files, are pointed out), a
 * plausible size and form; whether they are the pinned release is reported
 * in `from`, not required (any release that boots will do).
 */
function fromFirmwareDir(dir: string, board: BoardName, lock: FirmwareLock): FirmwareSource {
  const names = FIRMWARE_FILES[board];
  let present: string[];
  try {
    present = readdirSync(dir);
  } catch (e) {
    throw new FirmwareError(`--firmware-dir ${dir}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const missing = names.filter((n) => !present.includes(n));
  if (missing.length) {
    const hints: string[] = [];
    for (const n of missing) {
      const other = present.find((p) => p.toLowerCase() === n);
      if (other) hints.push(`${other} is there: rename it to ${n} (names are case-sensitive here)`);
    }
    const otherBoard = board === "pi4" ? "pi3" : "pi4";
    if (FIRMWARE_FILES[otherBoard].every((n) => present.includes(n))) hints.push(`it has the ${otherBoard} files: is --board ${otherBoard} meant?`);
    throw new FirmwareError(`--firmware-dir ${dir} lacks ${missing.join(", ")} (a ${board} needs ${names.join(", ")})${hints.length ? `; ${hints.join("; ")}` : ""}`);
  }
  const files = new Map<string, Uint8Array>();
  for (const n of names) {
    const data = new Uint8Array(readFileSync(join(dir, n)));
    const why = implausible(n, data);
    if (why) throw new FirmwareError(`--firmware-dir ${dir}: ${why}. Take the files from the boot partition of Raspberry Pi OS or the boot/ folder of ${lock.repository}`);
    files.set(n, data);
  }
  const differ = names.filter((n) => lock.files[n]?.sha256 !== sha256(files.get(n)!));
  const pin = `${lock.repository}@${lock.commit.slice(0, 12)}`;
  return {
    files,
    from: differ.length ? `${dir} (not the pinned ${pin}: ${differ.join(", ")} differ${differ.length === 1 ? "s" : ""}; used as given)` : `${dir} (the pinned ${pin}, SHA-256 verified)`,
  };
}

export async function resolveFirmware(o: ResolveOptions): Promise<FirmwareSource> {
  const names = FIRMWARE_FILES[o.board];
  if (o.firmwareDir) return fromFirmwareDir(o.firmwareDir, o.board, o.lock ?? loadLock());
  const debian = o.debianDir ?? DEBIAN_FIRMWARE_DIR;
  const d = fromDir(debian, names);
  if (!Array.isArray(d)) return { files: d, from: `${debian} (Debian raspi-firmware)` };

  const lock = o.lock ?? loadLock();
  const unpinned = names.filter((n) => !lock.files[n]?.sha256);
  if (unpinned.length) {
    throw new FirmwareError(
      `this piwave has no checksum (SHA-256) for ${unpinned.join(", ")}, so it will not download them. ` +
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

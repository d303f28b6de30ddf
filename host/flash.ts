/**
 * Putting the boot files on a card, without risk to the user's own disks.
 *
 *  - `flashToDir`: copy the boot files to a mounted FAT partition and verify
 *    each one by SHA-256 after the copy.
 *  - `checkDevice` + `writeImage`: write the SD image to a whole block device
 *    (Linux). The device is chosen from `lsblk --json`; piwave refuses the
 *    system disk, any disk that is not removable (RM/HOTPLUG, or a USB/MMC
 *    transport: laptop SD readers show up as mmcblk with RM=0), any disk with
 *    a mounted partition, read-only disks and disks too small for the image.
 *    After writing: fsync, drop the device's cached pages, read back, compare.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, readFileSync, readSync, statSync, writeSync, constants } from "node:fs";
import { basename, join } from "node:path";

export interface BlockDevice {
  name: string;
  path: string;
  size: number;
  rm: boolean;
  hotplug: boolean;
  ro: boolean;
  tran: string | null;
  type: string;
  model: string | null;
  mountpoints: string[];
  children: BlockDevice[];
}

interface LsblkNode {
  name: string;
  path?: string;
  size: number | string;
  rm: boolean | string;
  hotplug?: boolean | string;
  ro?: boolean | string;
  tran?: string | null;
  type: string;
  model?: string | null;
  mountpoint?: string | null;
  mountpoints?: (string | null)[];
  children?: LsblkNode[];
}

const truthy = (v: boolean | string | undefined) => v === true || v === "1" || v === "true";

function toDevice(n: LsblkNode): BlockDevice {
  const mps = (n.mountpoints ?? [n.mountpoint ?? null]).filter((m): m is string => !!m);
  return {
    name: n.name,
    path: n.path ?? `/dev/${n.name}`,
    size: Number(n.size),
    rm: truthy(n.rm),
    hotplug: truthy(n.hotplug),
    ro: truthy(n.ro),
    tran: n.tran ?? null,
    type: n.type,
    model: n.model?.trim() || null,
    mountpoints: mps,
    children: (n.children ?? []).map(toDevice),
  };
}

export function parseLsblk(json: string): BlockDevice[] {
  const data = JSON.parse(json) as { blockdevices: LsblkNode[] };
  return data.blockdevices.map(toDevice);
}

/** Block devices from `lsblk --json` (Linux only). */
export function listBlockDevices(): BlockDevice[] {
  if (process.platform !== "linux") throw new Error("writing to a device is supported on Linux only for now; use `piwave flash --to DIR` or Raspberry Pi Imager with dist/piwave.img");
  const out = execFileSync("lsblk", ["--json", "--bytes", "--output", "NAME,PATH,SIZE,RM,HOTPLUG,RO,TRAN,TYPE,MODEL,MOUNTPOINTS"], { encoding: "utf8", timeout: 15_000 });
  return parseLsblk(out);
}

function allMounts(d: BlockDevice): { path: string; mount: string }[] {
  return [...d.mountpoints.map((m) => ({ path: d.path, mount: m })), ...d.children.flatMap(allMounts)];
}

const SYSTEM_MOUNTS = new Set(["/", "/boot", "/boot/efi", "/boot/firmware", "/usr", "/var", "/home", "[SWAP]"]);

export function isSystemDisk(d: BlockDevice): boolean {
  return allMounts(d).some((m) => SYSTEM_MOUNTS.has(m.mount));
}

export function isRemovable(d: BlockDevice): boolean {
  return d.rm || d.hotplug || d.tran === "usb" || d.tran === "mmc" || /^mmcblk\d+$/.test(d.name);
}

export function describe(d: BlockDevice): string {
  const gb = (d.size / 1e9).toFixed(1);
  return `${d.path}: ${d.model ?? "unknown model"}, ${gb} GB${d.tran ? `, ${d.tran}` : ""}${d.rm ? ", removable" : ""}`;
}

export class RefusedError extends Error {}

/**
 * Why `devicePath` may not be written with an image of `imageBytes`, or
 * the device when it may. `allowLoop` admits loop devices (for tests).
 */
export function checkDevice(devices: BlockDevice[], devicePath: string, imageBytes: number, allowLoop = false): BlockDevice {
  const flat = (ds: BlockDevice[]): BlockDevice[] => ds.flatMap((d) => [d, ...flat(d.children)]);
  const all = flat(devices);
  const d = all.find((x) => x.path === devicePath || `/dev/${x.name}` === devicePath);
  if (!d) {
    throw new RefusedError(`${devicePath} is not a block device lsblk knows; \`piwave flash --list\` shows the candidates`);
  }
  const parent = devices.find((top) => flat(top.children).includes(d));
  if (d.type === "part" || parent) {
    throw new RefusedError(`${d.path} is a partition of ${parent?.path ?? "another disk"}; give the whole disk (e.g. ${parent?.path ?? "/dev/sdX"})`);
  }
  if (d.type === "loop" && !allowLoop) throw new RefusedError(`${d.path} is a loop device, not a card reader`);
  if (d.type !== "disk" && d.type !== "loop") throw new RefusedError(`${d.path} is a ${d.type}, not a whole disk`);
  if (isSystemDisk(d)) {
    const m = allMounts(d).filter((x) => SYSTEM_MOUNTS.has(x.mount)).map((x) => `${x.path} on ${x.mount}`);
    throw new RefusedError(`${d.path} is the system disk (${m.join(", ")}); piwave never writes to it`);
  }
  if (d.type !== "loop" && !isRemovable(d)) {
    throw new RefusedError(`${describe(d)} is not removable (not USB, not an SD/MMC reader); piwave only writes to removable cards`);
  }
  const mounted = allMounts(d);
  if (mounted.length) {
    throw new RefusedError(
      `${d.path} has mounted partitions (${mounted.map((m) => `${m.path} on ${m.mount}`).join(", ")}); unmount them first: ` +
        mounted.map((m) => `sudo umount ${m.path}`).join("; "),
    );
  }
  if (d.ro) throw new RefusedError(`${d.path} is read-only (is the card's lock switch on?)`);
  if (d.size < imageBytes) throw new RefusedError(`${describe(d)} is smaller than the image (${(imageBytes / 1e6).toFixed(1)} MB)`);
  return d;
}

/** Removable disks that are not the system disk: what `flash --list` shows. */
export function candidates(devices: BlockDevice[]): BlockDevice[] {
  return devices.filter((d) => d.type === "disk" && isRemovable(d) && !isSystemDisk(d));
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

export interface CopyReport {
  name: string;
  bytes: number;
  sha256: string;
  /** The card already held these exact bytes: nothing was written. */
  unchanged?: boolean;
}

/**
 * Copy every file of `bootDir` into the mounted card at `target`, then verify
 * each by SHA-256. A file the card already holds byte for byte is not
 * written again (after a song change, only music.pwb is copied).
 */
export function flashToDir(bootDir: string, files: string[], target: string): CopyReport[] {
  if (!existsSync(target) || !statSync(target).isDirectory()) {
    throw new RefusedError(`${target} is not a directory; give the mount point of the card's boot (FAT) partition`);
  }
  const out: CopyReport[] = [];
  for (const f of files) {
    const src = join(bootDir, f);
    const dst = join(target, basename(f));
    const want = sha256(readFileSync(src));
    if (existsSync(dst) && statSync(dst).isFile() && statSync(dst).size === statSync(src).size && sha256(readFileSync(dst)) === want) {
      out.push({ name: f, bytes: statSync(src).size, sha256: want, unchanged: true });
      continue;
    }
    copyFileSync(src, dst);
    const fd = openSync(dst, "r");
    fsyncSync(fd);
    closeSync(fd);
    const got = sha256(readFileSync(dst));
    if (got !== want) throw new Error(`verification failed for ${dst}: sha256 ${got}, expected ${want}; the card may be faulty`);
    out.push({ name: f, bytes: statSync(src).size, sha256: want });
  }
  return out;
}

/** Write `image` to the device, fsync, drop its cache, read back and compare. */
export function writeImage(image: Uint8Array, device: string, onProgress?: (done: number, phase: "write" | "verify") => void): void {
  const chunk = 4 * 1024 * 1024;
  // O_EXCL on a block device fails if the kernel has it in use (e.g. mounted).
  const fd = openSync(device, constants.O_WRONLY | constants.O_EXCL);
  try {
    for (let at = 0; at < image.length; at += chunk) {
      const part = image.subarray(at, at + chunk);
      let off = 0;
      while (off < part.length) off += writeSync(fd, part, off, part.length - off, at + off);
      onProgress?.(at + part.length, "write");
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    execFileSync("blockdev", ["--flushbufs", device], { timeout: 60_000 });
  } catch {
    /* without it the read-back may come from the page cache; the comparison still runs */
  }
  const rfd = openSync(device, "r");
  try {
    const buf = new Uint8Array(chunk);
    for (let at = 0; at < image.length; at += chunk) {
      const n = Math.min(chunk, image.length - at);
      let got = 0;
      while (got < n) {
        const r = readSync(rfd, buf, got, n - got, at + got);
        if (r === 0) throw new Error(`${device}: read-back ended at byte ${at + got} of ${image.length}`);
        got += r;
      }
      if (Buffer.compare(buf.subarray(0, n), image.subarray(at, at + n)) !== 0) {
        throw new Error(`${device}: verification failed in bytes ${at}..${at + n}: the card did not store what was written (faulty or fake capacity?)`);
      }
      onProgress?.(at + n, "verify");
    }
  } finally {
    closeSync(rfd);
  }
}

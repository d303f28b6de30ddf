/**
 * Writing the SD image to a card, without risk to the user's own disks
 * (`flash --to DIR`, copying to a mounted card, is host/card-dir.ts).
 *
 *  - `checkImage`: the file to write must be a bootable Pi image: an MBR
 *    whose first FAT partition holds kernel8.img, config.txt and the
 *    Raspberry Pi firmware files.
 *  - `checkDevice` + `writeImage`: write it to a whole block device (Linux).
 *    The device is chosen from `lsblk --json`; piwave refuses the system
 *    disk, any disk that is not removable (RM/HOTPLUG, or a USB/MMC
 *    transport: laptop SD readers show up as mmcblk with RM=0), any disk with
 *    a mounted partition (`unmountPartitions` unmounts them, with consent),
 *    read-only disks and disks too small for the image. After writing:
 *    fsync, drop the device's cached pages, read back, compare.
 *  - `writeAccessProblem`: a user who may not write the device (disk nodes
 *    belong to root, often group `disk`) is told so before being asked to
 *    confirm, with the ways to get access, not a bare EACCES.
 */
import { execFileSync } from "node:child_process";
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { describeMissing } from "./boot-files.js";
import { runChild } from "./child-process.js";
import { ImageError, readSdImage } from "./image.js";

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

/** A size in decimal units, the way card makers print them: MB below 1 GB ("31.9 MB"), GB above ("31.9 GB"). */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n > 0 && n < 50_000) return "< 0.1 MB"; // not "0.0 MB", which reads as empty
  return `${(n / 1e6).toFixed(1)} MB`;
}

export function describe(d: BlockDevice): string {
  return `${d.path}: ${d.model ?? "unknown model"}, ${formatBytes(d.size)}${d.tran ? `, ${d.tran}` : ""}${d.rm ? ", removable" : ""}`;
}

/** The mounted file systems on `d` and its partitions. */
export function mountedPartitions(d: BlockDevice): { path: string; mount: string }[] {
  return allMounts(d);
}

export class RefusedError extends Error {}

/** The current user may not write the device: what to do about it is in the message (exit 1, not a refusal). */
export class DeviceAccessError extends Error {
  override readonly name = "DeviceAccessError";
}

/** The name of user or group `id` from /etc/passwd or /etc/group, or the number. */
function nameOf(file: "/etc/passwd" | "/etc/group", id: number): string {
  try {
    const line = readFileSync(file, "utf8").split("\n").find((l) => l.split(":")[2] === String(id));
    if (line) return line.split(":")[0]!;
  } catch {
    /* no such file (macOS keeps them elsewhere): the number will do */
  }
  return String(id);
}

/** The file behind loop device `path`, when the kernel says (Linux sysfs). */
function loopBackingFile(path: string): string | undefined {
  const name = path.replace(/^\/dev\//, "");
  try {
    return readFileSync(`/sys/block/${name}/loop/backing_file`, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why this user cannot open `device` for writing, with the ways to get
 * access; undefined when they can (root always can). A loop device also gets
 * udisks' way: `udisksctl loop-setup` makes one owned by the user.
 */
export function writeAccessProblem(device: string, type: string): string | undefined {
  try {
    accessSync(device, constants.W_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EACCES" && code !== "EPERM") return undefined; // anything else is reported when it is opened
  }
  const st = statSync(device);
  const owner = nameOf("/etc/passwd", st.uid);
  const group = nameOf("/etc/group", st.gid);
  const mode = (st.mode & 0o777).toString(8).padStart(3, "0");
  const ways = [`run piwave as root (\`sudo piwave flash --device ${device} …\`)`];
  if (st.mode & 0o020 && group !== "root") {
    ways.push(`add your user to the group ${group} (\`sudo usermod -aG ${group} $USER\`, then log in again; that group may write every disk)`);
  }
  if (type === "loop") {
    const file = loopBackingFile(device);
    ways.push(`for an image file, let udisks make a loop device you own: \`udisksctl loop-setup -f ${file ?? "FILE"}\`, then flash that one`);
  }
  return `cannot write ${device}: permission denied (it belongs to ${owner}:${group}, mode ${mode}, and you are not root). Ways to get access: ${ways.join("; or ")}. Nothing was written`;
}
/** The only refusal `--unmount` can lift. */
export class MountedError extends RefusedError {}

/**
 * Why `devicePath` may not be written with an image of `imageBytes`, or
 * the device when it may. `allowLoop` admits loop devices (for tests).
 */
export function checkDevice(devices: BlockDevice[], devicePath: string, imageBytes: number, allowLoop = false, ignoreMounts = false): BlockDevice {
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
  if (mounted.length && !ignoreMounts) {
    throw new MountedError(
      `${d.path} has mounted partitions (${mounted.map((m) => `${m.path} on ${m.mount}`).join(", ")}); unmount them first: ` +
        mounted.map((m) => `sudo umount ${m.path}`).join("; ") +
        " (or pass --unmount)",
    );
  }
  if (d.ro) throw new RefusedError(`${d.path} is read-only (is the card's lock switch on?)`);
  if (d.size < imageBytes) throw new RefusedError(`${describe(d)} is smaller than the image (${formatBytes(imageBytes)})`);
  return d;
}

/** Removable disks that are not the system disk: what `flash --list` shows. */
export function candidates(devices: BlockDevice[]): BlockDevice[] {
  return devices.filter((d) => d.type === "disk" && isRemovable(d) && !isSystemDisk(d));
}

/**
 * Why `image` (the bytes of the file at `path`) is not an SD image a Pi
 * boots from, as a RefusedError; the partition's files when it is.
 */
export async function checkImage(image: Uint8Array, path: string): Promise<string[]> {
  let files: string[];
  try {
    files = (await readSdImage(image)).files.map((f) => f.name);
  } catch (e) {
    if (e instanceof ImageError) throw new RefusedError(`${path} is not an SD card image: ${e.message}. Make one with \`piwave image\``);
    throw e;
  }
  const missing = describeMissing(files);
  if (missing) throw new RefusedError(`${path} is not a bootable Pi image: its boot partition ${missing}. Make one with \`piwave build\` and \`piwave image\``);
  return files;
}

/** Unmount every mounted partition of `d` (after the user agreed). A busy one is named with what to do. */
export async function unmountPartitions(d: BlockDevice, signal?: AbortSignal): Promise<void> {
  for (const m of allMounts(d)) {
    const r = await runChild("umount", [m.path], { signal });
    if (r.code !== 0) {
      const busy = /busy/i.test(r.stderr);
      throw new RefusedError(
        `could not unmount ${m.path} from ${m.mount}: ${r.stderr.trim() || `umount exited ${r.code}`}` +
          (busy ? "; a program has files open on it (a file manager, a shell in that folder?): close it and try again" : ""),
      );
    }
  }
}

export type Phase = "write" | "verify";

/**
 * Write `image` to the device, fsync, drop its cache, read back and compare.
 * `onProgress` gets the bytes done in each phase, ending at image.length.
 * Aborting `signal` stops between chunks (the card is then partly written).
 */
export async function writeImage(image: Uint8Array, device: string, opts: { onProgress?: (done: number, phase: Phase) => void; signal?: AbortSignal } = {}): Promise<void> {
  const chunk = 4 * 1024 * 1024;
  const { onProgress, signal } = opts;
  // O_EXCL on a block device fails if the kernel has it in use (e.g. mounted).
  let fh;
  try {
    fh = await open(device, constants.O_WRONLY | constants.O_EXCL);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM") throw new DeviceAccessError(writeAccessProblem(device, "disk") ?? `cannot write ${device}: permission denied; run piwave as root. Nothing was written`);
    if (code === "EBUSY") throw new DeviceAccessError(`cannot write ${device}: the kernel has it in use (mounted, or open in another program); unmount it or close that program, then try again. Nothing was written`);
    throw e;
  }
  try {
    for (let at = 0; at < image.length; at += chunk) {
      if (signal?.aborted) throw signal.reason;
      const part = image.subarray(at, at + chunk);
      let off = 0;
      while (off < part.length) off += (await fh.write(part, off, part.length - off, at + off)).bytesWritten;
      onProgress?.(at + part.length, "write");
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    execFileSync("blockdev", ["--flushbufs", device], { timeout: 60_000, stdio: "ignore" });
  } catch {
    /* without it the read-back may come from the page cache; the comparison still runs */
  }
  const rh = await open(device, "r");
  try {
    const buf = new Uint8Array(chunk);
    for (let at = 0; at < image.length; at += chunk) {
      if (signal?.aborted) throw signal.reason;
      const n = Math.min(chunk, image.length - at);
      let got = 0;
      while (got < n) {
        const r = (await rh.read(buf, got, n - got, at + got)).bytesRead;
        if (r === 0) throw new Error(`${device}: read-back ended at byte ${at + got} of ${image.length}`);
        got += r;
      }
      if (Buffer.compare(buf.subarray(0, n), image.subarray(at, at + n)) !== 0) {
        throw new Error(`${device}: verification failed in bytes ${at}..${at + n}: the card did not store what was written (faulty or fake capacity?)`);
      }
      onProgress?.(at + n, "verify");
    }
  } finally {
    await rh.close();
  }
}

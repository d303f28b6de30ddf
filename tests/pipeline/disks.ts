// Real disks for the image and flash tests: loop devices over image files, FAT partitions mounted
// with fusefat (this kernel has no vfat module; FUSE is the real FAT driver here), tmpfs mounts.
// Everything made is undone in `cleanup()` (call it from afterAll) and, as a last resort, when the
// test process exits, so a failing test leaves no loop device, mount or temporary directory.
import { tempDir as sharedTempDir } from "../temp.js";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const undo: (() => void)[] = [];
let hooked = false;

function later(fn: () => void): void {
  undo.push(fn);
  if (!hooked) {
    hooked = true;
    process.once("exit", cleanup);
  }
}

/** Undo everything made here, newest first. */
export function cleanup(): void {
  for (const fn of undo.splice(0).reverse()) {
    try {
      fn();
    } catch {
      /* keep undoing the rest */
    }
  }
}

const have = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

/** Loop devices and mounts need root. */
export const canUseLoop = process.getuid?.() === 0 && have("losetup");
/** A FAT partition can be mounted (fusefat over FUSE). */
export const canMountFat = canUseLoop && have("fusefat") && spawnSync("sh", ["-c", "test -c /dev/fuse"]).status === 0;

/** A temporary directory, removed at clean-up. */
export function tempDir(prefix: string): string {
  // The suite's one temporary-directory helper (removed after the test file, after this module's
  // unmounts and detaches have run: vitest runs the setup file's afterAll last).
  return sharedTempDir(prefix);
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr || r.stdout || `exit ${r.status}`}`);
  return r.stdout;
}

/** A loop device over a new file of `bytes` (zeros, or `content`), detached at clean-up. */
export function loopDevice(bytes: number, content?: Uint8Array): { file: string; dev: string } {
  const file = join(tempDir("piwave-loop-"), "card.bin");
  const data = Buffer.alloc(bytes);
  if (content) data.set(content.subarray(0, bytes));
  writeFileSync(file, data);
  const dev = run("losetup", ["-f", "--show", "-P", file]).trim();
  later(() => spawnSync("losetup", ["-d", dev]));
  return { file, dev };
}

/** Unmount `dir` (FUSE or kernel mount) and wait until it is gone. */
export function unmount(dir: string): void {
  if (spawnSync("fusermount", ["-u", dir]).status !== 0) spawnSync("umount", [dir]);
}

/** Mount the FAT file system on `dev` (a loop device or its partition) read-write at a new directory. */
export function mountFat(dev: string): string {
  const dir = tempDir("piwave-mnt-");
  run("fusefat", ["-o", "rw+", dev, dir]);
  later(() => unmount(dir));
  return dir;
}

/** A FAT32 file system, formatted by mkfs.fat with `label`, on a new loop device, mounted. */
export function fatCard(bytes = 40 * 1024 * 1024, label = "BOOTFS"): { dev: string; file: string; mount: string } {
  const { file, dev } = loopDevice(bytes);
  run("mkfs.fat", ["-F", "32", "-n", label, dev]);
  return { file, dev, mount: mountFat(dev) };
}

/** A tmpfs of `bytes` at a new directory, unmounted at clean-up. */
export function tmpfs(bytes: number): string {
  const dir = tempDir("piwave-tmpfs-");
  run("mount", ["-t", "tmpfs", "-o", `size=${bytes}`, "tmpfs", dir]);
  later(() => spawnSync("umount", [dir]));
  return dir;
}

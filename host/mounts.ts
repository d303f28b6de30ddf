/**
 * The mount table: which file system a directory is the root of, and its
 * type. Linux reads /proc/self/mountinfo (proc(5): fields 5 and 6 are the
 * mount point and its options, the file-system type follows the " - "
 * separator, then the source; spaces and backslashes are octal-escaped as
 * \040 and \134). macOS reads the output of mount(8):
 * "/dev/disk4s1 on /Volumes/BOOT (msdos, local, nodev, nosuid, noowners)".
 */
import { execFileSync } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { sep } from "node:path";

export interface Mount {
  mountPoint: string;
  fsType: string;
  source: string;
  readOnly: boolean;
}

const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Mounts from the text of /proc/self/mountinfo, in the file's order. */
export function parseMountinfo(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split("\n")) {
    const dash = line.indexOf(" - ");
    if (dash < 0) continue;
    const f = line.slice(0, dash).split(" ");
    const [fsType, source, superOpts] = line.slice(dash + 3).split(" ");
    if (f.length < 6 || !fsType) continue;
    const opts = `${f[5]},${superOpts ?? ""}`.split(",");
    out.push({ mountPoint: unescape(f[4]!), fsType, source: unescape(source ?? ""), readOnly: opts.includes("ro") });
  }
  return out;
}

/** Mounts from the output of macOS mount(8). */
export function parseDarwinMount(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split("\n")) {
    const m = line.match(/^(.+?) on (.+) \(([^,)]+)(.*)\)$/);
    if (m) out.push({ source: m[1]!, mountPoint: m[2]!, fsType: m[3]!, readOnly: /\bread-only\b/.test(m[4]!) });
  }
  return out;
}

/** This machine's mounts, or undefined where piwave cannot read them (Windows). */
export function listMounts(): Mount[] | undefined {
  if (process.platform === "linux") return parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8"));
  if (process.platform === "darwin") return parseDarwinMount(execFileSync("mount", { encoding: "utf8", timeout: 10_000 }));
  return undefined;
}

/**
 * The mount that `dir` lies on (the longest mount point containing it; the
 * last one listed when several are stacked on one point) and whether `dir`
 * is that mount's root.
 */
export function mountOf(mounts: readonly Mount[], dir: string): { mount: Mount; isRoot: boolean } | undefined {
  const real = realpathSync(dir);
  let best: Mount | undefined;
  for (const m of mounts) {
    const inside = real === m.mountPoint || m.mountPoint === sep || real.startsWith(m.mountPoint + sep);
    if (inside && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best && { mount: best, isRoot: best.mountPoint === real };
}

/** File-system types that are FAT, the only kind the Pi boots from. */
const FAT_TYPES = new Set(["vfat", "msdos", "fat", "fuse.fusefat", "fusefat", "pcfs"]);

export function isFat(fsType: string): boolean {
  return FAT_TYPES.has(fsType.toLowerCase());
}

/**
 * The boot files of a directory (what `piwave build` wrote into dist/boot,
 * or a folder the user assembled): every regular file, sub-directories such
 * as `overlays/` included, as `/`-separated paths from the directory. Used by
 * `piwave image` and `piwave flash --to`, so both take the same files.
 */
import { lstatSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { FIRMWARE_FILES } from "./raspi-firmware.js";
import { BOARD_NAMES, type BoardName } from "./boards.js";

export class BootDirError extends Error {}

/** Directory levels followed below the boot directory (a symlink loop stops here, with a message). */
const MAX_DEPTH = 8;

/** Every regular file below `dir`, sorted, `/`-separated. Symlinks are followed; anything else (a FIFO, a device) is refused. */
export function listBootFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string, depth: number) => {
    if (depth > MAX_DEPTH) throw new BootDirError(`${join(dir, rel)}: more than ${MAX_DEPTH} directory levels (a symlink loop?)`);
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const full = join(dir, path);
      let st;
      try {
        st = statSync(full);
      } catch (e) {
        const broken = lstatSync(full, { throwIfNoEntry: false })?.isSymbolicLink();
        throw new BootDirError(`${full}: ${broken ? "a symlink to nothing" : (e as Error).message}`);
      }
      if (st.isDirectory()) walk(path, depth + 1);
      else if (st.isFile()) out.push(path);
      else throw new BootDirError(`${full} is not a regular file or directory; remove it from the boot directory`);
    }
  };
  walk("", 0);
  return out;
}

/** The board whose Raspberry Pi firmware files are all among `names` (case-insensitive, as FAT is), if any. */
export function firmwareBoard(names: readonly string[]): BoardName | undefined {
  const have = new Set(names.map((n) => n.toLowerCase()));
  return BOARD_NAMES.find((b) => FIRMWARE_FILES[b].every((f) => have.has(f.toLowerCase())));
}

/** What `names` (a boot directory's or an image's files) lack to boot a Pi: empty when nothing. */
export function missingForBoot(names: readonly string[]): string[] {
  const have = new Set(names.map((n) => n.toLowerCase()));
  const lacks = ["kernel8.img", "config.txt"].filter((f) => !have.has(f));
  if (!firmwareBoard(names)) {
    lacks.push(`the Raspberry Pi firmware (Pi 4: ${FIRMWARE_FILES.pi4.join(", ")}; Pi 3: ${FIRMWARE_FILES.pi3.join(", ")})`);
  }
  return lacks;
}

/** "lacks X; a card without it does not boot", or undefined when nothing is missing. */
export function describeMissing(names: readonly string[]): string | undefined {
  const lacks = missingForBoot(names);
  if (!lacks.length) return undefined;
  return `lacks ${lacks.join(", ")}; a card without ${lacks.length === 1 ? "it" : "them"} does not boot`;
}

/** What to do about boot directory `bootDir` whose files `names` lack some a Pi needs to boot (`missingForBoot`). */
export function howToComplete(bootDir: string, names: readonly string[]): string {
  const have = new Set(names.map((n) => n.toLowerCase()));
  const built = have.has("kernel8.img") && have.has("config.txt");
  if (!built) return "Run `piwave build` first: it writes all of them";
  // kernel8.img and config.txt are there, so build ran (with --kernel-only): only the Raspberry Pi firmware is missing.
  let board: "pi3" | "pi4" = "pi4";
  try {
    if (/^# piwave: Raspberry Pi 3\b/.test(readFileSync(join(bootDir, "config.txt"), "utf8"))) board = "pi3";
  } catch {
    /* unreadable config.txt: name the Pi 4's files */
  }
  return (
    `\`piwave build\` ran without them (--kernel-only?). Run it again without --kernel-only: it downloads them once (checked by SHA-256, then cached), ` +
    `or takes them from --firmware-dir DIR (the boot partition of Raspberry Pi OS, e.g. ${FIRMWARE_FILES[board].join(", ")}) or Debian's raspi-firmware package; ` +
    "or copy them into the boot directory yourself"
  );
}

/** `piwave image`: dist/boot → dist/piwave.img, an MBR + FAT32 SD card image. */
import { mkdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { BootDirError, describeMissing, howToComplete, listBootFiles, missingForBoot } from "../boot-files.js";
import { MANIFEST, manifestFromDigests } from "../card-dir.js";
import { ImageError, type ImageSource, VOLUME_LABEL, writeSdImage } from "../image.js";
import { InterruptedError, exitCodeFor, interruptSignal, onCleanup } from "../interrupt.js";
import { formatSize } from "../size.js";
import { UsageError, parse } from "./common.js";

const USAGE = `Usage: piwave image [--boot-dir DIR] [--out FILE]

Packs the boot files that \`piwave build\` wrote (default dist/boot, with its
sub-directories) into an SD card image (default dist/piwave.img): an MBR with
one bootable FAT32 partition labelled ${VOLUME_LABEL}, as small as FAT32 allows
for the files. Write it with Raspberry Pi Imager, balenaEtcher, dd, or
\`piwave flash --device\`. --out names a regular file; to write a card, use
\`piwave flash --device\`, which checks the disk first.
`;

/** Why `out` may not be written as an image file, or undefined when it may. */
export function refuseOutput(out: string): string | undefined {
  const st = statSync(out, { throwIfNoEntry: false });
  if (!st || st.isFile()) return undefined;
  if (st.isBlockDevice()) {
    return `${out} is a block device (a disk); \`piwave image\` writes image files only. To write the card, run \`piwave flash --device ${out}\`, which checks that it is a removable, unmounted card first`;
  }
  if (st.isDirectory()) return `${out} is a directory; give the image file's name (e.g. ${join(out, "piwave.img")})`;
  return `${out} is not a regular file (a ${st.isCharacterDevice() ? "character device" : st.isFIFO() ? "FIFO" : st.isSocket() ? "socket" : "special file"}); give an image file's name`;
}

/** "6 files: config.txt, …, piwave-files.json (…)": every file written, by name, the one piwave adds explained. */
export function describeFiles(names: readonly string[]): string {
  const shown = names.map((n) => (n === MANIFEST ? `${n} (piwave's record of the files it wrote, for \`flash --to\`)` : n));
  return `${names.length} file${names.length === 1 ? "" : "s"}: ${shown.join(", ")}`;
}

export async function imageCommand(args: string[]): Promise<number> {
  const r = parse(args, { "boot-dir": { type: "string" }, out: { type: "string" } }, USAGE);
  if (!r) return 0;
  const bootDir = r.values["boot-dir"] ?? r.outputs.boot;
  const out = r.values.out ?? r.outputs.image;
  const refused = refuseOutput(out);
  if (refused) throw new UsageError(refused);
  if (!statSync(bootDir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`${bootDir} is not a directory: run \`piwave build\` first (it writes the boot files there), or give the boot files' folder with --boot-dir`);
  }
  let names: string[];
  try {
    names = listBootFiles(bootDir).filter((n) => n !== MANIFEST);
  } catch (e) {
    if (e instanceof BootDirError) throw new Error(e.message);
    throw e;
  }
  const missing = missingForBoot(names);
  if (missing.length) throw new Error(`${bootDir} ${describeMissing(names)}. ${howToComplete(bootDir, names)}`);
  const t0 = performance.now();
  const sources: ImageSource[] = names.map((name) => {
    const path = join(bootDir, name);
    const st = statSync(path);
    return { name, path, size: st.size, mtime: st.mtime };
  });
  // The card's record of what piwave wrote, so a later \`flash --to\` updates these files without asking;
  // made from the files' SHA-256, computed while they are copied into the image.
  const manifestSize = manifestFromDigests(names.map((name) => ({ name, sha256: "0".repeat(64) }))).length;
  // Dated like the newest boot file, so the same boot files make the same image.
  const newest = new Date(Math.max(0, ...sources.map((f) => f.mtime?.getTime() ?? 0)));
  sources.push({
    name: MANIFEST,
    size: manifestSize,
    mtime: newest,
    derive: (sha) => manifestFromDigests(names.map((name) => ({ name, sha256: sha.get(name)! }))),
  });
  let image;
  try {
    mkdirSync(dirname(resolve(out)), { recursive: true });
    // An interrupt ends the process once the writing has stopped; the temporary image goes with it.
    image = await writeSdImage(out, sources, { signal: interruptSignal(), onTemporaryFile: (tmp) => onCleanup(() => rmSync(tmp, { force: true })) });
  } catch (e) {
    if (e instanceof InterruptedError) {
      process.stderr.write(`piwave image: interrupted: ${out} is as it was\n`);
      return exitCodeFor(e.signal);
    }
    if (e instanceof ImageError) throw new Error(e.message);
    throw e;
  }
  const shown = relative(process.cwd(), out).startsWith("..") ? out : relative(process.cwd(), out);
  console.log(
    `${shown}: ${formatSize(image.bytes)}, FAT32 partition ${VOLUME_LABEL} with ${describeFiles(image.files.map((f) => f.name))} (${((performance.now() - t0) / 1000).toFixed(2)} s)`,
  );
  return 0;
}

/** `piwave image`: dist/boot → dist/piwave.img, an MBR + FAT32 SD card image. */
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { BootDirError, describeMissing, listBootFiles } from "../boot-files.js";
import { MANIFEST, manifestFor } from "../card-dir.js";
import { writeFileAtomic } from "../fs-atomic.js";
import { ImageError, type ImageFile, VOLUME_LABEL, buildSdImage } from "../image.js";
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

export async function imageCommand(args: string[]): Promise<number> {
  const r = parse(args, { "boot-dir": { type: "string" }, out: { type: "string" } }, USAGE);
  if (!r) return 0;
  const bootDir = r.values["boot-dir"] ?? r.outputs.boot;
  const out = r.values.out ?? r.outputs.image;
  const refused = refuseOutput(out);
  if (refused) throw new UsageError(refused);
  if (!statSync(bootDir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${bootDir} is not a directory: run \`piwave build\` first`);
  let names: string[];
  try {
    names = listBootFiles(bootDir);
  } catch (e) {
    if (e instanceof BootDirError) throw new UsageError(e.message);
    throw e;
  }
  const missing = describeMissing(names);
  if (missing) throw new UsageError(`${bootDir} ${missing}. Run \`piwave build\` first`);
  const files: ImageFile[] = names.filter((n) => n !== MANIFEST).map((name) => ({ name, data: readFileSync(join(bootDir, name)) }));
  // The card's record of what piwave wrote, so a later \`flash --to\` updates these files without asking.
  files.push(manifestFor(files));
  const t0 = performance.now();
  let image: Uint8Array;
  try {
    image = await buildSdImage(files);
  } catch (e) {
    if (e instanceof ImageError) throw new UsageError(e.message);
    throw e;
  }
  mkdirSync(dirname(out), { recursive: true });
  await writeFileAtomic(out, image);
  const shown = relative(process.cwd(), out).startsWith("..") ? out : relative(process.cwd(), out);
  console.log(
    `${shown}: ${(image.length / 1e6).toFixed(1)} MB, FAT32 partition ${VOLUME_LABEL} with ${names.length} boot files (${((performance.now() - t0) / 1000).toFixed(2)} s)`,
  );
  return 0;
}

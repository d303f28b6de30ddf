/** `piwave image`: dist/boot → dist/piwave.img, an MBR + FAT32 SD card image. */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { buildSdImage } from "../image.js";
import { FIRMWARE_FILES } from "../raspi-firmware.js";
import { BOARD_NAMES } from "../boards.js";
import { UsageError, parse } from "./common.js";

const USAGE = `Usage: piwave image [--boot-dir DIR] [--out FILE]

Packs the boot files that \`piwave build\` wrote (default dist/boot) into an
SD card image (default dist/piwave.img): an MBR with one bootable FAT32
partition. Write it with Raspberry Pi Imager, balenaEtcher, dd, or
\`piwave flash --device\`.
`;

export async function imageCommand(args: string[]): Promise<number> {
  const r = parse(args, { "boot-dir": { type: "string" }, out: { type: "string" } }, USAGE);
  if (!r) return 0;
  const bootDir = r.values["boot-dir"] ?? r.outputs.boot;
  const out = r.values.out ?? r.outputs.image;
  if (!existsSync(join(bootDir, "kernel8.img"))) throw new UsageError(`${bootDir} has no kernel8.img: run \`piwave build\` first`);
  const names = readdirSync(bootDir).sort();
  const complete = BOARD_NAMES.some((b) => FIRMWARE_FILES[b].every((f) => names.includes(f)));
  if (!complete) {
    throw new UsageError(
      `${bootDir} lacks the Raspberry Pi firmware (Pi 4: ${FIRMWARE_FILES.pi4.join(", ")}; Pi 3: ${FIRMWARE_FILES.pi3.join(", ")}); ` +
        "a card without it does not boot. Run `piwave build --firmware-dir DIR` first",
    );
  }
  const files = names.map((name) => ({ name, data: new Uint8Array(readFileSync(join(bootDir, name))) }));
  const t0 = performance.now();
  const image = await buildSdImage(files);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, image);
  console.log(
    `${relative(process.cwd(), out)}: ${(image.length / 1e6).toFixed(1)} MB, FAT32 partition with ${names.join(", ")} (${((performance.now() - t0) / 1000).toFixed(2)} s)`,
  );
  return 0;
}

/** `piwave flash`: put the boot files on a card, safely. */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import cliProgress from "cli-progress";
import { RefusedError, candidates, checkDevice, describe, flashToDir, listBlockDevices, writeImage } from "../flash.js";
import { EXIT, JSON_OPTION, UsageError, color, emitJson, parse, ui } from "./common.js";

const USAGE = `Usage: piwave flash --to DIR | --device /dev/sdX [--yes] | --list

  --to DIR        copy the boot files (dist/boot) to a mounted card's boot
                  partition and verify each one by SHA-256
  --device DEV    write the SD image (dist/piwave.img) to a whole removable
                  disk, then read it back and verify. Refused for the system
                  disk, non-removable disks and disks with mounted partitions.
                  Asks for confirmation showing the model and size.
  --yes           do not ask (for scripts)
  --list          show the removable disks piwave would write to
  --boot-dir DIR  boot files to copy (default dist/boot)
  --image FILE    image to write (default dist/piwave.img)
  --allow-loop    accept a loop device (for testing with an image file)
  --json          with --list: the disks as JSON
`;

export async function flashCommand(args: string[]): Promise<number> {
  const r = parse(
    args,
    {
      to: { type: "string" },
      device: { type: "string" },
      yes: { type: "boolean" },
      list: { type: "boolean" },
      "boot-dir": { type: "string" },
      image: { type: "string" },
      "allow-loop": { type: "boolean" },
      ...JSON_OPTION,
    },
    USAGE,
  );
  if (!r) return 0;
  const v = r.values;
  const modes = [v.to, v.device, v.list].filter((x) => x !== undefined).length;
  if (modes !== 1) throw new UsageError(`give exactly one of --to, --device, --list\n\n${USAGE}`);

  if (v.list) {
    const c = candidates(listBlockDevices());
    if (ui.json) {
      emitJson(c.map((d) => ({ ...d, description: describe(d), mounted: d.children.some((x) => x.mountpoints.length > 0) })));
      return EXIT.ok;
    }
    if (!c.length) console.log("no removable disk found (plug the card reader in, then try again)");
    for (const d of c) console.log(`${describe(d)}${d.children.some((x) => x.mountpoints.length) ? " (has mounted partitions)" : ""}`);
    return 0;
  }

  if (v.to) {
    const bootDir = v["boot-dir"] ?? r.outputs.boot;
    if (!existsSync(join(bootDir, "kernel8.img"))) throw new UsageError(`${bootDir} has no kernel8.img: run \`piwave build\` first`);
    try {
      const rep = flashToDir(bootDir, readdirSync(bootDir).sort(), v.to);
      for (const f of rep) console.log(`${f.name}: ${f.bytes} bytes, sha256 ${f.sha256.slice(0, 16)}… ${f.unchanged ? "already on the card" : "verified"}`);
      const copied = rep.filter((f) => !f.unchanged).length;
      console.log(color.green(`${copied} files copied to ${v.to} and verified${copied < rep.length ? `, ${rep.length - copied} already there unchanged` : ""}`));
      return 0;
    } catch (e) {
      if (e instanceof RefusedError) throw new UsageError(e.message);
      throw e;
    }
  }

  const imagePath = v.image ?? r.outputs.image;
  if (!existsSync(imagePath)) throw new UsageError(`${imagePath} does not exist: run \`piwave image\` first`);
  const image = new Uint8Array(readFileSync(imagePath));
  let dev;
  try {
    dev = checkDevice(listBlockDevices(), v.device!, image.length, v["allow-loop"] === true);
  } catch (e) {
    if (e instanceof RefusedError) {
      process.stderr.write(color.red(`refused: ${e.message}\n`));
      return EXIT.refused;
    }
    throw e;
  }
  if (!v.yes) {
    if (!process.stdin.isTTY) {
      process.stderr.write("refused: confirmation needed; run in a terminal, or pass --yes\n");
      return EXIT.refused;
    }
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question(`This ERASES everything on ${describe(dev)}.\nType yes to continue: `);
    rl.close();
    if (answer.trim() !== "yes") {
      console.log("nothing written");
      return EXIT.refused;
    }
  }
  const bar = process.stderr.isTTY && !ui.quiet
    ? new cliProgress.SingleBar({ format: " {phase} {bar} {percentage}% | {value}/{total} MB", stream: process.stderr }, cliProgress.Presets.shades_classic)
    : undefined;
  const totalMb = Math.ceil(image.length / 1e6);
  bar?.start(totalMb, 0, { phase: "write " });
  writeImage(image, dev.path, (done, phase) => bar?.update(Math.round(done / 1e6), { phase: phase === "write" ? "write " : "verify" }));
  bar?.stop();
  console.log(color.green(`${imagePath} written to ${dev.path} and verified (${(image.length / 1e6).toFixed(1)} MB)`));
  return 0;
}

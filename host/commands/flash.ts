/** `piwave flash`: put the boot files on a card, safely. */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { BootDirError, describeMissing, howToComplete, listBootFiles } from "../boot-files.js";
import { BACKUP_DIR, CardRefusedError, MANIFEST, applyCopy, checkCardDir, checkRoom, planCopy } from "../card-dir.js";
import {
  type BlockDevice,
  DeviceAccessError,
  MountedError,
  type Phase,
  RefusedError,
  candidates,
  checkDevice,
  checkImage,
  describe,
  formatBytes,
  listBlockDevices,
  mountedPartitions,
  unmountPartitions,
  writeAccessProblem,
  writeImage,
} from "../flash.js";
import { exitCodeFor, interruptSignal, interruptedBy } from "../interrupt.js";
import { EXIT, JSON_OPTION, UsageError, color, emitJson, parse, ui } from "./common.js";

const USAGE = `Usage: piwave flash [--device /dev/sdX] [--unmount] [--yes] [--image FILE] [--allow-loop]
       piwave flash --to DIR [--boot-dir DIR] [--yes]
       piwave flash --list [--json]

  (no option)     pick the card to write the SD image to: asks which one
                  when there are several, and for confirmation
  --device DEV    write the SD image (dist/piwave.img) to a whole removable
                  disk, then read it back and verify. Refused for the system
                  disk, non-removable disks and disks with mounted partitions,
                  and for a file that is not a bootable Pi image. Asks for
                  confirmation showing the model and size.
  --unmount       unmount the card's mounted partitions first (asks)
  --to DIR        copy the boot files (dist/boot) to a mounted card's boot
                  (FAT) partition and verify each one by SHA-256; unchanged
                  files are skipped. Files there that piwave did not write are
                  shown and replaced only after you agree, with a backup in
                  DIR/${BACKUP_DIR}/
  --yes           do not ask (for scripts)
  --list          show the removable disks piwave would write to
  --boot-dir DIR  boot files to copy (default dist/boot)
  --image FILE    image to write (default dist/piwave.img)
  --allow-loop    accept a loop device (for testing with an image file;
                  \`losetup -f --show FILE\` as root, or \`udisksctl loop-setup -f
                  FILE\` as yourself)
  --json          with --list: the disks as JSON
`;

const REFUSED = EXIT.refused;

function refuse(message: string): number {
  process.stderr.write(color.red(`refused: ${message}`) + "\n");
  return REFUSED;
}

/** Ask on the terminal; undefined when there is none to ask on. */
async function ask(question: string): Promise<string | undefined> {
  if (!process.stdin.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } catch {
    return "";
  } finally {
    rl.close();
  }
}

/** --yes, or a yes on the terminal; a refusal message when neither can be had. */
async function consent(yes: boolean | undefined, question: string, accept: RegExp): Promise<"yes" | "no" | "no-tty"> {
  if (yes) return "yes";
  const a = await ask(question);
  if (a === undefined) return "no-tty";
  return accept.test(a) ? "yes" : "no";
}

/** One progress line on a terminal: phase, bar, percent, MB, speed, time left. Ends at 100 %. */
class ProgressLine {
  private phase: Phase = "write";
  private t0 = performance.now();
  private lastDraw = 0;
  constructor(private readonly total: number) {}

  update(done: number, phase: Phase): void {
    if (phase !== this.phase) {
      this.draw(this.total, true); // the previous phase ends at 100 %
      process.stderr.write("\n");
      this.phase = phase;
      this.t0 = performance.now();
    }
    this.draw(done, done >= this.total);
  }

  private draw(done: number, force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const s = (now - this.t0) / 1000;
    const rate = s > 0 ? done / s : 0;
    const pct = Math.floor((done / this.total) * 100);
    const width = 24;
    const fill = Math.round((done / this.total) * width);
    const left = rate > 0 && done < this.total ? `, ${Math.ceil((this.total - done) / rate)} s left` : "";
    process.stderr.write(
      `\r${this.phase === "write" ? "write " : "verify"} [${"#".repeat(fill)}${"-".repeat(width - fill)}] ${String(pct).padStart(3)} % ` +
        `${(done / 1e6).toFixed(1)}/${(this.total / 1e6).toFixed(1)} MB, ${(rate / 1e6).toFixed(1)} MB/s${left}\x1b[K`,
    );
  }

  end(): void {
    process.stderr.write("\n");
  }
}

export async function flashCommand(args: string[]): Promise<number> {
  const r = parse(
    args,
    {
      to: { type: "string" },
      device: { type: "string" },
      yes: { type: "boolean" },
      list: { type: "boolean" },
      unmount: { type: "boolean" },
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
  if (modes > 1) throw new UsageError(`give one of --to, --device, --list\n\n${USAGE}`);

  if (v.list) {
    const c = candidates(listBlockDevices());
    if (ui.json) {
      emitJson(c.map((d) => ({ ...d, description: describe(d), mounted: d.children.some((x) => x.mountpoints.length > 0) })));
      return EXIT.ok;
    }
    if (!c.length) console.log("no removable disk found (plug the card reader in, then try again)");
    for (const d of c) console.log(`${describe(d)}${mountedPartitions(d).length ? " (has mounted partitions)" : ""}`);
    return 0;
  }
  if (v.to !== undefined) return flashToCard(v.to, v["boot-dir"] ?? r.outputs.boot, v.yes);
  return flashDevice({ device: v.device, imagePath: v.image ?? r.outputs.image, yes: v.yes, unmount: v.unmount, allowLoop: v["allow-loop"] === true });
}

async function flashToCard(target: string, bootDir: string, yes: boolean | undefined): Promise<number> {
  if (!statSync(bootDir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`${bootDir} is not a directory: run \`piwave build\` first (it writes the boot files there), or give the boot files' folder with --boot-dir`);
  }
  let names: string[];
  try {
    names = listBootFiles(bootDir).filter((n) => n !== MANIFEST && !n.startsWith(`${BACKUP_DIR}/`));
  } catch (e) {
    if (e instanceof BootDirError) throw new Error(e.message);
    throw e;
  }
  const missing = describeMissing(names);
  if (missing) throw new Error(`${bootDir} ${missing}. ${howToComplete(bootDir, names)}`);
  try {
    const { note } = checkCardDir(target);
    if (note) process.stderr.write(color.yellow(`note: ${note}`) + "\n");
    const plan = planCopy(bootDir, names, target);
    checkRoom(plan);
    if (plan.foreign.length) {
      process.stderr.write(`${target} holds files that piwave did not write (another system's?), which the boot files would replace:\n`);
      for (const f of plan.foreign) process.stderr.write(`  ${f.name} (${formatBytes(f.existingBytes ?? 0)} on the card)\n`);
      process.stderr.write(`A backup of each is kept on the card in ${plan.backupDir}/.\n`);
      const c = await consent(yes, "Replace them? [y/N] ", /^y(es)?$/i);
      if (c === "no-tty") return refuse(`${target} holds files piwave did not write (${plan.foreign.map((f) => f.name).join(", ")}); run in a terminal to confirm, or pass --yes (a backup of each is kept)`);
      if (c === "no") {
        console.log("nothing copied");
        return REFUSED;
      }
    }
    const rep = await applyCopy(plan, { signal: interruptSignal() });
    let copied = 0;
    for (const f of rep) {
      if (f.action === "same") {
        console.log(`${f.name}: ${formatBytes(f.bytes)}, unchanged`);
        continue;
      }
      copied++;
      console.log(`${f.name}: ${formatBytes(f.bytes)}, sha256 ${f.sha256.slice(0, 16)}… copied and verified${f.backup ? ` (the previous one is in ${f.backup})` : ""}`);
    }
    for (const s of plan.stale) console.log(`${s}: removed (piwave wrote it earlier; the new boot files do not have it)`);
    console.log(color.green(`${copied} file${copied === 1 ? "" : "s"} copied to ${target} and verified, ${rep.length - copied} unchanged.`));
    console.log(`Unmount the card before removing it (umount ${target}, or eject it in your file manager).`);
    return 0;
  } catch (e) {
    if (e instanceof CardRefusedError) return refuse(e.message);
    const sig = interruptedBy();
    if (sig) {
      process.stderr.write(`interrupted: nothing on ${target} was changed\n`);
      return exitCodeFor(sig);
    }
    throw e;
  }
}

interface DeviceOptions {
  device?: string;
  imagePath: string;
  yes?: boolean;
  unmount?: boolean;
  allowLoop: boolean;
}

async function pickDevice(devices: BlockDevice[], o: DeviceOptions, imageBytes: number): Promise<string | number> {
  const pool = o.allowLoop ? [...candidates(devices), ...devices.filter((d) => d.type === "loop" && d.size > 0)] : candidates(devices);
  const ok: BlockDevice[] = [];
  const why: string[] = [];
  for (const d of pool) {
    try {
      ok.push(checkDevice(devices, d.path, imageBytes, o.allowLoop, o.unmount === true));
    } catch (e) {
      if (!(e instanceof RefusedError)) throw e;
      why.push(`  ${e.message}`);
    }
  }
  if (!ok.length) return refuse(`no card to write to${why.length ? ":\n" + why.join("\n") : " (plug the card reader in, then try again)"}`);
  if (o.yes || !process.stdin.isTTY) {
    return refuse(`which disk? Give it with --device (${ok.map((d) => d.path).join(", ")}); piwave does not choose a disk to erase without asking`);
  }
  if (ok.length === 1) {
    process.stderr.write(`Found one card: ${describe(ok[0]!)}\n`);
    return ok[0]!.path;
  }
  ok.forEach((d, i) => process.stderr.write(`${i + 1}) ${describe(d)}${mountedPartitions(d).length ? " (has mounted partitions)" : ""}\n`));
  for (;;) {
    const a = await ask(`Which one (1-${ok.length}, empty to stop)? `);
    if (!a) {
      console.log("nothing written");
      return REFUSED;
    }
    const n = Number(a);
    if (Number.isInteger(n) && n >= 1 && n <= ok.length) return ok[n - 1]!.path;
  }
}

async function flashDevice(o: DeviceOptions): Promise<number> {
  if (!existsSync(o.imagePath)) throw new UsageError(`${o.imagePath} does not exist: run \`piwave image\` first`);
  const image = new Uint8Array(readFileSync(o.imagePath));
  let devices = listBlockDevices();
  let dev: BlockDevice;
  try {
    await checkImage(image, o.imagePath);
    let path = o.device;
    if (path === undefined) {
      const picked = await pickDevice(devices, o, image.length);
      if (typeof picked === "number") return picked;
      path = picked;
    }
    dev = checkDevice(devices, path, image.length, o.allowLoop, o.unmount === true);
    // Before asking anything: a user who may not write the disk is told how to get access.
    const access = writeAccessProblem(dev.path, dev.type);
    if (access) throw new DeviceAccessError(access);
    const mounted = mountedPartitions(dev);
    if (mounted.length) {
      process.stderr.write(`${dev.path} has mounted partitions: ${mounted.map((m) => `${m.path} on ${m.mount}`).join(", ")}\n`);
      const c = await consent(o.yes, "Unmount them? [y/N] ", /^y(es)?$/i);
      if (c === "no-tty") return refuse("confirmation needed to unmount; run in a terminal, or pass --yes");
      if (c === "no") {
        console.log("nothing written");
        return REFUSED;
      }
      await unmountPartitions(dev, interruptSignal());
      devices = listBlockDevices();
      dev = checkDevice(devices, dev.path, image.length, o.allowLoop);
    }
  } catch (e) {
    if (e instanceof MountedError) return refuse(e.message);
    if (e instanceof RefusedError) return refuse(e.message);
    throw e;
  }
  const c = await consent(o.yes, `This ERASES everything on ${describe(dev)}.\nType yes to continue: `, /^yes$/);
  if (c === "no-tty") return refuse("confirmation needed; run in a terminal, or pass --yes");
  if (c === "no") {
    console.log("nothing written");
    return REFUSED;
  }
  const bar = process.stderr.isTTY ? new ProgressLine(image.length) : undefined;
  const t0 = performance.now();
  try {
    await writeImage(image, dev.path, { onProgress: (done, phase) => bar?.update(done, phase), signal: interruptSignal() });
  } catch (e) {
    bar?.end();
    const sig = interruptedBy();
    if (sig) {
      process.stderr.write(color.red(`interrupted: ${dev.path} is only partly written and will not boot; run piwave flash again`) + "\n");
      return exitCodeFor(sig);
    }
    throw e;
  }
  bar?.end();
  const s = (performance.now() - t0) / 1000;
  console.log(color.green(`${o.imagePath} written to ${dev.path} and verified (${formatBytes(image.length)} in ${s.toFixed(1)} s, ${(image.length / 1e6 / s).toFixed(1)} MB/s).`));
  console.log("Synced: safe to remove the card.");
  return 0;
}

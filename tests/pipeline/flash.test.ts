// Flashing: every refusal path, the copy-to-card path, and a real write to a loop device.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { type BlockDevice, RefusedError, candidates, checkDevice, flashToDir, listBlockDevices, parseLsblk } from "../../host/flash.js";
import { buildSdImage } from "../../host/image.js";
import { tempDir } from "../temp.js";

const exec = promisify(execFile);
const bin = new URL("../../bin/piwave.mjs", import.meta.url).pathname;
const MB = 1_000_000;

/** What lsblk prints on a laptop with an NVMe system disk, a USB card reader, an internal SD reader and a DVD drive. */
const LSBLK = JSON.stringify({
  blockdevices: [
    { name: "nvme0n1", path: "/dev/nvme0n1", size: 512e9, rm: false, hotplug: false, ro: false, tran: "nvme", type: "disk", model: "Samsung SSD 980", mountpoints: [null],
      children: [
        { name: "nvme0n1p1", path: "/dev/nvme0n1p1", size: 5e8, rm: false, hotplug: false, ro: false, tran: "nvme", type: "part", model: null, mountpoints: ["/boot/efi"] },
        { name: "nvme0n1p2", path: "/dev/nvme0n1p2", size: 511e9, rm: false, hotplug: false, ro: false, tran: "nvme", type: "part", model: null, mountpoints: ["/"] },
      ] },
    { name: "sda", path: "/dev/sda", size: 2e12, rm: false, hotplug: false, ro: false, tran: "sata", type: "disk", model: "WDC WD20EZRZ", mountpoints: [null],
      children: [{ name: "sda1", path: "/dev/sda1", size: 2e12, rm: false, hotplug: false, ro: false, tran: "sata", type: "part", model: null, mountpoints: ["/data"] }] },
    { name: "sdb", path: "/dev/sdb", size: 31.9e9, rm: true, hotplug: true, ro: false, tran: "usb", type: "disk", model: "SD/MMC Reader", mountpoints: [null],
      children: [{ name: "sdb1", path: "/dev/sdb1", size: 31.9e9, rm: true, hotplug: true, ro: false, tran: "usb", type: "part", model: null, mountpoints: ["/media/me/BOOT"] }] },
    { name: "sdc", path: "/dev/sdc", size: 16e9, rm: true, hotplug: true, ro: false, tran: "usb", type: "disk", model: "Cruzer Blade", mountpoints: [null] },
    { name: "sdd", path: "/dev/sdd", size: 8e9, rm: true, hotplug: true, ro: true, tran: "usb", type: "disk", model: "Locked Card", mountpoints: [null] },
    { name: "sde", path: "/dev/sde", size: 32e6, rm: true, hotplug: true, ro: false, tran: "usb", type: "disk", model: "Tiny Card", mountpoints: [null] },
    { name: "mmcblk0", path: "/dev/mmcblk0", size: 63.9e9, rm: false, hotplug: false, ro: false, tran: null, type: "disk", model: null, mountpoints: [null] },
    { name: "sr0", path: "/dev/sr0", size: 1e9, rm: true, hotplug: true, ro: false, tran: "sata", type: "rom", model: "DVD-RW", mountpoints: [null] },
    { name: "loop3", path: "/dev/loop3", size: 100e6, rm: false, hotplug: false, ro: false, tran: null, type: "loop", model: null, mountpoints: [null] },
  ],
});
const devices: BlockDevice[] = parseLsblk(LSBLK);
const image = 70 * MB;

describe("which disks piwave may write", () => {
  const refused: [string, string, RegExp][] = [
    ["the system disk", "/dev/nvme0n1", /\/dev\/nvme0n1 is the system disk \(\/dev\/nvme0n1p1 on \/boot\/efi, \/dev\/nvme0n1p2 on \/\); piwave never writes to it/],
    ["a partition instead of a disk", "/dev/sdb1", /\/dev\/sdb1 is a partition of \/dev\/sdb; give the whole disk \(e\.g\. \/dev\/sdb\)/],
    ["a non-removable disk", "/dev/sda", /\/dev\/sda: WDC WD20EZRZ, 2000\.0 GB, sata is not removable/],
    ["a card with a mounted partition", "/dev/sdb", /\/dev\/sdb has mounted partitions \(\/dev\/sdb1 on \/media\/me\/BOOT\); unmount them first: sudo umount \/dev\/sdb1/],
    ["a read-only card", "/dev/sdd", /\/dev\/sdd is read-only \(is the card's lock switch on\?\)/],
    ["a card too small for the image", "/dev/sde", /\/dev\/sde: Tiny Card, 0\.0 GB, usb, removable is smaller than the image \(70\.0 MB\)/],
    ["a DVD drive", "/dev/sr0", /\/dev\/sr0 is a rom, not a whole disk/],
    ["a loop device without --allow-loop", "/dev/loop3", /\/dev\/loop3 is a loop device, not a card reader/],
    ["an unknown device", "/dev/sdz", /\/dev\/sdz is not a block device lsblk knows; `piwave flash --list` shows the candidates/],
  ];
  for (const [what, path, message] of refused) {
    it(`refuses ${what}`, () => {
      expect(() => checkDevice(devices, path, image)).toThrow(RefusedError);
      expect(() => checkDevice(devices, path, image)).toThrow(message);
    });
  }

  it("accepts a removable USB stick and a laptop SD reader (mmcblk, RM=0)", () => {
    expect(checkDevice(devices, "/dev/sdc", image).model).toBe("Cruzer Blade");
    expect(checkDevice(devices, "/dev/mmcblk0", image).name).toBe("mmcblk0");
  });

  it("--list shows the removable disks only", () => {
    expect(candidates(devices).map((d) => d.name)).toEqual(["sdb", "sdc", "sdd", "sde", "mmcblk0"]);
  });

  it("on this machine, real lsblk: the disk holding / is refused", () => {
    const real = listBlockDevices();
    const root = real.find((d) => JSON.stringify(d).includes('"/"'));
    expect(root).toBeDefined();
    expect(() => checkDevice(real, root!.path, 1)).toThrow(/is the system disk/);
  });
});

describe("piwave flash --to DIR", () => {
  it("copies the boot files and verifies each by SHA-256", () => {
    const boot = tempDir("piwave-boot-");
    const card = tempDir("piwave-card-");
    writeFileSync(join(boot, "kernel8.img"), Buffer.alloc(100_000, 7));
    writeFileSync(join(boot, "config.txt"), "arm_64bit=1\n");
    const rep = flashToDir(boot, ["config.txt", "kernel8.img"], card);
    expect(rep.map((r) => r.name)).toEqual(["config.txt", "kernel8.img"]);
    expect(readFileSync(join(card, "kernel8.img")).equals(Buffer.alloc(100_000, 7))).toBe(true);
  });

  it("refuses a target that is not a directory", () => {
    expect(() => flashToDir("/tmp", [], "/nonexistent/card")).toThrow(/\/nonexistent\/card is not a directory; give the mount point/);
  });
});

// A real block device, where this machine allows one: a loop device over an image file.
function makeLoop(bytes: number): { file: string; dev: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const file = join(tempDir("piwave-loop-"), "card.bin");
  writeFileSync(file, Buffer.alloc(bytes));
  const r = spawnSync("losetup", ["-f", "--show", file], { encoding: "utf8" });
  if (r.status !== 0) return undefined;
  return { file, dev: r.stdout.trim() };
}
const loop = makeLoop(96 * 1024 * 1024);
afterAll(() => {
  if (loop) spawnSync("losetup", ["-d", loop.dev]);
});

describe.skipIf(!loop)("piwave flash --device on a loop device (root only)", () => {
  const run = async (args: string[]) => {
    try {
      const r = await exec(process.execPath, [bin, "flash", ...args], { timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } });
      return { code: 0, ...r };
    } catch (e) {
      return e as { code: number; stdout: string; stderr: string };
    }
  };

  it("refuses the loop device without --allow-loop, and without confirmation when not interactive", async () => {
    const dir = tempDir("piwave-img-");
    const img = join(dir, "piwave.img");
    writeFileSync(img, await buildSdImage([{ name: "config.txt", data: new TextEncoder().encode("arm_64bit=1\n") }]));
    const a = await run(["--device", loop!.dev, "--image", img]);
    expect(a.code).toBe(3);
    expect(a.stderr).toContain(`refused: ${loop!.dev} is a loop device, not a card reader`);
    const b = await run(["--device", loop!.dev, "--image", img, "--allow-loop"]);
    expect(b.code).toBe(3);
    expect(b.stderr).toContain("refused: confirmation needed; run in a terminal, or pass --yes");
  });

  it("writes, syncs, reads back and verifies; the result is a valid card", async () => {
    const dir = tempDir("piwave-img-");
    mkdirSync(dir, { recursive: true });
    const img = join(dir, "piwave.img");
    const kernel = new Uint8Array(1_500_000).map((_, i) => (i * 31) & 0xff);
    writeFileSync(img, await buildSdImage([{ name: "kernel8.img", data: kernel }]));
    const r = await run(["--device", loop!.dev, "--image", img, "--allow-loop", "--yes"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`written to ${loop!.dev} and verified`);
    const out = join(dir, "k.out");
    execFileSync("mcopy", ["-n", "-i", `${loop!.file}@@${8192 * 512}`, "::/kernel8.img", out]);
    expect(Buffer.compare(readFileSync(out), Buffer.from(kernel))).toBe(0);
  });
});

// Flashing: every refusal path, copying to a really mounted FAT card, and real writes to loop devices.
// Interactive prompts run under a real pseudo-terminal (util-linux `script`).
import { execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { MANIFEST, applyCopy, planCopy } from "../../host/card-dir.js";
import { type BlockDevice, RefusedError, candidates, checkDevice, checkImage, formatBytes, listBlockDevices, parseLsblk } from "../../host/flash.js";
import { type ImageFile, buildSdImage } from "../../host/image.js";
import { mountOf, parseDarwinMount, parseMountinfo } from "../../host/mounts.js";
import { canMountFat, canUseLoop, cleanup, fatCard, loopDevice, mountFat, tempDir, tmpfs } from "./disks.js";

const exec = promisify(execFile);
const bin = new URL("../../bin/piwave.mjs", import.meta.url).pathname;
const MB = 1_000_000;
afterAll(cleanup);

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
    ["a card with a mounted partition", "/dev/sdb", /\/dev\/sdb has mounted partitions \(\/dev\/sdb1 on \/media\/me\/BOOT\); unmount them first: sudo umount \/dev\/sdb1 \(or pass --unmount\)/],
    ["a read-only card", "/dev/sdd", /\/dev\/sdd is read-only \(is the card's lock switch on\?\)/],
    // A small device is in MB, not "0.0 GB".
    ["a card too small for the image", "/dev/sde", /\/dev\/sde: Tiny Card, 32\.0 MB, usb, removable is smaller than the image \(70\.0 MB\)/],
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

  it("--unmount lifts the mounted-partition refusal only", () => {
    expect(checkDevice(devices, "/dev/sdb", image, false, true).name).toBe("sdb");
    expect(() => checkDevice(devices, "/dev/nvme0n1", image, false, true)).toThrow(/is the system disk/);
  });

  it("--list shows the removable disks only", () => {
    expect(candidates(devices).map((d) => d.name)).toEqual(["sdb", "sdc", "sdd", "sde", "mmcblk0"]);
  });

  it("sizes in one style: MB below 1 GB, GB above", () => {
    expect([formatBytes(0), formatBytes(40), formatBytes(123_456), formatBytes(999e6), formatBytes(31.9e9)]).toEqual(["0.0 MB", "< 0.1 MB", "0.1 MB", "999.0 MB", "31.9 GB"]);
  });

  it("on this machine, real lsblk: the disk holding / is refused", () => {
    const real = listBlockDevices();
    const root = real.find((d) => JSON.stringify(d).includes('"/"'));
    expect(root).toBeDefined();
    expect(() => checkDevice(real, root!.path, 1)).toThrow(/is the system disk/);
  });
});

describe("the mount table", () => {
  const text = [
    "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw",
    "45 22 8:17 / /media/me/my\\040card rw,nosuid,nodev shared:30 - vfat /dev/sdb1 rw,fmask=0022",
    "46 22 8:18 / /media/me/rootfs ro,nosuid shared:31 - ext4 /dev/sdb2 ro",
    "47 22 0:40 / /mnt/fuse rw,nosuid,nodev - fuse.fusefat fusefat rw,user_id=0",
  ].join("\n");

  it("parses /proc/self/mountinfo, spaces (\\040) and read-only mounts included", () => {
    expect(parseMountinfo(text)).toEqual([
      { mountPoint: "/", fsType: "ext4", source: "/dev/nvme0n1p2", readOnly: false },
      { mountPoint: "/media/me/my card", fsType: "vfat", source: "/dev/sdb1", readOnly: false },
      { mountPoint: "/media/me/rootfs", fsType: "ext4", source: "/dev/sdb2", readOnly: true },
      { mountPoint: "/mnt/fuse", fsType: "fuse.fusefat", source: "fusefat", readOnly: false },
    ]);
  });

  it("parses macOS mount(8) output", () => {
    expect(parseDarwinMount("/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)\n/dev/disk4s1 on /Volumes/BOOT FS (msdos, local, nodev, nosuid, noowners)\n")).toEqual([
      { source: "/dev/disk3s1s1", mountPoint: "/", fsType: "apfs", readOnly: true },
      { source: "/dev/disk4s1", mountPoint: "/Volumes/BOOT FS", fsType: "msdos", readOnly: false },
    ]);
  });

  it("finds the mount a directory lies on, and whether it is its root", () => {
    const here = tempDir("piwave-where-");
    const mounts = [...parseMountinfo(text), { mountPoint: here, fsType: "vfat", source: "/dev/sdz1", readOnly: false }];
    expect(mountOf(mounts, here)).toMatchObject({ isRoot: true, mount: { fsType: "vfat" } });
    mkdirSync(join(here, "sub"));
    expect(mountOf(mounts, join(here, "sub"))).toMatchObject({ isRoot: false, mount: { mountPoint: here } });
  });
});

// ---- Fixtures: a boot directory and its SD image ----
const work = tempDir("piwave-flash-");
const bytes = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * 2654435761 + seed) >>> 24);
const bootFiles: ImageFile[] = [
  { name: "kernel8.img", data: bytes(200_000, 1) },
  { name: "config.txt", data: new TextEncoder().encode("arm_64bit=1\nkernel=kernel8.img\n") },
  { name: "start4.elf", data: bytes(50_000, 2) },
  { name: "fixup4.dat", data: bytes(5_000, 3) },
  { name: "overlays/disable-bt.dtbo", data: bytes(1_000, 4) },
];
function bootDir(name: string, files: readonly ImageFile[]): string {
  const d = join(work, name);
  for (const f of files) {
    mkdirSync(join(d, f.name, ".."), { recursive: true });
    writeFileSync(join(d, f.name), f.data);
  }
  return d;
}
const boot = bootDir("boot", bootFiles);
let goodImage: string;
beforeAll(async () => {
  goodImage = join(work, "piwave.img");
  writeFileSync(goodImage, await buildSdImage(bootFiles));
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
async function flash(args: string[]): Promise<Run> {
  try {
    const r = await exec(process.execPath, [bin, "flash", ...args], { timeout: 90_000, env: { ...process.env, NO_COLOR: "1" } });
    return { code: 0, ...r };
  } catch (e) {
    return e as Run;
  }
}

/** Run `piwave flash ARGS` on a real pseudo-terminal, answering each prompt (matched in order) with its answer. */
function flashOnTty(args: string[], answers: [RegExp, string | ((out: string) => string)][]): Promise<{ code: number | null; out: string }> {
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const cmd = [process.execPath, bin, "flash", ...args].map(q).join(" ");
  const p = spawn("script", ["-qfec", cmd, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  let out = "";
  let seen = 0;
  const pending = [...answers];
  p.stdout!.on("data", (c: Buffer) => {
    out += c.toString();
    const next = pending[0];
    if (next && next[0].test(out.slice(seen))) {
      seen = out.length;
      pending.shift();
      p.stdin!.write((typeof next[1] === "string" ? next[1] : next[1](out)) + "\r");
    }
  });
  const timer = setTimeout(() => p.kill("SIGKILL"), 90_000);
  return new Promise((resolve) =>
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    }),
  );
}

describe("flash --to with boot files a Pi cannot boot from", () => {
  it("a built boot directory without the Pi firmware: exit 1 with error:, pointing at --firmware-dir and the download; nothing copied", async () => {
    const d = bootDir("kernel-only", [bootFiles[0]!, bootFiles[1]!]);
    const target = tempDir("piwave-card-");
    const r = await flash(["--to", target, "--boot-dir", d, "--yes"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^piwave flash: error: .*kernel-only lacks the Raspberry Pi firmware .*`piwave build` ran without them \(--kernel-only\?\).*--firmware-dir DIR/);
    expect(readdirSync(target)).toEqual([]);
    const none = await flash(["--to", target, "--boot-dir", join(work, "no-such-boot")]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^piwave flash: error: .*no-such-boot is not a directory: run `piwave build` first/);
  });
});

describe("checkImage: flash --device writes only a bootable Pi image", () => {
  const cases: [string, () => Promise<Uint8Array>, RegExp][] = [
    ["an empty file", async () => new Uint8Array(0), /x is not an SD card image: it is 0 bytes, smaller than a partition table/],
    ["a text file", async () => new TextEncoder().encode("hello\n".repeat(200)), /x is not an SD card image: it has no MBR partition table/],
    ["a WAV file", async () => { const b = new Uint8Array(4096); b.set(new TextEncoder().encode("RIFF\x00\x00\x00\x00WAVEfmt ")); return b; }, /no MBR partition table/],
    ["a GPT disk", async () => { const b = new Uint8Array(4096); b[0x1be + 4] = 0xee; b[510] = 0x55; b[511] = 0xaa; return b; }, /it is a GPT disk \(protective MBR\)/],
    ["a disk with only a Linux partition", async () => { const b = new Uint8Array(4096); b[0x1be + 4] = 0x83; b[510] = 0x55; b[511] = 0xaa; return b; }, /it has no FAT partition \(partition types 0x83\)/],
    ["a truncated image", async () => (await buildSdImage(bootFiles)).subarray(0, 5 * MB), /its FAT partition \(sectors 8192\.\.\d+\) does not lie inside the 5000000-byte image: truncated\?/],
    ["a FAT partition holding no file system", async () => { const b = await buildSdImage(bootFiles); b.fill(0, 8192 * 512, 8192 * 512 + 4096); return b; }, /its first partition is marked FAT32 \(LBA\) but holds no readable FAT file system/],
    ["an image without the Pi firmware and config.txt", async () => buildSdImage([bootFiles[0]!]), /x is not a bootable Pi image: its boot partition lacks config\.txt, the Raspberry Pi firmware \(Pi 4: start4\.elf, fixup4\.dat; Pi 3: bootcode\.bin, start\.elf, fixup\.dat\); a card without them does not boot/],
  ];
  for (const [what, make, message] of cases) {
    it(`refuses ${what}`, async () => {
      await expect(checkImage(await make(), "x")).rejects.toThrow(message);
    });
  }

  it("accepts piwave's image, listing its files", async () => {
    expect((await checkImage(new Uint8Array(readFileSync(goodImage)), goodImage)).sort()).toEqual(bootFiles.map((f) => f.name).sort());
  });
});

describe("the copy plan (library, on a plain directory)", () => {
  it("a second backup of the same name in the same second does not overwrite the first", async () => {
    const card = tempDir("piwave-plan-");
    const now = new Date("2026-12-06T06:00:00Z");
    const configs = ["first foreign config\n", "second foreign config\n"];
    for (const text of configs) {
      writeFileSync(join(card, "config.txt"), text);
      rmSync(join(card, MANIFEST), { force: true }); // as if another tool rewrote the card in between
      const plan = planCopy(boot, ["config.txt"], card, now);
      expect(plan.foreign.map((f) => f.name)).toEqual(["config.txt"]);
      await applyCopy(plan);
    }
    expect(readFileSync(join(card, "piwave-backup/20261206T060000Z/config.txt"), "utf8")).toBe(configs[0]);
    expect(readFileSync(join(card, "piwave-backup/20261206T060000Z/config.txt.1"), "utf8")).toBe(configs[1]);
  });
});

describe.skipIf(!canMountFat)("piwave flash --to DIR (a real FAT card, mounted with fusefat; root only)", () => {
  it("refuses a plain folder and a mounted file system that is not FAT, saying why", async () => {
    const folder = tempDir("piwave-folder-");
    const a = await flash(["--to", folder, "--boot-dir", boot]);
    expect(a.code).toBe(3);
    expect(a.stderr).toMatch(new RegExp(`refused: ${folder} is a folder inside \\S+ \\(\\S+\\), not the root of a mounted card partition`));
    const t = tmpfs(4 * MB);
    const b = await flash(["--to", t, "--boot-dir", boot]);
    expect(b.code).toBe(3);
    expect(b.stderr).toContain(`refused: ${t} is a tmpfs file system, but a Pi boots only from FAT`);
    expect(readdirSync(t)).toEqual([]);
  });

  it("copies the boot files, overlays/ included, verifies them, and skips unchanged files the next time", async () => {
    const card = fatCard();
    const r = await flash(["--to", card.mount, "--boot-dir", boot]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/overlays\/disable-bt\.dtbo: < 0\.1 MB, sha256 [0-9a-f]{16}… copied and verified/);
    expect(r.stdout).toContain(`5 files copied to ${card.mount} and verified, 0 unchanged.`);
    expect(r.stdout).toContain(`Unmount the card before removing it`);
    for (const f of bootFiles) expect(readFileSync(join(card.mount, f.name))).toEqual(Buffer.from(f.data));
    expect(existsSync(join(card.mount, MANIFEST))).toBe(true);
    const again = await flash(["--to", card.mount, "--boot-dir", boot]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("0 files copied");
    expect(again.stdout).toContain("kernel8.img: 0.2 MB, unchanged");
  });

  it("files another system wrote: listed, refused without a terminal or --yes, card untouched", async () => {
    const card = fatCard();
    writeFileSync(join(card.mount, "config.txt"), "# Raspberry Pi OS\ndtoverlay=vc4-kms-v3d\n");
    writeFileSync(join(card.mount, "kernel8.img"), "another OS's kernel");
    const r = await flash(["--to", card.mount, "--boot-dir", boot]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`holds files that piwave did not write (another system's?), which the boot files would replace:\n  config.txt (< 0.1 MB on the card)\n  kernel8.img (< 0.1 MB on the card)`);
    expect(r.stderr).toContain(`refused: ${card.mount} holds files piwave did not write (config.txt, kernel8.img); run in a terminal to confirm, or pass --yes (a backup of each is kept)`);
    expect(readFileSync(join(card.mount, "config.txt"), "utf8")).toContain("Raspberry Pi OS");
    expect(readFileSync(join(card.mount, "kernel8.img"), "utf8")).toBe("another OS's kernel");
    expect(existsSync(join(card.mount, "start4.elf"))).toBe(false);
    expect(readdirSync(card.mount).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("on a terminal: 'n' keeps them; 'y' replaces them and keeps a backup of each; later runs do not ask again", async () => {
    const card = fatCard();
    writeFileSync(join(card.mount, "config.txt"), "# Raspberry Pi OS\n");
    const no = await flashOnTty(["--to", card.mount, "--boot-dir", boot], [[/Replace them\? \[y\/N\] /, "n"]]);
    expect(no.out).toContain("config.txt (< 0.1 MB on the card)");
    expect(no.out).toContain("nothing copied");
    expect(no.code).toBe(3);
    expect(readFileSync(join(card.mount, "config.txt"), "utf8")).toBe("# Raspberry Pi OS\n");
    const yes = await flashOnTty(["--to", card.mount, "--boot-dir", boot], [[/Replace them\? \[y\/N\] /, "y"]]);
    expect(yes.code, yes.out).toBe(0);
    const backup = yes.out.match(/the previous one is in (piwave-backup\/\d{8}T\d{6}Z\/config\.txt)/)![1]!;
    expect(readFileSync(join(card.mount, backup), "utf8")).toBe("# Raspberry Pi OS\n");
    expect(readFileSync(join(card.mount, "config.txt"))).toEqual(Buffer.from(bootFiles[1]!.data));
    // Now piwave's own: a new build replaces it without asking.
    const boot2 = bootDir("boot2", [...bootFiles.slice(0, 1), { name: "config.txt", data: new TextEncoder().encode("arm_64bit=1\n# v2\n") }, ...bootFiles.slice(2)]);
    const update = await flash(["--to", card.mount, "--boot-dir", boot2]);
    expect(update.code, update.stderr).toBe(0);
    expect(update.stdout).toMatch(/config\.txt: .* copied and verified\n/);
    expect(readFileSync(join(card.mount, "config.txt"), "utf8")).toContain("# v2");
  }, 60_000);

  it("--yes replaces them for scripts, with the backups; piwave's files the new set lacks are removed", async () => {
    const card = fatCard();
    writeFileSync(join(card.mount, "kernel8.img"), "another OS's kernel");
    const pi3 = bootDir("boot-pi3", [bootFiles[0]!, bootFiles[1]!, { name: "bootcode.bin", data: bytes(3000, 5) }, { name: "start.elf", data: bytes(3000, 6) }, { name: "fixup.dat", data: bytes(300, 7) }]);
    const r = await flash(["--to", card.mount, "--boot-dir", pi3, "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/kernel8\.img: .*copied and verified \(the previous one is in piwave-backup\/\d{8}T\d{6}Z\/kernel8\.img\)/);
    // Switch the card to the Pi 4 set: the Pi 3 firmware piwave wrote goes.
    const s = await flash(["--to", card.mount, "--boot-dir", boot]);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toContain("bootcode.bin: removed (piwave wrote it earlier; the new boot files do not have it)");
    expect(existsSync(join(card.mount, "bootcode.bin"))).toBe(false);
    expect(existsSync(join(card.mount, "start4.elf"))).toBe(true);
  });

  it("a card too full for the new files: refused, the previous boot files intact, no temporary file left", async () => {
    const { dev } = loopDevice(3 * 1024 * 1024);
    execFileSync("mkfs.fat", ["-n", "SMALL", dev]);
    const mount = mountFat(dev);
    writeFileSync(join(mount, "kernel8.img"), "the working kernel");
    const big = bootDir("boot-big", [{ name: "kernel8.img", data: bytes(5 * MB, 8) }, ...bootFiles.slice(1)]);
    const r = await flash(["--to", mount, "--boot-dir", big, "--yes"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/refused: the card's boot partition \S+ has \d\.\d MB free; the new files need 5\.1 MB .*Nothing on the card was changed/);
    expect(r.stderr).not.toContain("Replace them"); // no question before the refusal
    expect(readFileSync(join(mount, "kernel8.img"), "utf8")).toBe("the working kernel");
    expect(readdirSync(mount).filter((n) => n.endsWith(".tmp") || n === "start4.elf")).toEqual([]);
  });
  it("Ctrl-C during the copy: exit 130, nothing on the card changed, no temporary file left", async () => {
    const card = fatCard();
    writeFileSync(join(card.mount, "kernel8.img"), "the working kernel");
    const big = bootDir("boot-ctrlc", [{ name: "kernel8.img", data: bytes(30 * MB, 10) }, ...bootFiles.slice(1)]);
    const p = spawn(process.execPath, [bin, "flash", "--to", card.mount, "--boot-dir", big, "--yes"], { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    p.stderr!.on("data", (c) => (err += c));
    const exit = new Promise<number | null>((r) => p.on("close", (c) => r(c)));
    // Interrupt once the copy has begun: a temporary file is on the card.
    for (let i = 0; i < 600 && !readdirSync(card.mount).some((n) => n.endsWith(".tmp")); i++) await new Promise((r) => setTimeout(r, 50));
    p.kill("SIGINT");
    expect(await exit).toBe(130);
    expect(err).toContain(`interrupted: nothing on ${card.mount} was changed`);
    expect(readFileSync(join(card.mount, "kernel8.img"), "utf8")).toBe("the working kernel");
    expect(readdirSync(card.mount).filter((n) => n.endsWith(".tmp") || n === "config.txt" || n === MANIFEST)).toEqual([]);
  }, 60_000);

  it("a card that fills up during the copy (its driver reports no free space up front): refused, nothing changed", async () => {
    const card = fatCard(40 * 1024 * 1024); // fusefat reports 0 blocks for FAT32: only the write itself can tell
    writeFileSync(join(card.mount, "kernel8.img"), "the working kernel");
    const big = bootDir("boot-huge", [{ name: "kernel8.img", data: bytes(45 * MB, 9) }, ...bootFiles.slice(1)]);
    const r = await flash(["--to", card.mount, "--boot-dir", big, "--yes"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/refused: (could not write to the card's boot partition \S+ \(E[A-Z]+: .*\); is it full\?|the card's boot partition \S+ is full:) The new files need 45\.1 MB\. Nothing on the card was changed/);
    expect(readFileSync(join(card.mount, "kernel8.img"), "utf8")).toBe("the working kernel");
    expect(readdirSync(card.mount).filter((n) => n.endsWith(".tmp") || n === "config.txt")).toEqual([]);
  }, 60_000);
});

describe.skipIf(!canUseLoop)("piwave flash --device on a loop device (root only)", () => {
  it("refuses the loop device without --allow-loop, and without confirmation when not interactive", async () => {
    const loop = loopDevice(64 * 1024 * 1024);
    const a = await flash(["--device", loop.dev, "--image", goodImage]);
    expect(a.code).toBe(3);
    expect(a.stderr).toContain(`refused: ${loop.dev} is a loop device, not a card reader`);
    const b = await flash(["--device", loop.dev, "--image", goodImage, "--allow-loop"]);
    expect(b.code).toBe(3);
    expect(b.stderr).toContain("refused: confirmation needed; run in a terminal, or pass --yes");
  });

  it("refuses a file that is not a bootable Pi image (0 bytes, text, no firmware); the disk is untouched", async () => {
    const marker = Buffer.from("the card's own first bytes");
    const loop = loopDevice(64 * 1024 * 1024, marker);
    const empty = join(work, "empty.img");
    writeFileSync(empty, "");
    const text = join(work, "notes.img");
    writeFileSync(text, "not an image\n");
    const noFw = join(work, "nofw.img");
    writeFileSync(noFw, await buildSdImage([bootFiles[0]!, bootFiles[1]!]));
    const expected: [string, string][] = [
      [empty, `${empty} is not an SD card image: it is 0 bytes, smaller than a partition table`],
      [text, `${text} is not an SD card image: it is 13 bytes, smaller than a partition table`],
      [noFw, `${noFw} is not a bootable Pi image: its boot partition lacks the Raspberry Pi firmware`],
    ];
    for (const [img, message] of expected) {
      const r = await flash(["--device", loop.dev, "--image", img, "--allow-loop", "--yes"]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`refused: ${message}`);
    }
    expect(readFileSync(loop.file).subarray(0, marker.length)).toEqual(marker);
  });

  it("writes, syncs, reads back and verifies; the result is a valid card; says it is safe to remove", async () => {
    const loop = loopDevice(64 * 1024 * 1024);
    const r = await flash(["--device", loop.dev, "--image", goodImage, "--allow-loop", "--yes"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`written to ${loop.dev} and verified \\(\\d+\\.\\d MB in \\d+\\.\\d s, \\d+\\.\\d MB/s\\)\\.\\nSynced: safe to remove the card\\.`));
    const out = join(work, "k.out");
    execFileSync("mcopy", ["-n", "-i", `${loop.file}@@${8192 * 512}`, "::/kernel8.img", out]);
    expect(readFileSync(out)).toEqual(Buffer.from(bootFiles[0]!.data));
  });

  it("a card with a mounted file system: refused; --unmount (with --yes) unmounts it, then writes", async () => {
    // A card formatted as one ext4 file system, mounted (this container's loop devices have no partition nodes).
    const loop = loopDevice(64 * 1024 * 1024);
    execFileSync("mkfs.ext4", ["-q", loop.dev]);
    const root = tempDir("piwave-rootfs-");
    execFileSync("mount", [loop.dev, root]);
    try {
      const a = await flash(["--device", loop.dev, "--image", goodImage, "--allow-loop", "--yes"]);
      expect(a.code).toBe(3);
      expect(a.stderr).toContain(`refused: ${loop.dev} has mounted partitions (${loop.dev} on ${root}); unmount them first: sudo umount ${loop.dev} (or pass --unmount)`);
      const b = await flash(["--device", loop.dev, "--image", goodImage, "--allow-loop", "--yes", "--unmount"]);
      expect(b.stderr).toContain(`${loop.dev} has mounted partitions: ${loop.dev} on ${root}`);
      expect(b.code, b.stderr).toBe(0);
      expect(b.stdout).toContain(`written to ${loop.dev} and verified`);
      expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(` ${root} `);
    } finally {
      spawnSync("umount", [root]);
    }
  }, 60_000);

  it("without --device on a terminal: picks from the candidates, asks before erasing, shows progress ending at 100 %", async () => {
    const a = loopDevice(48 * 1024 * 1024);
    const b = loopDevice(48 * 1024 * 1024);
    // Other loop devices on this machine may be listed too: answer with our device's number from the listing.
    const pick = (dev: string) => (out: string) => out.match(new RegExp(`(\\d+)\\) ${dev}: unknown model, 50\\.3 MB`))?.[1] ?? "";
    const stop = await flashOnTty(["--image", goodImage, "--allow-loop"], [[/Which one \(1-\d+, empty to stop\)\? /, ""]]);
    expect(pick(a.dev)(stop.out)).not.toBe("");
    expect(pick(b.dev)(stop.out)).not.toBe("");
    expect(stop.out).toContain("nothing written");
    expect(stop.code).toBe(3);
    const refuse = await flashOnTty(["--image", goodImage, "--allow-loop"], [
      [/Which one/, pick(b.dev)],
      [/Type yes to continue: /, "no"],
    ]);
    expect(refuse.out).toContain(`This ERASES everything on ${b.dev}: unknown model, 50.3 MB`);
    expect(refuse.code).toBe(3);
    expect(readFileSync(b.file).subarray(510, 512)).toEqual(Buffer.from([0, 0]));
    const yes = await flashOnTty(["--image", goodImage, "--allow-loop"], [
      [/Which one/, pick(b.dev)],
      [/Type yes to continue: /, "yes"],
    ]);
    expect(yes.code, yes.out).toBe(0);
    const lastWrite = yes.out.split("\r").filter((l) => l.startsWith("write ")).at(-1)!;
    const lastVerify = yes.out.split("\r").filter((l) => l.startsWith("verify")).at(-1)!;
    expect(lastWrite).toMatch(/^write  \[#{24}\] 100 % (\d+\.\d)\/\1 MB, \d+\.\d MB\/s/);
    expect(lastVerify).toMatch(/^verify \[#{24}\] 100 % (\d+\.\d)\/\1 MB, \d+\.\d MB\/s/);
    expect(yes.out).toContain("safe to remove the card");
    expect(readFileSync(b.file).subarray(510, 512)).toEqual(Buffer.from([0x55, 0xaa]));
    expect(readFileSync(a.file).subarray(510, 512)).toEqual(Buffer.from([0, 0]));
  }, 90_000);

  it("as a user who may not write the loop device (nobody): exit 1, before any question, with the ways to get access; not a bare EACCES", async () => {
    const marker = Buffer.from("the card's own first bytes");
    const loop = loopDevice(64 * 1024 * 1024, marker);
    // nobody must be able to read the image and the folder it is in: not under TMPDIR, which may be
    // private to this user (CI's is made by mktemp -d, mode 700), but in a folder of its own in /tmp.
    const shared = mkdtempSync("/tmp/piwave-flash-nobody-");
    onTestFinished(() => rmSync(shared, { recursive: true, force: true }));
    const img = join(shared, "piwave.img");
    writeFileSync(img, readFileSync(goodImage));
    chmodSync(shared, 0o755);
    chmodSync(img, 0o644);
    const r = spawnSync("runuser", ["-u", "nobody", "--", process.execPath, bin, "flash", "--device", loop.dev, "--image", img, "--allow-loop", "--yes"], {
      cwd: shared,
      encoding: "utf8",
      env: { PATH: process.env.PATH, HOME: shared, NO_COLOR: "1", PIWAVE_CACHE_DIR: join(shared, "cache") },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^piwave flash: error: cannot write ${loop.dev}: permission denied \\(it belongs to root:\\w+, mode \\d{3}, and you are not root\\)\\. Ways to get access: run piwave as root`));
    expect(r.stderr).toContain(`udisksctl loop-setup -f ${loop.file}`);
    expect(r.stderr).not.toMatch(/EACCES|ERASES/);
    expect(readFileSync(loop.file).subarray(0, marker.length)).toEqual(marker);
  });

  it("without --device and not on a terminal: refused, naming the candidates", async () => {
    const loop = loopDevice(48 * 1024 * 1024);
    const r = await flash(["--image", goodImage, "--allow-loop", "--yes"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`refused: which disk\\? Give it with --device \\(.*${loop.dev}.*\\); piwave does not choose a disk to erase without asking`));
  });
});

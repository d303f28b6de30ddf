// The SD card image, checked with the real dosfstools and mtools.
import { execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PARTITION_START, SECTOR, VOLUME_LABEL, buildSdImage, geometry, readSdImage } from "../../host/image.js";
import { canMountFat, canUseLoop, cleanup, loopDevice, mountFat, tempDir, tmpfs } from "./disks.js";

const exec = promisify(execFile);
const bin = new URL("../../bin/piwave.mjs", import.meta.url).pathname;
const dir = tempDir("piwave-img-");
const imgPath = join(dir, "piwave.img");
const at = `@@${PARTITION_START * SECTOR}`;
const files = [
  { name: "kernel8.img", data: new Uint8Array(3_000_001).map((_, i) => (i * 2654435761) >>> 24) },
  { name: "config.txt", data: new TextEncoder().encode("arm_64bit=1\nkernel=kernel8.img\n") },
  { name: "start4.elf", data: new Uint8Array(2_228_000).map((_, i) => i & 0xff) },
  { name: "fixup4.dat", data: new Uint8Array(5_400).fill(0x5a) },
  { name: "overlays/disable-bt.dtbo", data: new Uint8Array(1_234).fill(0x42) },
  { name: "overlays/nested/README with a long name.txt", data: new TextEncoder().encode("deep\n") },
];
let image: Uint8Array;

beforeAll(async () => {
  image = await buildSdImage(files);
  writeFileSync(imgPath, image);
});
afterAll(cleanup);

/** Data clusters of the FAT partition, from mtools' view of the boot sector. */
function clusters(img: string): number {
  const part = join(dir, "part-fsck.img");
  writeFileSync(part, readFileSync(img).subarray(PARTITION_START * SECTOR));
  const r = spawnSync("fsck.fat", ["-n", part], { encoding: "utf8" });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  return Number(r.stdout.match(/files, \d+\/(\d+) clusters/)![1]);
}

describe("SD card image", () => {
  it("has an MBR with one bootable FAT32 (LBA) partition at 4 MiB", () => {
    const dv = new DataView(image.buffer);
    expect([image[510], image[511]]).toEqual([0x55, 0xaa]);
    expect(image[0x1be]).toBe(0x80);
    expect(image[0x1be + 4]).toBe(0x0c);
    expect(dv.getUint32(0x1be + 8, true)).toBe(PARTITION_START);
    const sectors = dv.getUint32(0x1be + 12, true);
    expect((PARTITION_START + sectors) * SECTOR).toBe(image.length);
    expect(image[0x1ce + 4]).toBe(0); // no second partition
  });

  it("fsck.fat -n finds nothing wrong with the partition", () => {
    const part = join(dir, "part.img");
    writeFileSync(part, image.subarray(PARTITION_START * SECTOR));
    const r = spawnSync("fsck.fat", ["-n", part], { encoding: "utf8" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/differs|label/i);
    // 6 files, 2 directories and the volume label.
    expect(r.stdout).toMatch(/9 files, \d+\/\d+ clusters/);
  });

  it(`mtools sees FAT32 labelled ${VOLUME_LABEL}, the right hidden-sector count and every file, sub-directories included`, () => {
    const info = execFileSync("minfo", ["-i", `${imgPath}${at}`, "::"], { encoding: "utf8" });
    expect(info).toMatch(/hidden sectors: 8192/);
    expect(info).toMatch(/disk type="FAT32 *"/);
    expect(info).toMatch(/backup boot sector=6/);
    expect(info).toMatch(new RegExp(`disk label="${VOLUME_LABEL} *"`));
    expect(execFileSync("mlabel", ["-s", "-i", `${imgPath}${at}`, "::"], { encoding: "utf8" })).toMatch(new RegExp(`Volume label is ${VOLUME_LABEL}\\b`));
    const listing = execFileSync("mdir", ["-/", "-b", "-i", `${imgPath}${at}`, "::/"], { encoding: "utf8" });
    for (const f of files) expect(listing).toContain(`::/${f.name}`);
  });

  it("every file's bytes come back identical through mcopy", () => {
    for (const f of files) {
      const out = join(dir, `out-${f.name.replaceAll("/", "_")}`);
      execFileSync("mcopy", ["-n", "-i", `${imgPath}${at}`, `::/${f.name}`, out]);
      expect(Buffer.compare(readFileSync(out), Buffer.from(f.data))).toBe(0);
    }
  });

  it("is sized to the content: FAT32's minimum for a few MB (not a 64 MiB floor), growing with larger content", async () => {
    // FAT32 needs at least 65525 data clusters; 512-byte clusters make that about 34 MB.
    expect(clusters(imgPath)).toBeGreaterThanOrEqual(65525);
    expect(image.length).toBeLessThan(40e6);
    expect(geometry(files).clusterBytes).toBe(512);
    const big = [...files, { name: "music.pwm", data: new Uint8Array(45_000_000).fill(1) }];
    const bigImage = await buildSdImage(big);
    const bigPath = join(dir, "big.img");
    writeFileSync(bigPath, bigImage);
    expect(bigImage.length).toBeGreaterThan(45e6 + 5e6 + 4 * 1024 * 1024);
    expect(bigImage.length).toBeLessThan(45e6 + 5e6 + 4 * 1024 * 1024 + 4e6);
    expect(clusters(bigPath)).toBeGreaterThanOrEqual(65525);
  });

  it.skipIf(!canMountFat)("another FAT driver (fusefat over a loop device) reads every file and can write to the card; fsck.fat stays clean", () => {
    const copy = join(dir, "mounted.img");
    writeFileSync(copy, image);
    // The partition as its own loop device (no udev here to make partition nodes).
    const dev = execFileSync("losetup", ["-f", "--show", "-o", String(PARTITION_START * SECTOR), copy], { encoding: "utf8" }).trim();
    try {
      const mnt = mountFat(dev);
      for (const f of files) expect(Buffer.compare(readFileSync(join(mnt, f.name)), Buffer.from(f.data)), f.name).toBe(0);
      writeFileSync(join(mnt, "added later.txt"), "the free-cluster hints were right\n");
      execFileSync("fusermount", ["-u", mnt]);
      // fusefat finishes writing after the unmount returns: wait for it to let go of the device.
      spawnSync("sh", ["-c", `for i in $(seq 100); do pgrep -f "^fusefat .* ${dev} " >/dev/null || exit 0; sleep 0.05; done`]);
    } finally {
      spawnSync("losetup", ["-d", dev]);
    }
    const part = join(dir, "mounted-part.img");
    writeFileSync(part, readFileSync(copy).subarray(PARTITION_START * SECTOR));
    const r = spawnSync("fsck.fat", ["-n", part], { encoding: "utf8" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(execFileSync("mtype", ["-i", `${copy}${at}`, "::/added later.txt"], { encoding: "utf8" })).toBe("the free-cluster hints were right\n");
  });

  it("is reproducible: the same files give the same MBR signature", async () => {
    const again = await buildSdImage(files);
    expect(Buffer.from(again.subarray(0x1b8, 0x1bc)).equals(Buffer.from(image.subarray(0x1b8, 0x1bc)))).toBe(true);
  });

  it("reads back: readSdImage finds the FAT32 partition and every file with its size", async () => {
    const info = await readSdImage(image);
    expect(info).toMatchObject({ partitionStart: PARTITION_START, partitionType: "FAT32 (LBA)", fatType: "FAT32" });
    expect(info.files.map((f) => `${f.name}:${f.bytes}`).sort()).toEqual(files.map((f) => `${f.name}:${f.data.length}`).sort());
  });

  it("refuses names FAT cannot hold and paths that leave the partition, naming them", async () => {
    await expect(buildSdImage([{ name: 'what?.txt', data: new Uint8Array(1) }])).rejects.toThrow(/FAT cannot hold the name of what\?\.txt/);
    await expect(buildSdImage([{ name: "../escape", data: new Uint8Array(1) }])).rejects.toThrow(/"\.\.\/escape" is not a path inside the boot partition/);
  });
});

describe("piwave image", () => {
  const run = async (args: string[]) => {
    try {
      const r = await exec(process.execPath, [bin, "image", ...args], { timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } });
      return { code: 0, ...r };
    } catch (e) {
      return e as { code: number; stdout: string; stderr: string };
    }
  };
  const bootDir = join(dir, "boot");
  mkdirSync(join(bootDir, "overlays"), { recursive: true });
  for (const f of files.slice(0, 5)) writeFileSync(join(bootDir, f.name), f.data);

  it("packs a boot directory with a sub-directory (overlays/): no EISDIR, the file is on the card", async () => {
    const out = join(dir, "cli.img");
    const r = await run(["--boot-dir", bootDir, "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // Every file written is counted and named, the manifest piwave adds included (it once said "5 boot files" for 6).
    expect(r.stdout).toMatch(
      /cli\.img: 3\d\.\d MB, FAT32 partition PIWAVE with 6 files: config\.txt, fixup4\.dat, kernel8\.img, overlays\/disable-bt\.dtbo, start4\.elf, piwave-files\.json \(piwave's record of the files it wrote, for `flash --to`\)/,
    );
    const listing = execFileSync("mdir", ["-/", "-b", "-i", `${out}${at}`, "::/"], { encoding: "utf8" }).trim().split("\n").filter((l) => !l.endsWith("/"));
    expect(listing.length).toBe(6);
    const back = join(dir, "back.dtbo");
    execFileSync("mcopy", ["-n", "-i", `${out}${at}`, "::/overlays/disable-bt.dtbo", back]);
    expect(readFileSync(back)).toEqual(Buffer.from(files[4]!.data));
  });

  it("Ctrl-C while the image is written: exit 130, the previous image intact, no temporary file left", async () => {
    const big = join(dir, "big-boot");
    mkdirSync(big);
    for (const f of files.slice(0, 4)) writeFileSync(join(big, f.name), f.data);
    // 300 MB of music (a sparse file: quick to make, as slow to copy as any).
    const fd = openSync(join(big, "music.pwb"), "w");
    ftruncateSync(fd, 300_000_000);
    closeSync(fd);
    const outDir = join(dir, "interrupted");
    mkdirSync(outDir);
    const out = join(outDir, "piwave.img");
    writeFileSync(out, "the previous image");
    // A temporary image a killed piwave left (its pid is gone): removed by the next run.
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
    writeFileSync(join(outDir, `.piwave.img.${dead}.0123abcd.tmp`), "left by a killed piwave");
    const child = spawn(process.execPath, [bin, "image", "--boot-dir", big, "--out", out], { env: { ...process.env, NO_COLOR: "1" } });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    // Interrupt once the temporary image exists (the copy is under way).
    for (let i = 0; i < 400 && !readdirSync(outDir).some((n) => n.startsWith(`.piwave.img.${child.pid}.`)); i++) await new Promise((r) => setTimeout(r, 10));
    expect(readdirSync(outDir).some((n) => n.startsWith(`.piwave.img.${child.pid}.`))).toBe(true);
    child.kill("SIGINT");
    const code = await new Promise<number | null>((r) => child.on("close", r));
    expect(stderr).toContain(`piwave image: interrupted: ${out} is as it was`);
    expect(code).toBe(130);
    expect(readFileSync(out, "utf8")).toBe("the previous image");
    expect(readdirSync(outDir)).toEqual(["piwave.img"]);
  });

  it.skipIf(!canUseLoop)("a disk too small for the image (a 4 MB tmpfs, root only): exit 1 naming the directory and the sizes; the previous image intact, no temporary file", async () => {
    const small = tmpfs(4 * 1024 * 1024);
    const out = join(small, "piwave.img");
    writeFileSync(out, "the previous image");
    const r = await run(["--boot-dir", bootDir, "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^piwave image: error: no space left in ${small}: piwave\\.img needs 3\\d\\.\\d MB, [\\d.]+ [kM]B free\\. Free some space there or choose another directory; nothing was changed\\.`));
    expect(readFileSync(out, "utf8")).toBe("the previous image");
    expect(readdirSync(small)).toEqual(["piwave.img"]);
  });

  it("the same boot files give the same image, byte for byte, also when run later (FAT keeps times to 2 s)", async () => {
    const a = join(dir, "same-a.img");
    const b = join(dir, "same-b.img");
    expect((await run(["--boot-dir", bootDir, "--out", a])).code).toBe(0);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await run(["--boot-dir", bootDir, "--out", b])).code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it("--out a character device (/dev/null) is refused: image files only", async () => {
    const r = await run(["--boot-dir", bootDir, "--out", "/dev/null"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\/dev\/null is not a regular file \(a character device\); give an image file's name/);
  });

  it.skipIf(!canUseLoop)("--out a block device (loop, root only) is refused, points at flash --device, and the disk is untouched", async () => {
    const marker = Buffer.from("an unrelated disk's first bytes");
    const { dev, file } = loopDevice(8 * 1024 * 1024, marker);
    const r = await run(["--boot-dir", bootDir, "--out", dev]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${dev} is a block device (a disk); \`piwave image\` writes image files only. To write the card, run \`piwave flash --device ${dev}\``);
    expect(readFileSync(file).subarray(0, marker.length)).toEqual(marker);
    expect(spawnSync("test", ["-b", dev]).status).toBe(0); // still a device node, not replaced by a file
  });

  it("a boot directory without config.txt and the Pi firmware is an error (exit 1, not a usage error), naming what is missing and pointing at build", async () => {
    const thin = join(dir, "thin");
    mkdirSync(thin);
    writeFileSync(join(thin, "kernel8.img"), "k");
    const r = await run(["--boot-dir", thin, "--out", join(dir, "thin.img")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^piwave image: error: .*thin lacks config\.txt, the Raspberry Pi firmware \(Pi 4: start4\.elf, fixup4\.dat; .*\); a card without them does not boot\. Run `piwave build` first/);
    expect(existsSync(join(dir, "thin.img"))).toBe(false);
  });

  it("a built boot directory without the Pi firmware (build --kernel-only) points at --firmware-dir and the download, not at running build again", async () => {
    const kernelOnly = join(dir, "kernel-only");
    mkdirSync(kernelOnly);
    writeFileSync(join(kernelOnly, "kernel8.img"), "k");
    writeFileSync(join(kernelOnly, "config.txt"), "# piwave: Raspberry Pi 3 (BCM2837) boot configuration for the bare-metal player.\n");
    writeFileSync(join(kernelOnly, "music.pwb"), "m");
    const r = await run(["--boot-dir", kernelOnly, "--out", join(dir, "kernel-only.img")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^piwave image: error: .*kernel-only lacks the Raspberry Pi firmware \(.*\); a card without it does not boot\./);
    expect(r.stderr).toMatch(/--kernel-only/);
    expect(r.stderr).toMatch(/downloads them once/);
    expect(r.stderr).toMatch(/--firmware-dir DIR \(the boot partition of Raspberry Pi OS, e\.g\. bootcode\.bin, start\.elf, fixup\.dat\)/);
    expect(r.stderr).not.toMatch(/Run `piwave build` first/);
  });

  it("a missing boot directory is an error with the error: prefix, pointing at build and --boot-dir", async () => {
    const r = await run(["--boot-dir", join(dir, "nowhere"), "--out", join(dir, "nowhere.img")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^piwave image: error: .*nowhere is not a directory: run `piwave build` first .*--boot-dir/);
  });
});

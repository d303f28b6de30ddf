// The SD card image, checked with the real dosfstools and mtools.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PARTITION_START, SECTOR, buildSdImage } from "../../host/image.js";
import { tempDir } from "../temp.js";

const dir = tempDir("piwave-img-");
const imgPath = join(dir, "piwave.img");
const files = [
  { name: "kernel8.img", data: new Uint8Array(3_000_001).map((_, i) => (i * 2654435761) >>> 24) },
  { name: "config.txt", data: new TextEncoder().encode("arm_64bit=1\nkernel=kernel8.img\n") },
  { name: "start4.elf", data: new Uint8Array(2_228_000).map((_, i) => i & 0xff) },
  { name: "fixup4.dat", data: new Uint8Array(5_400).fill(0x5a) },
];
let image: Uint8Array;

beforeAll(async () => {
  image = await buildSdImage(files);
  writeFileSync(imgPath, image);
});

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
    expect(r.stdout).toMatch(/4 files, \d+\/\d+ clusters/);
  });

  it("mtools sees FAT32 with the right hidden-sector count and every file", () => {
    const info = execFileSync("minfo", ["-i", `${imgPath}@@${PARTITION_START * SECTOR}`, "::"], { encoding: "utf8" });
    expect(info).toMatch(/hidden sectors: 8192/);
    expect(info).toMatch(/disk type="FAT32 *"/);
    expect(info).toMatch(/backup boot sector=6/);
    const listing = execFileSync("mdir", ["-b", "-i", `${imgPath}@@${PARTITION_START * SECTOR}`, "::/"], { encoding: "utf8" });
    for (const f of files) expect(listing.toLowerCase()).toContain(`::/${f.name}`);
  });

  it("every file's bytes come back identical through mcopy", () => {
    for (const f of files) {
      const out = join(dir, `out-${f.name}`);
      execFileSync("mcopy", ["-n", "-i", `${imgPath}@@${PARTITION_START * SECTOR}`, `::/${f.name}`, out]);
      expect(Buffer.compare(readFileSync(out), Buffer.from(f.data))).toBe(0);
    }
  });

  it("is reproducible: the same files give the same MBR signature", async () => {
    const again = await buildSdImage(files);
    expect(Buffer.from(again.subarray(0x1b8, 0x1bc)).equals(Buffer.from(image.subarray(0x1b8, 0x1bc)))).toBe(true);
  });
});

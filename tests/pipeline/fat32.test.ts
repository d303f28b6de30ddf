// The FAT32 layout piwave writes itself (host/fat32.ts), checked by three readers that share no code
// with it: dosfstools' fsck.fat, mtools, and FatFs (readSdImage). Odd sizes, nearly empty cards, many
// files, long and unusual names, large content (larger clusters), and the file-streaming writer
// against the in-memory one.
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, readdirSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Fat32Error, planFat32 } from "../../host/fat32.js";
import { ImageError, type ImageFile, PARTITION_START, SECTOR, buildSdImage, readSdImage, writeSdImage } from "../../host/image.js";
import { tempDir } from "../temp.js";

const dir = tempDir("piwave-fat32-");
const at = `@@${PARTITION_START * SECTOR}`;
let n = 0;
const when = new Date(2024, 4, 17, 13, 45, 30);

/** Bytes that differ from file to file and position to position. */
function bytes(size: number, seed: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = ((i + seed) * 2654435761) >>> 24;
  return b;
}

/** fsck.fat -n on the image's partition: exit 0, nothing reported; returns its summary line. */
function fsck(img: Uint8Array | string): string {
  const image = typeof img === "string" ? readFileSync(img) : img;
  const part = join(dir, `part-${n++}.img`);
  writeFileSync(part, image.subarray(PARTITION_START * SECTOR));
  const r = spawnSync("fsck.fat", ["-n", part], { encoding: "utf8" });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).not.toMatch(/differs|wrong|invalid|bad|duplicate|free cluster summary|mark/i);
  return r.stdout.trim().split("\n").at(-1)!;
}

/** Every file in the image, copied out by mtools (mcopy -s), as path → bytes. */
function throughMtools(img: string): Map<string, Buffer> {
  const out = join(dir, `mtools-${n++}`);
  mkdirSync(out);
  execFileSync("mcopy", ["-s", "-n", "-m", "-i", `${img}${at}`, "::/*", out], { stdio: ["ignore", "ignore", "pipe"] });
  const found = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(out, rel))) {
      const p = rel ? `${rel}/${name}` : name;
      if (statSync(join(out, p)).isDirectory()) walk(p);
      else found.set(p, readFileSync(join(out, p)));
    }
  };
  walk("");
  return found;
}

/** Build the image, check it with all three readers, and return it. */
async function checked(files: ImageFile[]): Promise<{ image: Uint8Array; path: string }> {
  const image = await buildSdImage(files);
  const path = join(dir, `card-${n++}.img`);
  writeFileSync(path, image);
  fsck(image);
  const back = files.length ? throughMtools(path) : new Map();
  expect([...back.keys()].sort()).toEqual(files.map((f) => f.name).sort());
  for (const f of files) expect(Buffer.compare(back.get(f.name)!, Buffer.from(f.data)), f.name).toBe(0);
  const info = await readSdImage(image);
  expect(info.fatType).toBe("FAT32");
  expect(info.files.map((f) => `${f.name}:${f.bytes}`).sort()).toEqual(files.map((f) => `${f.name}:${f.data.length}`).sort());
  return { image, path };
}

describe("FAT32 layout", () => {
  it("odd sizes: empty, 1 byte, one short of, exactly and one past a cluster, and a few MB + 1", async () => {
    const sizes = [0, 1, 511, 512, 513, 1023, 1024, 4095, 4097, 3_000_001];
    const files = sizes.map((s, i) => ({ name: `size-${s}.bin`, data: bytes(s, i), mtime: when }));
    const { path } = await checked(files);
    // An empty file has no cluster: mtools lists it with size 0.
    expect(execFileSync("mdir", ["-b", "-i", `${path}${at}`, "::/"], { encoding: "utf8" })).toContain("::/size-0.bin");
  });

  it("a nearly empty card: no files at all (the label only), one empty file, one file deep in sub-directories", async () => {
    const none = await buildSdImage([]);
    expect(fsck(none)).toMatch(/^.*: 1 files, /); // the volume label
    expect((await readSdImage(none)).files).toEqual([]);
    await checked([{ name: "empty", data: new Uint8Array(0) }]);
    await checked([{ name: "a/b/c/d/deep.txt", data: new TextEncoder().encode("deep\n") }]);
  });

  it("many files: 1500 in the root (a directory over many clusters, short names ~1 to ~1500) and 300 in a sub-directory", async () => {
    const files: ImageFile[] = [];
    for (let i = 0; i < 1500; i++) files.push({ name: `a long file name number ${i}.data`, data: bytes(i % 7, i) });
    for (let i = 0; i < 300; i++) files.push({ name: `overlays/overlay-${i}.dtbo`, data: bytes(100 + i, i) });
    const { path } = await checked(files);
    // Every short alias is unique (fsck.fat would report duplicates) and fits 8.3 with a numeric tail.
    const listing = execFileSync("mdir", ["-i", `${path}${at}`, "::/"], { encoding: "utf8" });
    expect(listing).toMatch(/^ALONGF~1 DAT/m);
    expect(listing).toMatch(/^ALO~1500 DAT/m);
  });

  it("names: long, Unicode (accents, CJK; an emoji through FatFs), spaces, several dots, a leading dot, lower and mixed case, exact 8.3", async () => {
    const names = [
      "x".repeat(251) + ".txt", // 255 UTF-16 units, the most FAT allows
      "Déjà vu — 夜の歌.txt",
      "with  two  spaces.txt",
      "many.dots.in.name.tar.gz",
      ".hidden",
      "kernel8.img",
      "Config.TXT",
      "README.TXT",
      "plus+and,semi;colon=eq[brackets].txt",
      "NOEXT",
      "überlong-extension.jpeg",
    ];
    const files = names.map((name, i) => ({ name, data: bytes(1000 + i, i), mtime: when }));
    const { path } = await checked(files);
    const listing = execFileSync("mdir", ["-i", `${path}${at}`, "::/"], { encoding: "utf8" });
    // An exact upper-case 8.3 name is stored as the short name alone (mtools shows no long name beside it).
    expect(listing).toMatch(/^README {3}TXT +1007 2024-05-17 +13:45 *$/m);
    // Lower case keeps its case through the long name.
    expect(listing).toMatch(/^KERNEL8 {2}IMG +1005 .* kernel8\.img$/m);
    // Beyond the BMP (an emoji: a UTF-16 surrogate pair) FatFs reads the name back; mtools shows such
    // characters as "_", so it is checked by FatFs and fsck.fat only.
    const emoji = await buildSdImage([{ name: "song 🎵.txt", data: new Uint8Array(3) }]);
    fsck(emoji);
    expect((await readSdImage(emoji)).files).toEqual([{ name: "song 🎵.txt", bytes: 3 }]);
  });

  it("refuses what FAT cannot hold, naming the file", async () => {
    const one = (name: string) => buildSdImage([{ name, data: new Uint8Array(1) }]);
    await expect(one("x".repeat(256))).rejects.toThrow(/is 256 characters long; FAT names hold at most 255/);
    await expect(one("trailing.")).rejects.toThrow(/FAT cannot hold the name of trailing\.: "trailing\." ends with a dot or a space/);
    await expect(one("tab\there")).rejects.toThrow(/control character/);
    await expect(buildSdImage([{ name: "Music.pwb", data: new Uint8Array(1) }, { name: "music.PWB", data: new Uint8Array(1) }])).rejects.toThrow(
      /Music\.pwb and music\.PWB differ only in case/,
    );
    await expect(buildSdImage([{ name: "a", data: new Uint8Array(1) }, { name: "a/b", data: new Uint8Array(1) }])).rejects.toThrow(/a is both a file and a directory/);
    await expect(buildSdImage([{ name: "a", data: new Uint8Array(1) }, { name: "a", data: new Uint8Array(1) }])).rejects.toThrow(/a is given twice/);
    expect(() => planFat32([{ name: "a", size: 1 }], { label: "NOT A LABEL!", hiddenSectors: 0, freeBytes: 0, roundSectors: 1 })).toThrow(Fat32Error);
  });

  it("large content takes larger clusters when that makes the smaller volume (150 MB: 2 KiB clusters, FATs of 0.3 MB rather than 1.2)", async () => {
    const size = 150_000_000;
    const plan = planFat32([{ name: "music.pwb", size }], { label: "PIWAVE", hiddenSectors: 8192, freeBytes: 1 << 20, roundSectors: 2048 });
    expect(plan.clusterBytes).toBe(2048);
    expect(plan.clusters).toBeGreaterThanOrEqual(65525);
    expect(plan.sectors * SECTOR).toBeLessThan(size + 2 * 1024 * 1024 + 2 * 300_000 + 1024 * 1024);
    // Written from a sparse file on disk: a few marked places, zeros elsewhere.
    const src = join(dir, "big.pwb");
    const fd = openSync(src, "w");
    ftruncateSync(fd, size);
    const marks = [0, 2047, 2048, 75_000_001, size - 1];
    for (const m of marks) writeSync(fd, Buffer.from([0xa5]), 0, 1, m);
    closeSync(fd);
    const out = join(dir, "big.img");
    const w = await writeSdImage(out, [{ name: "music.pwb", path: src, size }]);
    expect(w.clusterBytes).toBe(plan.clusterBytes);
    fsck(out);
    const back = join(dir, "big-back.pwb");
    execFileSync("mcopy", ["-n", "-i", `${out}${at}`, "::/music.pwb", back]);
    expect(Buffer.compare(readFileSync(back), readFileSync(src))).toBe(0);
  });
});

describe("writeSdImage (boot files streamed from disk)", () => {
  const boot = join(dir, "boot");
  mkdirSync(join(boot, "overlays"), { recursive: true });
  const files: ImageFile[] = [
    { name: "config.txt", data: new TextEncoder().encode("arm_64bit=1\n"), mtime: when },
    { name: "kernel8.img", data: bytes(91_922, 1), mtime: when },
    { name: "music.pwb", data: bytes(3 * 1024 * 1024 + 17, 2), mtime: when }, // several 1 MiB pieces and a tail
    { name: "overlays/a.dtbo", data: bytes(0, 3), mtime: when },
  ];
  for (const f of files) writeFileSync(join(boot, f.name), f.data);
  const sources = () => files.map((f) => ({ name: f.name, path: join(boot, f.name), size: f.data.length, mtime: when }));

  it("writes the same bytes as the in-memory builder, and returns each file's SHA-256", async () => {
    const out = join(dir, "streamed.img");
    const w = await writeSdImage(out, sources());
    const mem = await buildSdImage(files);
    expect(w.bytes).toBe(mem.length);
    expect(Buffer.compare(readFileSync(out), Buffer.from(mem))).toBe(0);
    const { createHash } = await import("node:crypto");
    expect(w.files.map((f) => f.sha256)).toEqual(files.map((f) => createHash("sha256").update(f.data).digest("hex")));
    fsck(out);
  });

  it("a file made from the others' digests (the manifest) is written last, with the planned size", async () => {
    const out = join(dir, "derived.img");
    const derive = (sha: ReadonlyMap<string, string>) => new TextEncoder().encode(`${sha.get("music.pwb")}\n`);
    await writeSdImage(out, [...sources(), { name: "sums.txt", size: 65, derive }]);
    const back = throughMtools(out);
    const { createHash } = await import("node:crypto");
    expect(back.get("sums.txt")!.toString()).toBe(`${createHash("sha256").update(files[2]!.data).digest("hex")}\n`);
  });

  it("a boot file that grew since it was listed is refused, naming it; the previous image stays and no temporary file is left", async () => {
    const out = join(dir, "kept.img");
    writeFileSync(out, "the previous image");
    const s = sources();
    s[2] = { ...s[2]!, size: s[2]!.size - 5 };
    await expect(writeSdImage(out, s)).rejects.toThrow(ImageError);
    await expect(writeSdImage(out, s)).rejects.toThrow(/music\.pwb changed while the image was written/);
    const shrunk = sources();
    shrunk[1] = { ...shrunk[1]!, size: shrunk[1]!.size + 4096 };
    await expect(writeSdImage(out, shrunk)).rejects.toThrow(/kernel8\.img changed while the image was written/);
    expect(readFileSync(out, "utf8")).toBe("the previous image");
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("the image is sparse where nothing is written (the 4 MiB before the partition, free clusters) and reads as zeros there", async () => {
    const out = join(dir, "sparse.img");
    await writeSdImage(out, sources());
    const img = readFileSync(out);
    expect(img.subarray(SECTOR, PARTITION_START * SECTOR).every((b) => b === 0)).toBe(true);
    expect(img.subarray(img.length - 512 * 1024).every((b) => b === 0)).toBe(true);
  });
});

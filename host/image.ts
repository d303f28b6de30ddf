/**
 * The SD card image, in pure JS (works on Linux, macOS and Windows): an MBR
 * with one bootable FAT32 partition (type 0x0C, starting at 4 MiB) holding
 * the boot files, sub-directories (`overlays/`) included. FAT32 is formatted
 * and written by FatFs (js-fatfs); the MBR, the BPB's hidden-sector count and
 * the volume label are written here.
 *
 * Size: the partition is as small as FAT32 allows for the content. FAT32 is
 * defined by its cluster count: a volume with fewer than 65525 data clusters
 * *is* FAT16, whatever its boot sector says (Microsoft's FAT specification,
 * "FAT type determination"; FatFs refuses to format one as FAT32). With
 * 512-byte clusters that minimum is about 34 MB, so a card with a few MB of
 * boot files is a ~38 MB image (4 MiB before the partition), and larger
 * content grows it cluster by cluster. FAT16 would be smaller still for tiny
 * content, but FAT32 is what the Raspberry Pi's own images use and what
 * every Pi boot ROM and bootloader reads, so piwave keeps to it.
 *
 * `readSdImage` reads an image back (MBR, first FAT partition, every file),
 * so `flash --device` can check that what it is about to write boots.
 */
import { crc32 } from "node:zlib";
import * as FatFs from "js-fatfs";

export const SECTOR = 512;
/** First partition sector: 4 MiB, aligned for SD erase blocks. */
export const PARTITION_START = 8192;
/** The volume label piwave gives the boot partition (what a file manager shows). */
export const VOLUME_LABEL = "PIWAVE";
/** Fewer data clusters than this makes a volume FAT16 by definition. */
const FAT32_MIN_CLUSTERS = 65525;
/** Clusters above the minimum: FatFs sizes its FAT from an over-estimate, which costs a few clusters. */
const FAT32_MIN_MARGIN = 64;
/** FatFs's reserved-sector count for FAT32 (boot sector, FSInfo, backup boot sector at 6). */
const FAT32_RESERVED_SECTORS = 32;
/** Free space left in the partition beyond the content. */
const SLACK_BYTES = 1024 * 1024;
/** FAT32 stores a file's size in 32 bits. */
const FAT32_MAX_FILE = 0xffff_ffff;
const MIB = 1024 * 1024;
/** MBR partition types that are FAT (the Pi boots the first FAT partition). */
const FAT_PARTITION_TYPES: Record<number, string> = { 0x01: "FAT12", 0x04: "FAT16", 0x06: "FAT16", 0x0b: "FAT32 (CHS)", 0x0c: "FAT32 (LBA)", 0x0e: "FAT16 (LBA)" };

/** One file of the boot partition. `name` is its path from the partition's root, `/`-separated ("overlays/x.dtbo"). */
export interface ImageFile {
  name: string;
  data: Uint8Array;
}

export class ImageError extends Error {}

class PartitionDisk implements FatFs.DiskIO {
  constructor(
    private readonly image: Uint8Array,
    private readonly offset: number,
    private readonly sectors: number,
    private readonly readOnly = false,
  ) {}
  initialize(): number {
    return 0;
  }
  status(): number {
    return this.readOnly ? FatFs.STA_PROTECT : 0;
  }
  read(ff: FatFs.FatFs, _pdrv: number, buff: number, sector: number, count: number): number {
    if (sector + count > this.sectors) return FatFs.RES_PARERR;
    const at = this.offset + sector * SECTOR;
    ff.HEAPU8.set(this.image.subarray(at, at + count * SECTOR), buff);
    return FatFs.RES_OK;
  }
  write(ff: FatFs.FatFs, _pdrv: number, buff: number, sector: number, count: number): number {
    if (this.readOnly) return FatFs.RES_WRPRT;
    if (sector + count > this.sectors) return FatFs.RES_PARERR;
    this.image.set(ff.HEAPU8.subarray(buff, buff + count * SECTOR), this.offset + sector * SECTOR);
    return FatFs.RES_OK;
  }
  ioctl(ff: FatFs.FatFs, _pdrv: number, cmd: number, buff: number): number {
    if (cmd === FatFs.CTRL_SYNC) return FatFs.RES_OK;
    if (cmd === FatFs.GET_SECTOR_COUNT) {
      ff.setValue(buff, this.sectors, "i32");
      return FatFs.RES_OK;
    }
    if (cmd === FatFs.GET_SECTOR_SIZE) {
      ff.setValue(buff, SECTOR, "i16");
      return FatFs.RES_OK;
    }
    if (cmd === FatFs.GET_BLOCK_SIZE) {
      ff.setValue(buff, 1, "i32");
      return FatFs.RES_OK;
    }
    return FatFs.RES_ERROR;
  }
}

function check(what: string, r: number): void {
  if (r === FatFs.FR_INVALID_NAME) throw new ImageError(`FAT cannot hold the name of ${what}: rename it (no \\ : * ? " < > | or control characters)`);
  if (r !== FatFs.FR_OK) throw new ImageError(`FAT32 image: ${what} failed (FatFs error ${r})`);
}

/** The directories `files` need, parents first ("a", "a/b"). */
function directoriesOf(files: readonly ImageFile[]): string[] {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.name.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  return [...dirs].sort((a, b) => a.split("/").length - b.split("/").length || (a < b ? -1 : 1));
}

/** Directory entries (32 bytes each) a name takes: the short entry plus one long-name entry per 13 UTF-16 units. */
const entriesFor = (name: string) => 1 + Math.ceil(name.length / 13);

/** Clusters the content takes with `au`-byte clusters: file data plus every directory's entries. */
function contentClusters(files: readonly ImageFile[], au: number): number {
  let n = 0;
  for (const f of files) n += Math.ceil(f.data.length / au);
  const entries = new Map<string, number>([["", 1 /* volume label */]]);
  for (const d of directoriesOf(files)) entries.set(d, 2 /* . and .. */);
  for (const p of [...files.map((f) => f.name), ...directoriesOf(files)]) {
    const cut = p.lastIndexOf("/");
    const parent = cut < 0 ? "" : p.slice(0, cut);
    entries.set(parent, (entries.get(parent) ?? 0) + entriesFor(p.slice(cut + 1)));
  }
  for (const e of entries.values()) n += Math.max(1, Math.ceil((e * 32) / au));
  return n;
}

export interface Geometry {
  /** Bytes per cluster. */
  clusterBytes: number;
  /** Partition size in sectors (a multiple of 1 MiB). */
  sectors: number;
}

/**
 * The smallest FAT32 partition that holds `files` with SLACK_BYTES to spare:
 * each cluster size from 512 B to 32 KiB is tried and the smallest volume wins.
 */
export function geometry(files: readonly ImageFile[]): Geometry {
  let best: Geometry | undefined;
  for (let au = SECTOR; au <= 32768; au *= 2) {
    const spc = au / SECTOR;
    const clusters = Math.max(contentClusters(files, au) + Math.ceil(SLACK_BYTES / au), FAT32_MIN_CLUSTERS + FAT32_MIN_MARGIN);
    const fatSectors = Math.ceil(((clusters + 2) * 4) / SECTOR);
    const raw = FAT32_RESERVED_SECTORS + 2 * fatSectors + clusters * spc;
    const sectors = Math.ceil(raw / (MIB / SECTOR)) * (MIB / SECTOR);
    if (!best || sectors < best.sectors) best = { clusterBytes: au, sectors };
  }
  return best!;
}

/** Partition size in bytes for `files` (see `geometry`). */
export function partitionBytes(files: readonly ImageFile[]): number {
  return geometry(files).sectors * SECTOR;
}

function writeMbr(image: Uint8Array, startLba: number, sectors: number, files: readonly ImageFile[]): void {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  // Disk signature: derived from the contents, so the same inputs give the same image. CRC-32 (zlib's,
  // a few ms for tens of MB): 32 bits are all it keeps, and it has no need to resist anyone.
  let sig = 0;
  for (const f of files) sig = crc32(f.data, crc32(`${f.name}\0${f.data.length}\0`, sig));
  dv.setUint32(0x1b8, sig >>> 0, true);
  const e = 0x1be;
  image[e] = 0x80; // bootable
  image.set([0xfe, 0xff, 0xff], e + 1); // CHS: use LBA
  image[e + 4] = 0x0c; // FAT32 with LBA
  image.set([0xfe, 0xff, 0xff], e + 5);
  dv.setUint32(e + 8, startLba, true);
  dv.setUint32(e + 12, sectors, true);
  image[510] = 0x55;
  image[511] = 0xaa;
}

/** FAT32 boot-sector (BPB) fields piwave reads or patches, by byte offset. */
const Bpb = {
  SecPerClus: 13,
  RsvdSecCnt: 14,
  NumFATs: 16,
  HiddSec: 28,
  FATSz32: 36,
  RootClus: 44,
  VolLab: 71,
} as const;
const BACKUP_BOOT_SECTOR = 6;
const ATTR_VOLUME_ID = 0x08;

/**
 * Name the volume: BS_VolLab in the boot sector and its backup, and the
 * volume-label entry in the root directory (what Linux, macOS and Windows
 * show). Written right after formatting, into the root directory's first
 * entry, which FatFs then leaves alone.
 */
function writeLabel(part: Uint8Array, label: string): void {
  const name = Buffer.alloc(11, 0x20);
  name.write(label.toUpperCase().slice(0, 11), "latin1");
  const dv = new DataView(part.buffer, part.byteOffset, part.byteLength);
  for (const s of [0, BACKUP_BOOT_SECTOR]) part.set(name, s * SECTOR + Bpb.VolLab);
  const spc = part[Bpb.SecPerClus]!;
  const dataStart = dv.getUint16(Bpb.RsvdSecCnt, true) + part[Bpb.NumFATs]! * dv.getUint32(Bpb.FATSz32, true);
  const root = (dataStart + (dv.getUint32(Bpb.RootClus, true) - 2) * spc) * SECTOR;
  if (part[root] !== 0) throw new ImageError("FAT32 image: the root directory is not empty after formatting");
  part.set(name, root);
  part[root + 11] = ATTR_VOLUME_ID;
}

/** Build the whole disk image in memory. */
export async function buildSdImage(files: readonly ImageFile[], label = VOLUME_LABEL): Promise<Uint8Array> {
  for (const f of files) {
    if (f.data.length > FAT32_MAX_FILE) throw new ImageError(`${f.name} is ${f.data.length} bytes; FAT32 holds files up to 4 GiB - 1`);
    if (!f.name || f.name.startsWith("/") || f.name.split("/").some((p) => p === "" || p === "." || p === "..")) {
      throw new ImageError(`"${f.name}" is not a path inside the boot partition`);
    }
  }
  const g = geometry(files);
  const partBytes = g.sectors * SECTOR;
  const image = new Uint8Array(PARTITION_START * SECTOR + partBytes);
  const offset = PARTITION_START * SECTOR;
  const ff = await FatFs.create({ diskio: new PartitionDisk(image, offset, g.sectors) });
  const work = ff.malloc(FatFs.FF_MAX_SS * 64);
  check("format", ff.f_mkfs("", { fmt: FatFs.FM_FAT32 | FatFs.FM_SFD, n_fat: 2, align: 0, n_root: 0, au_size: g.clusterBytes }, work, FatFs.FF_MAX_SS * 64));
  ff.free(work);
  const part = image.subarray(offset);
  writeLabel(part, label);
  const fs = ff.malloc(FatFs.sizeof_FATFS);
  check("mount", ff.f_mount(fs, "", 1));
  for (const d of directoriesOf(files)) check(`directory ${d}`, ff.f_mkdir(`/${d}`));
  const fp = ff.malloc(FatFs.sizeof_FIL);
  const chunk = 1 << 20;
  const buf = ff.malloc(chunk);
  const written = ff.malloc(4);
  for (const f of files) {
    check(f.name, ff.f_open(fp, `/${f.name}`, FatFs.FA_WRITE | FatFs.FA_CREATE_ALWAYS));
    for (let at = 0; at < f.data.length; at += chunk) {
      const piece = f.data.subarray(at, at + chunk);
      ff.HEAPU8.set(piece, buf);
      check(`write ${f.name}`, ff.f_write(fp, buf, piece.length, written));
      if (ff.getValue(written, "i32") !== piece.length) throw new ImageError(`FAT32 image: ${f.name} did not fit (the partition was sized too small)`);
    }
    check(`close ${f.name}`, ff.f_close(fp));
  }
  ff.free(buf);
  ff.free(written);
  ff.free(fp);
  check("unmount", ff.f_unmount(""));
  ff.free(fs);
  // FatFs formatted the partition as a stand-alone volume: record where it starts on the disk
  // (BPB_HiddSec) in the boot sector and its FAT32 backup copy.
  const dv = new DataView(image.buffer);
  for (const s of [0, BACKUP_BOOT_SECTOR]) dv.setUint32(offset + s * SECTOR + Bpb.HiddSec, PARTITION_START, true);
  writeMbr(image, PARTITION_START, g.sectors, files);
  return image;
}

export interface SdImageInfo {
  /** First sector of the FAT partition the Pi boots from. */
  partitionStart: number;
  partitionSectors: number;
  /** What the MBR says the partition is ("FAT32 (LBA)"). */
  partitionType: string;
  /** What the file system is (FatFs's verdict from the cluster count). */
  fatType: "FAT12" | "FAT16" | "FAT32" | "exFAT";
  /** Every file, `/`-separated paths from the partition's root, with sizes. */
  files: { name: string; bytes: number }[];
}

/**
 * Read an SD image back: the MBR, the first FAT partition and the names and
 * sizes of its files. An ImageError says what is wrong when it is not an
 * MBR disk with a readable FAT partition.
 */
export async function readSdImage(image: Uint8Array): Promise<SdImageInfo> {
  if (image.length < SECTOR) throw new ImageError(`it is ${image.length} bytes, smaller than a partition table`);
  if (image[510] !== 0x55 || image[511] !== 0xaa) throw new ImageError("it has no MBR partition table (no 55 AA signature in its first sector)");
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const types: number[] = [];
  let start = 0;
  let sectors = 0;
  let type = 0;
  for (let i = 0; i < 4; i++) {
    const e = 0x1be + 16 * i;
    const t = image[e + 4]!;
    if (t) types.push(t);
    if (!type && FAT_PARTITION_TYPES[t]) {
      type = t;
      start = dv.getUint32(e + 8, true);
      sectors = dv.getUint32(e + 12, true);
    }
  }
  if (types.includes(0xee)) throw new ImageError("it is a GPT disk (protective MBR); piwave writes MBR images with a FAT boot partition");
  if (!type) {
    throw new ImageError(
      types.length ? `it has no FAT partition (partition types ${types.map((t) => "0x" + t.toString(16).padStart(2, "0")).join(", ")})` : "its partition table is empty",
    );
  }
  if (!start || !sectors || (start + sectors) * SECTOR > image.length) {
    throw new ImageError(`its FAT partition (sectors ${start}..${start + sectors}) does not lie inside the ${image.length}-byte image: truncated?`);
  }
  const ff = await FatFs.create({ diskio: new PartitionDisk(image, start * SECTOR, sectors, true) });
  const fs = ff.malloc(FatFs.sizeof_FATFS);
  const r = ff.f_mount(fs, "", 1);
  if (r !== FatFs.FR_OK) {
    ff.free(fs);
    throw new ImageError(`its first partition is marked ${FAT_PARTITION_TYPES[type]} but holds no readable FAT file system (FatFs error ${r})`);
  }
  // FATFS.fs_type is the structure's first byte.
  const fatType = ({ [FatFs.FS_FAT12]: "FAT12", [FatFs.FS_FAT16]: "FAT16", [FatFs.FS_FAT32]: "FAT32", [FatFs.FS_EXFAT]: "exFAT" } as const)[ff.HEAPU8[fs]!] ?? "FAT32";
  const files: { name: string; bytes: number }[] = [];
  const dp = ff.malloc(FatFs.sizeof_DIR);
  const fno = ff.malloc(FatFs.sizeof_FILINFO);
  const walk = (dir: string, depth: number) => {
    if (depth > 16) return;
    if (ff.f_opendir(dp, `/${dir}`) !== FatFs.FR_OK) return;
    const entries: { name: string; dir: boolean; bytes: number }[] = [];
    for (;;) {
      if (ff.f_readdir(dp, fno) !== FatFs.FR_OK) break;
      const name = ff.FILINFO_fname(fno);
      if (!name) break;
      if (name === "." || name === "..") continue;
      entries.push({ name, dir: (ff.FILINFO_fattrib(fno) & FatFs.AM_DIR) !== 0, bytes: ff.FILINFO_fsize(fno) });
    }
    ff.f_closedir(dp);
    for (const e of entries) {
      const path = dir ? `${dir}/${e.name}` : e.name;
      if (e.dir) walk(path, depth + 1);
      else files.push({ name: path, bytes: e.bytes });
    }
  };
  walk("", 0);
  ff.free(fno);
  ff.free(dp);
  ff.f_unmount("");
  ff.free(fs);
  return { partitionStart: start, partitionSectors: sectors, partitionType: FAT_PARTITION_TYPES[type]!, fatType, files };
}

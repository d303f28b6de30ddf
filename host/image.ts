/**
 * The SD card image, in pure JS (works on Linux, macOS and Windows): an MBR
 * with one bootable FAT32 partition (type 0x0C, starting at 4 MiB) holding
 * the boot files, sub-directories (`overlays/`) included, labelled PIWAVE.
 *
 * The FAT32 volume is laid out directly (`fat32.ts`): its metadata (boot
 * sectors, FATs, directories) is one small block, and every file's bytes
 * are contiguous at a known offset. `writeSdImage` therefore writes the image
 * file in a few large sequential writes: each boot file is read once, in
 * 1 MiB pieces, and written straight to its place (its SHA-256 computed on
 * the way, for the card's manifest and the disk's identity) while the next
 * piece is read. What is never written — the 4 MiB before the partition and
 * the free clusters — is left as a hole of the (sparse) file, which reads as
 * zeros. The image goes to a temporary file, is flushed (fsync) and renamed.
 *
 * Size: the partition is as small as FAT32 allows for the content plus 1 MiB
 * of free space (`fat32.ts` says why FAT32 has a minimum of about 34 MB),
 * rounded up to whole MiB.
 *
 * Identity: the MBR's disk signature and the volume's serial number are taken
 * from the SHA-256 of the files' names and contents, so the same files give
 * the same image.
 *
 * `readSdImage` reads an image back (MBR, first FAT partition, every file)
 * through FatFs (js-fatfs), an implementation independent of the writer, so
 * `flash --device` can check that what it is about to write boots.
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import type * as FatFsModule from "js-fatfs";
import { FAT32_MAX_FILE, Fat32Error, type Fat32File, type Fat32Plan, SECTOR, fat32Metadata, planFat32 } from "./fat32.js";
import { removeAbandoned, temporaryOwner, withAtomicFile } from "./fs-atomic.js";

export { SECTOR };
/** First partition sector: 4 MiB, aligned for SD erase blocks. */
export const PARTITION_START = 8192;
/** The volume label piwave gives the boot partition (what a file manager shows). */
export const VOLUME_LABEL = "PIWAVE";
/** Free space left in the partition beyond the content. */
const SLACK_BYTES = 1024 * 1024;
const MIB_SECTORS = (1024 * 1024) / SECTOR;
/** How much of a file is read and written at a time. */
const PIECE = 1024 * 1024;
/** MBR partition types that are FAT (the Pi boots the first FAT partition). */
const FAT_PARTITION_TYPES: Record<number, string> = { 0x01: "FAT12", 0x04: "FAT16", 0x06: "FAT16", 0x0b: "FAT32 (CHS)", 0x0c: "FAT32 (LBA)", 0x0e: "FAT16 (LBA)" };

/** MBR fields, by byte offset. */
const Mbr = { DiskSignature: 0x1b8, FirstPartition: 0x1be, Signature: 510 } as const;
/** Fields of a 16-byte MBR partition entry, by offset in the entry. */
const PartEntry = { Status: 0, ChsFirst: 1, Type: 4, ChsLast: 5, LbaFirst: 8, Sectors: 12 } as const;
const MBR_BOOTABLE = 0x80;
const MBR_TYPE_FAT32_LBA = 0x0c;

/** One file of the boot partition. `name` is its path from the partition's root, `/`-separated ("overlays/x.dtbo"). */
export interface ImageFile {
  name: string;
  data: Uint8Array;
  mtime?: Date;
}

/** A file to put in an image written by `writeSdImage`: bytes from a file on disk, bytes in memory, or bytes made from the other files' SHA-256 (a manifest). */
export type ImageSource = { name: string; mtime?: Date } & (
  | { path: string; size: number }
  | { data: Uint8Array }
  | { size: number; derive: (sha256: ReadonlyMap<string, string>) => Uint8Array }
);

/** What `writeSdImage` wrote. */
export interface WrittenImage {
  /** The image's size in bytes. */
  bytes: number;
  /** Every file on the card, in the order given, with its size and SHA-256. */
  files: { name: string; bytes: number; sha256: string }[];
  clusterBytes: number;
}

export class ImageError extends Error {}

export interface Geometry {
  /** Bytes per cluster. */
  clusterBytes: number;
  /** Partition size in sectors (a multiple of 1 MiB). */
  sectors: number;
}

function plan(files: readonly Fat32File[], label: string): Fat32Plan {
  try {
    return planFat32(files, { label, hiddenSectors: PARTITION_START, freeBytes: SLACK_BYTES, roundSectors: MIB_SECTORS });
  } catch (e) {
    if (e instanceof Fat32Error) throw new ImageError(e.message);
    throw e;
  }
}

const sizeOf = (f: ImageFile | ImageSource): number => ("data" in f ? f.data.length : f.size);

/** The smallest FAT32 partition that holds `files` with 1 MiB to spare (see fat32.ts). */
export function geometry(files: readonly ImageFile[]): Geometry {
  const p = plan(files.map((f) => ({ name: f.name, size: f.data.length })), VOLUME_LABEL);
  return { clusterBytes: p.clusterBytes, sectors: p.sectors };
}

/** Partition size in bytes for `files` (see `geometry`). */
export function partitionBytes(files: readonly ImageFile[]): number {
  return geometry(files).sectors * SECTOR;
}

/** The disk signature and volume serial number for files with these names and SHA-256s. */
function identity(files: readonly { name: string; sha256: string }[]): { diskSignature: number; volumeId: number } {
  const h = createHash("sha256");
  for (const f of files) h.update(`${f.name}\0${f.sha256}\n`);
  const d = h.digest();
  return { diskSignature: d.readUInt32LE(0), volumeId: d.readUInt32LE(4) };
}

/** The MBR sector: one bootable FAT32 (LBA) partition. */
function mbr(startLba: number, sectors: number, diskSignature: number): Uint8Array {
  const b = new Uint8Array(SECTOR);
  const dv = new DataView(b.buffer);
  dv.setUint32(Mbr.DiskSignature, diskSignature >>> 0, true);
  const e = Mbr.FirstPartition;
  b[e + PartEntry.Status] = MBR_BOOTABLE;
  b.set([0xfe, 0xff, 0xff], e + PartEntry.ChsFirst); // CHS: beyond its range, use the LBA fields
  b[e + PartEntry.Type] = MBR_TYPE_FAT32_LBA;
  b.set([0xfe, 0xff, 0xff], e + PartEntry.ChsLast);
  dv.setUint32(e + PartEntry.LbaFirst, startLba, true);
  dv.setUint32(e + PartEntry.Sectors, sectors, true);
  dv.setUint16(Mbr.Signature, 0xaa55, true);
  return b;
}

function checkFiles(files: readonly (ImageFile | ImageSource)[]): void {
  for (const f of files) {
    if (sizeOf(f) > FAT32_MAX_FILE) throw new ImageError(`${f.name} is ${sizeOf(f)} bytes; FAT32 holds files up to 4 GiB - 1`);
    if (!f.name || f.name.startsWith("/") || f.name.split("/").some((p) => p === "" || p === "." || p === "..")) {
      throw new ImageError(`"${f.name}" is not a path inside the boot partition`);
    }
  }
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Build the whole disk image in memory. */
export async function buildSdImage(files: readonly ImageFile[], label = VOLUME_LABEL): Promise<Uint8Array> {
  checkFiles(files);
  const p = plan(
    files.map((f) => ({ name: f.name, size: f.data.length, mtime: f.mtime })),
    label,
  );
  const image = new Uint8Array((PARTITION_START + p.sectors) * SECTOR);
  const offset = PARTITION_START * SECTOR;
  const id = identity(files.map((f) => ({ name: f.name, sha256: sha256(f.data) })));
  image.set(mbr(PARTITION_START, p.sectors, id.diskSignature), 0);
  image.set(fat32Metadata(p, id.volumeId), offset);
  files.forEach((f, i) => image.set(f.data, offset + p.files[i]!.offset));
  return image;
}

/**
 * Write the disk image for `sources` to `out`: through a temporary file,
 * flushed and renamed, so `out` is the previous file or the whole new image,
 * never a part. Each source file is read once; one that changes size while
 * it is read is an ImageError naming it.
 */
export interface WriteImageOptions {
  label?: string;
  /** Stops the writing between pieces: the temporary file is removed and `out` stays as it was. */
  signal?: AbortSignal;
  /**
   * Told the temporary file's path before anything is written, so that a
   * process ending on a signal can remove it (the CLI registers it with its
   * interrupt handling); returns the function that forgets it again.
   */
  onTemporaryFile?: (path: string) => () => void;
}

export async function writeSdImage(out: string, sources: readonly ImageSource[], o: WriteImageOptions = {}): Promise<WrittenImage> {
  checkFiles(sources);
  const p = plan(
    sources.map((s) => ({ name: s.name, size: sizeOf(s), mtime: s.mtime })),
    o.label ?? VOLUME_LABEL,
  );
  const signal = o.signal;
  // Temporary files of this image left by piwave processes that were killed outright.
  removeAbandoned(dirname(resolve(out)), (name) => (name.startsWith(`.${basename(resolve(out))}.`) ? temporaryOwner(name) : undefined));
  const bytes = (PARTITION_START + p.sectors) * SECTOR;
  const partition = PARTITION_START * SECTOR;
  const digests = new Map<string, string>();
  await withAtomicFile(
    out,
    async (tmp) => {
      const unregister = o.onTemporaryFile?.(tmp);
      const fh = await open(tmp, "wx", 0o644);
      try {
        await fh.truncate(bytes);
        const pieces = [Buffer.allocUnsafe(PIECE), Buffer.allocUnsafe(PIECE)] as const;
        const writeAll = async (buf: Uint8Array, at: number) => {
          signal?.throwIfAborted();
          for (let done = 0; done < buf.length; ) done += (await fh.write(buf, done, buf.length - done, at + done)).bytesWritten;
        };
        const late: number[] = [];
        for (let i = 0; i < sources.length; i++) {
          const s = sources[i]!;
          const at = partition + p.files[i]!.offset;
          if ("path" in s) digests.set(s.name, await copyInto(s.path, s.size, (buf, pos) => writeAll(buf, at + pos), pieces));
          else if ("data" in s) {
            const w = writeAll(s.data, at);
            digests.set(s.name, sha256(s.data));
            await w;
          } else late.push(i);
        }
        // Files made from the others' digests (the manifest) come last.
        for (const i of late) {
          const s = sources[i]! as { name: string; size: number; derive: (sha256: ReadonlyMap<string, string>) => Uint8Array };
          const data = s.derive(digests);
          if (data.length !== s.size) throw new Error(`${s.name} came out ${data.length} bytes, not the ${s.size} planned`);
          await writeAll(data, partition + p.files[i]!.offset);
          digests.set(s.name, sha256(data));
        }
        const id = identity(sources.map((s) => ({ name: s.name, sha256: digests.get(s.name)! })));
        await writeAll(fat32Metadata(p, id.volumeId), partition);
        await writeAll(mbr(PARTITION_START, p.sectors, id.diskSignature), 0);
        await fh.sync();
        signal?.throwIfAborted();
      } finally {
        await fh.close();
        unregister?.();
      }
    },
    bytes,
  );
  return { bytes, files: sources.map((s) => ({ name: s.name, bytes: sizeOf(s), sha256: digests.get(s.name)! })), clusterBytes: p.clusterBytes };
}

/**
 * Copy the `size` bytes of the file at `path` through `write(piece, position)`,
 * reading the next piece while the previous one is written and hashed.
 * Resolves to the file's SHA-256 (hex).
 */
async function copyInto(
  path: string,
  size: number,
  write: (piece: Uint8Array, position: number) => Promise<void>,
  pieces: readonly [Buffer, Buffer],
): Promise<string> {
  const src = await open(path, "r");
  try {
    const hash = createHash("sha256");
    const changed = () => new ImageError(`${path} changed while the image was written (it was ${size} bytes); run \`piwave image\` again once it is complete`);
    const readPiece = (k: number, pos: number) => src.read(pieces[k]!, 0, Math.min(PIECE, size - pos), pos).then((r) => r.bytesRead);
    let k = 0;
    let pending: Promise<number> | undefined = size > 0 ? readPiece(0, 0) : undefined;
    for (let pos = 0; pos < size; ) {
      const n = await pending!;
      if (n === 0) throw changed();
      const piece = pieces[k]!.subarray(0, n);
      const written = write(piece, pos);
      pos += n;
      k ^= 1;
      pending = pos < size ? readPiece(k, pos) : undefined;
      hash.update(piece);
      await written;
    }
    // Nothing beyond the size it had when the image was planned.
    if ((await src.read(pieces[0], 0, 1, size)).bytesRead !== 0) throw changed();
    return hash.digest("hex");
  } finally {
    await src.close();
  }
}

/** A FAT partition inside an image in memory, as FatFs's disk (read-only). */
function partitionDisk(F: typeof FatFsModule, image: Uint8Array, offset: number, sectors: number): FatFsModule.DiskIO {
  return {
    initialize: () => 0,
    status: () => F.STA_PROTECT,
    read(ff, _pdrv, buff, sector, count) {
      if (sector + count > sectors) return F.RES_PARERR;
      const at = offset + sector * SECTOR;
      ff.HEAPU8.set(image.subarray(at, at + count * SECTOR), buff);
      return F.RES_OK;
    },
    write: () => F.RES_WRPRT,
    ioctl(ff, _pdrv, cmd, buff) {
      if (cmd === F.CTRL_SYNC) return F.RES_OK;
      if (cmd === F.GET_SECTOR_COUNT) {
        ff.setValue(buff, sectors, "i32");
        return F.RES_OK;
      }
      if (cmd === F.GET_SECTOR_SIZE) {
        ff.setValue(buff, SECTOR, "i16");
        return F.RES_OK;
      }
      if (cmd === F.GET_BLOCK_SIZE) {
        ff.setValue(buff, 1, "i32");
        return F.RES_OK;
      }
      return F.RES_ERROR;
    },
  };
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
  // FatFs (a WebAssembly build) is loaded only here: writing an image does not need it.
  const FatFs = await import("js-fatfs");
  const ff = await FatFs.create({ diskio: partitionDisk(FatFs, image, start * SECTOR, sectors) });
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

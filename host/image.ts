/**
 * The SD card image, in pure JS (works on Linux, macOS and Windows): an MBR
 * with one bootable FAT32 partition (type 0x0C, starting at 4 MiB) holding
 * the boot files. FAT32 is formatted and written by FatFs (js-fatfs); the
 * MBR and the BPB's hidden-sector count are written here. The result can be
 * written with Raspberry Pi Imager, balenaEtcher, dd or `piwave flash`.
 */
import { createHash } from "node:crypto";
import * as FatFs from "js-fatfs";

export const SECTOR = 512;
/** First partition sector: 4 MiB, aligned for SD erase blocks. */
export const PARTITION_START = 8192;
const MIB = 1024 * 1024;

export interface ImageFile {
  name: string;
  data: Uint8Array;
}

class PartitionDisk implements FatFs.DiskIO {
  constructor(
    private readonly image: Uint8Array,
    private readonly offset: number,
    private readonly sectors: number,
  ) {}
  initialize(): number {
    return 0;
  }
  status(): number {
    return 0;
  }
  read(ff: FatFs.FatFs, _pdrv: number, buff: number, sector: number, count: number): number {
    const at = this.offset + sector * SECTOR;
    ff.HEAPU8.set(this.image.subarray(at, at + count * SECTOR), buff);
    return FatFs.RES_OK;
  }
  write(ff: FatFs.FatFs, _pdrv: number, buff: number, sector: number, count: number): number {
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
  if (r !== FatFs.FR_OK) throw new Error(`FAT32 image: ${what} failed (FatFs error ${r})`);
}

/** Partition size: room for the files plus slack, at least 64 MiB, a multiple of 4 MiB. */
export function partitionBytes(files: readonly ImageFile[]): number {
  const payload = files.reduce((n, f) => n + f.data.length, 0);
  const want = Math.max(64 * MIB, payload * 1.1 + 16 * MIB);
  return Math.ceil(want / (4 * MIB)) * 4 * MIB;
}

/** Cluster size that keeps FAT32 above its 65525-cluster minimum. */
function clusterBytes(bytes: number): number {
  let au = 32768;
  while (au > SECTOR && bytes / au < 66000) au /= 2;
  return au;
}

function writeMbr(image: Uint8Array, startLba: number, sectors: number, files: readonly ImageFile[]): void {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  // Disk signature: derived from the contents, so the same inputs give the same image.
  const h = createHash("sha256");
  for (const f of files) h.update(f.name).update(f.data);
  dv.setUint32(0x1b8, h.digest().readUInt32LE(0), true);
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

/** Build the whole disk image in memory. */
export async function buildSdImage(files: readonly ImageFile[]): Promise<Uint8Array> {
  const partBytes = partitionBytes(files);
  const sectors = partBytes / SECTOR;
  const image = new Uint8Array(PARTITION_START * SECTOR + partBytes);
  const offset = PARTITION_START * SECTOR;
  const ff = await FatFs.create({ diskio: new PartitionDisk(image, offset, sectors) });
  const work = ff.malloc(FatFs.FF_MAX_SS * 64);
  check("format", ff.f_mkfs("", { fmt: FatFs.FM_FAT32 | FatFs.FM_SFD, n_fat: 2, align: 0, n_root: 0, au_size: clusterBytes(partBytes) }, work, FatFs.FF_MAX_SS * 64));
  ff.free(work);
  const fs = ff.malloc(FatFs.sizeof_FATFS);
  check("mount", ff.f_mount(fs, "", 1));
  const fp = ff.malloc(FatFs.sizeof_FIL);
  const chunk = 1 << 20;
  const buf = ff.malloc(chunk);
  const written = ff.malloc(4);
  for (const f of files) {
    check(`create ${f.name}`, ff.f_open(fp, `/${f.name}`, FatFs.FA_WRITE | FatFs.FA_CREATE_ALWAYS));
    for (let at = 0; at < f.data.length; at += chunk) {
      const part = f.data.subarray(at, at + chunk);
      ff.HEAPU8.set(part, buf);
      check(`write ${f.name}`, ff.f_write(fp, buf, part.length, written));
      if (ff.getValue(written, "i32") !== part.length) throw new Error(`FAT32 image: ${f.name} did not fit (disk full)`);
    }
    check(`close ${f.name}`, ff.f_close(fp));
  }
  ff.free(buf);
  ff.free(written);
  ff.free(fp);
  check("unmount", ff.f_unmount(""));
  ff.free(fs);
  // FatFs formatted the partition as a stand-alone volume: record where it starts on the disk
  // (BPB_HiddSec) in the boot sector and its FAT32 backup copy (sector 6).
  const dv = new DataView(image.buffer);
  for (const s of [0, 6]) dv.setUint32(offset + s * SECTOR + 28, PARTITION_START, true);
  writeMbr(image, PARTITION_START, sectors, files);
  return image;
}
